/**
 * The failure policy against sts-local, in one process: static stability, backoff, fail
 * fast, the failure shared through the cache, and a lock renewed while STS is slow. Time
 * is sts-local's frozen clock, moved by hand; fleet-wide numbers are in the fleet tests.
 */
import {
  AssumeRoleError,
  type AssumeRoleOptions,
  type CredentialCache,
  failureKey,
  MemoryCache,
  type Session,
} from "@assume-role-lib/core";
import { beforeAll, describe, expect, it } from "vitest";
import { EventLog, type FrozenSts, role, rootSession, useFrozenSts } from "./helpers.js";

const getSts = useFrozenSts();
let sts: FrozenSts;
beforeAll(() => {
  sts = getSts();
});

const MIN = 60_000;
const calls = (name = "Demo") => sts.stats.calls("AssumeRole", role(name));
/** No jitter, and the middle of every random range. */
const steady = { jitterSeconds: 0, random: () => 0.5 };

function session(options: AssumeRoleOptions = {}, name = "Demo"): { s: Session; log: EventLog } {
  const log = new EventLog();
  const refresh = { ...steady, ...options.refresh };
  return { s: rootSession(sts, log).assumeRole(role(name), { ...options, refresh }), log };
}

/** Resolves once no refresh of the session behind `log` is running (background ones too). */
async function settled(log: EventLog): Promise<void> {
  const done = () => log.count("refresh-succeeded") + log.count("refresh-failed");
  while (log.count("refresh-started") > done()) await new Promise((r) => setTimeout(r, 2));
}

/**
 * Call `s.credentials()` at `count` points spread over `spanMs` of STS time, letting any
 * background refresh finish before the clock moves on (as it would in real time).
 */
async function callsOver(s: Session, log: EventLog, count: number, spanMs: number) {
  const out: Array<{ at: number; ok: boolean; error?: AssumeRoleError }> = [];
  for (let i = 0; i < count; i++) {
    const at = sts.now();
    const result = await s.credentials().then(
      () => ({ at, ok: true }),
      (error: AssumeRoleError) => ({ at, ok: false, error }),
    );
    out.push(result);
    await settled(log);
    sts.clock.advance(spanMs / count);
  }
  return out;
}

describe("static stability: a failed refresh serves what is still usable", () => {
  it("STS down with credentials valid for 120 s and then 20 s more: no error until 30 s before expiry, 6 attempts, not 100", async () => {
    // The measurement: maxAttempts 1, 100 calls, 503 from STS throughout.
    const { s, log } = session({ refresh: { maxWaitSeconds: 0.5 } });
    const first = await s.credentials();
    const expiry = first.expiration?.getTime() ?? 0;
    sts.clock.set(expiry - 120_000);
    sts.faults.serverErrorNext(Number.POSITIVE_INFINITY, 503);
    const before = calls();
    const results = await callsOver(s, log, 100, 140_000);
    sts.faults.clear();

    const usableUntil = expiry - 30_000;
    const whileUsable = results.filter((r) => r.at < usableUntil);
    expect(whileUsable.length).toBeGreaterThan(60);
    expect(whileUsable.filter((r) => !r.ok)).toEqual([]);
    const afterwards = results.filter((r) => r.at >= usableUntil);
    for (const r of afterwards) {
      expect(r.ok).toBe(false);
      expect(r.error).toBeInstanceOf(AssumeRoleError);
      expect(r.error?.code).toBe("ServiceUnavailable");
    }
    // One background attempt, one when they stop being usable, then at the first call (every
    // 1.4 s) after 1.5, 3, 6 and 12 s of backoff; the next (22.5 s) falls after the last call.
    expect(calls() - before).toBe(6);
  });

  it("STS down for 20 minutes inside the advisory window of 2-hour credentials: no error, 4 attempts", async () => {
    const { s, log } = session({ DurationSeconds: 7200 }, "Long");
    const first = await s.credentials();
    const expiry = first.expiration?.getTime() ?? 0;
    sts.clock.set(expiry - 55 * MIN); // the advisory window of 2 h credentials is 60 min
    sts.faults.serverErrorNext(Number.POSITIVE_INFINITY, 503);
    const before = calls("Long");
    const results = await callsOver(s, log, 200, 20 * MIN);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    // 0, 7.5, 15 min into the outage (backoff 5-10 min, here its middle), then recovery.
    expect(calls("Long") - before).toBe(3);
    for (const e of log.of("refresh-failed")) {
      expect(e).toMatchObject({ thrown: false, permanent: false, source: "sts" });
      expect(e.servingUntil?.getTime()).toBe(expiry - 30_000);
    }
    sts.faults.clear();
    sts.clock.advance(2.5 * MIN); // the next attempt is due: one call refreshes
    const refreshed = log.next("refresh-succeeded");
    await s.credentials();
    await refreshed;
    expect((await s.credentials()).accessKeyId).not.toBe(first.accessKeyId);
    expect(calls("Long") - before).toBe(4);
  });

  it("a new session during an outage gets the usable entry another one cached", async () => {
    const cache = new MemoryCache();
    const a = session({ cache });
    const first = await a.s.credentials();
    sts.clock.advance(50 * MIN); // 10 min left: inside the refresh window, still usable
    sts.faults.serverErrorNext(Number.POSITIVE_INFINITY, 503);
    const b = session({ cache });
    expect((await b.s.credentials()).accessKeyId).toBe(first.accessKeyId);
    expect(b.log.of("refresh-failed")[0]).toMatchObject({ thrown: false, source: "sts" });
  });
});

describe("backoff with nothing usable", () => {
  it("callers at a cold start wait through throttling: no error, one attempt at a time", async () => {
    const { s } = session({ refresh: { coldBackoffSeconds: [0.05, 1] } });
    sts.faults.throttleNext(3);
    const all = await Promise.all(Array.from({ length: 20 }, () => s.credentials()));
    expect(new Set(all.map((c) => c.accessKeyId)).size).toBe(1);
    expect(calls()).toBe(4);
  });

  it("a caller waits at most maxWaitSeconds, then gets STS's error; attempts back off", async () => {
    const { s, log } = session({
      refresh: { coldBackoffSeconds: [0.05, 0.2], maxWaitSeconds: 1, random: Math.random },
    });
    sts.faults.serverErrorNext(Number.POSITIVE_INFINITY, 503);
    const started = performance.now();
    const error = await s.credentials().catch((e) => e);
    const waited = performance.now() - started;
    expect(error).toMatchObject({ code: "ServiceUnavailable", retryable: true });
    expect(waited).toBeGreaterThan(700);
    expect(waited).toBeLessThan(3000);
    // 1 s of 50 ms doubling to 200 ms (jittered down by up to half): about 5 to 12 attempts.
    expect(calls()).toBeGreaterThanOrEqual(4);
    expect(calls()).toBeLessThanOrEqual(14);
    const failures = log.of("refresh-failed");
    expect(failures.every((e) => e.thrown && !e.permanent)).toBe(true);
  });
});

describe("fail fast on errors a retry cannot fix", () => {
  it("AccessDenied: every caller gets it, with 1 STS call per 5 s", async () => {
    const { s, log } = session({}, "Denied");
    const burst = () =>
      Promise.all(Array.from({ length: 20 }, () => s.credentials().catch((e) => e)));
    for (const e of await burst()) {
      expect(e).toBeInstanceOf(AssumeRoleError);
      expect(e.code).toBe("AccessDenied");
    }
    expect(calls("Denied")).toBe(1);
    const failed = log.of("refresh-failed")[0];
    expect(failed).toMatchObject({ permanent: true, thrown: true });
    expect(failed?.nextAttemptAt.getTime()).toBe(sts.now() + 5000);
    sts.clock.advance(4900);
    for (const e of await burst()) expect(e.code).toBe("AccessDenied");
    expect(calls("Denied")).toBe(1);
    sts.clock.advance(200);
    await burst();
    expect(calls("Denied")).toBe(2);
  });
});

describe("the failure is shared through the cache", () => {
  it("a second session (another process) gets the first one's AccessDenied with no STS call", async () => {
    const cache = new MemoryCache();
    const a = session({ cache }, "Denied");
    const b = session({ cache }, "Denied");
    expect(await a.s.credentials().catch((e) => e.code)).toBe("AccessDenied");
    const shared = await b.s.credentials().catch((e) => e);
    expect(shared).toBeInstanceOf(AssumeRoleError);
    expect(shared.code).toBe("AccessDenied");
    expect(shared.statusCode).toBe(403);
    expect(calls("Denied")).toBe(1);
    expect(b.log.of("refresh-failed")[0]).toMatchObject({ source: "fleet", permanent: true });
    // The record: STS's code and times, no secret, under its own key.
    const record = cache.get(failureKey(a.s.cacheKey as string)) as Record<string, unknown>;
    expect(record).toMatchObject({
      RefreshFailure: { Code: "AccessDenied", Retryable: false, Consecutive: 1 },
    });
    expect(JSON.stringify(record)).not.toContain(sts.rootCredentials.secretAccessKey);
  });

  it("without shareFailures each session calls STS itself", async () => {
    const cache = new MemoryCache();
    const refresh = { shareFailures: false };
    const a = session({ cache, refresh }, "Denied");
    const b = session({ cache, refresh }, "Denied");
    await a.s.credentials().catch(() => {});
    await b.s.credentials().catch(() => {});
    expect(calls("Denied")).toBe(2);
    expect(cache.get(failureKey(a.s.cacheKey as string))).toBeUndefined();
  });

  it("a record that claims a next attempt hours away is ignored (cache contents are untrusted)", async () => {
    const cache = new MemoryCache();
    const { s } = session({ cache });
    const far = new Date(sts.now() + 5 * 60 * MIN).toISOString();
    cache.set(failureKey(s.cacheKey as string), {
      RefreshFailure: {
        Code: "Throttling",
        Message: "stop",
        Retryable: true,
        NextAttemptAt: far,
        Consecutive: 1,
        Expiration: far,
      },
    });
    expect((await s.credentials()).accessKeyId).toMatch(/^ASIA/);
    expect(calls()).toBe(1);
  });

  it("a success removes the record", async () => {
    const cache = new MemoryCache();
    const { s } = session({ cache, refresh: { coldBackoffSeconds: [0.05, 1] } });
    sts.faults.throttleNext(1);
    await s.credentials();
    expect(cache.get(failureKey(s.cacheKey as string))).toBeUndefined();
    expect(calls()).toBe(2);
  });
});

describe("a lock holder whose STS call outlives the lease", () => {
  /** A MemoryCache whose lock cannot renew: a plain release function. */
  const withoutRenew = (inner: MemoryCache): CredentialCache => ({
    get: (k) => inner.get(k),
    set: (k, v) => inner.set(k, v),
    has: (k) => inner.has(k),
    delete: (k) => inner.delete(k),
    lock: async (k, o) => {
      const release = await inner.lock(k, o);
      return release ? () => release() : undefined;
    },
  });

  async function twoSessionsThroughSlowSts(cache: CredentialCache) {
    sts.faults.latency(1200, { action: "AssumeRole" });
    const lock = { ttlMs: 300 };
    const [a, b] = [session({ cache, lock }), session({ cache, lock })];
    // One takes the lock and calls STS for 1.2 s, four times its 300 ms lease.
    return Promise.all([a.s.credentials(), b.s.credentials()]);
  }

  it("renews its lease: the waiter reads the holder's entry, 1 STS call", async () => {
    const [ca, cb] = await twoSessionsThroughSlowSts(new MemoryCache());
    expect(cb.accessKeyId).toBe(ca.accessKeyId);
    expect(calls()).toBe(1);
  });

  it("control: a lock that cannot renew expires under the holder, and the waiter calls STS too", async () => {
    await twoSessionsThroughSlowSts(withoutRenew(new MemoryCache()));
    expect(calls()).toBe(2);
  });
});
