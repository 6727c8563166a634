/**
 * A local clock far from STS's: refresh points are computed in STS time (measured from the
 * Date header of STS's answers), so a clock 2 h ahead does not storm STS and a clock
 * 50 min behind does not serve credentials STS already rejects.
 */
import {
  type AssumeRoleEvent,
  ClockSkewError,
  MemoryCache,
  Session,
  type SessionOptions,
} from "@assume-role-lib/core";
import { startStsLocal } from "@assume-role-lib/sts-local";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { beforeAll, describe, expect, it } from "vitest";
import { EventLog, type FrozenSts, role, rootSession, useFrozenSts } from "./helpers.js";

const getSts = useFrozenSts();
let sts: FrozenSts;
beforeAll(() => {
  sts = getSts();
});

const MIN = 60_000;
const HOUR = 60 * MIN;
const calls = () => sts.stats.calls("AssumeRole");

/** A session whose clock is `offsetMs` off sts-local's. */
function skewed(offsetMs: number, log = new EventLog()) {
  const root = rootSession({ ...sts, now: () => sts.now() + offsetMs }, log);
  return { s: root.assumeRole(role("Demo"), { refresh: { jitterSeconds: 0 } }), log };
}

/** Whether sts-local accepts these credentials now (it checks expiry by its own clock). */
async function accepted(creds: { accessKeyId: string; secretAccessKey: string }) {
  const client = new STSClient({
    region: sts.region,
    endpoint: sts.endpoint,
    credentials: creds,
    maxAttempts: 1,
  });
  return client.send(new GetCallerIdentityCommand({})).then(
    () => true,
    () => false,
  );
}

describe.each([
  ["2 h ahead", 2 * HOUR],
  ["50 min behind", -50 * MIN],
])("a local clock %s", (_name, offsetMs) => {
  it("1 STS call for 20 callers, the skew reported, credentials served until they need refreshing", async () => {
    const { s, log } = skewed(offsetMs);
    const results = await Promise.all(Array.from({ length: 20 }, () => s.credentials()));
    expect(new Set(results.map((c) => c.accessKeyId)).size).toBe(1);
    for (let i = 0; i < 20; i++) await s.credentials();
    expect(calls()).toBe(1);
    const skew = log.of("clock-skew")[0] as Extract<AssumeRoleEvent, { type: "clock-skew" }>;
    expect(Math.abs(skew.skewMs - offsetMs)).toBeLessThan(2000);
    const first = results[0] as (typeof results)[0];
    expect(await accepted(first)).toBe(true);
    expect(log.count("refresh-failed")).toBe(0);

    sts.clock.advance(44 * MIN); // STS time: 16 min left, fresh
    expect(await s.credentials()).toBe(first);
    expect(calls()).toBe(1);
    sts.clock.advance(17 * MIN); // STS time: expired an minute ago
    expect(await accepted(first)).toBe(false);
    const next = await s.credentials();
    expect(next.accessKeyId).not.toBe(first.accessKeyId);
    expect(await accepted(next)).toBe(true);
    expect(calls()).toBe(2);
  });
});

describe("a shared entry read before any STS answer", () => {
  it("expiring further ahead than its lifetime means this clock is behind: a miss, then 1 call", async () => {
    const cache = new MemoryCache();
    const right = rootSession(sts).assumeRole(role("Demo"), { cache });
    const written = await right.credentials(); // 60 min left, by STS's clock
    const log = new EventLog();
    const behind = rootSession({ ...sts, now: () => sts.now() - 50 * MIN }, log).assumeRole(
      role("Demo"),
      { cache, refresh: { jitterSeconds: 0 } },
    );
    const creds = await behind.credentials();
    expect(log.of("cache-miss")[0]?.why).toBe("implausible");
    expect(creds.accessKeyId).not.toBe(written.accessKeyId);
    expect(calls()).toBe(2);
    expect(Math.abs((log.of("clock-skew")[0]?.skewMs ?? 0) + 50 * MIN)).toBeLessThan(2000);
  });
});

describe("a caller's wait and the skew measured during it", () => {
  it("a clock 50 min behind: the skew STS's answer reveals does not end the first caller's wait", async () => {
    const inner = new MemoryCache();
    // A cache whose write takes a while (a slow disk): the caller is still waiting when
    // STS's Date header moves the session's time 50 minutes on.
    const cache = {
      get: (k: string) => inner.get(k),
      set: async (k: string, v: Parameters<MemoryCache["set"]>[1]) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        inner.set(k, v);
      },
      has: (k: string) => inner.has(k),
      delete: (k: string) => inner.delete(k),
      lock: (k: string, o: Parameters<MemoryCache["lock"]>[1]) => inner.lock(k, o),
    };
    const log = new EventLog();
    const behind = rootSession({ ...sts, now: () => sts.now() - 50 * MIN }, log).assumeRole(
      role("Demo"),
      { cache, refresh: { jitterSeconds: 0, maxWaitSeconds: 60 } },
    );
    const creds = await behind.credentials();
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(calls()).toBe(1);
    expect(log.count("clock-skew")).toBe(1);
    expect(log.count("refresh-failed")).toBe(0);
  });
});

describe("when nothing corrects the clock", () => {
  it("no Date header and a clock 2 h ahead: a ClockSkewError naming the skew, failed fast", async () => {
    const quiet = await startStsLocal({ dateHeader: false });
    try {
      const log = new EventLog();
      const options: SessionOptions = {
        region: quiet.region,
        stsClientConfig: { endpoint: quiet.endpoint, maxAttempts: 1 },
        clock: () => Date.now() + 2 * HOUR,
        onEvent: log.listener,
      };
      const s = Session.fromCredentials(quiet.rootCredentials, options).assumeRole(role("Demo"));
      const errors = await Promise.all(
        Array.from({ length: 5 }, () => s.credentials().catch((e) => e)),
      );
      for (const e of errors) {
        expect(e).toBeInstanceOf(ClockSkewError);
        expect(e.message).toMatch(/local clock is about 120 min ahead of STS/);
        expect(Math.abs(e.skewMs - 2 * HOUR)).toBeLessThan(5000);
      }
      expect(await s.credentials().catch((e) => e.name)).toBe("ClockSkewError");
      expect(quiet.stats.calls("AssumeRole")).toBe(1); // remembered, not retried per call
      expect(log.of("refresh-failed")[0]).toMatchObject({ permanent: true, thrown: true });
    } finally {
      await quiet.close();
    }
  });

  it("STS refusing a request signed 2 h off: the SDK corrects, the next attempt succeeds, no error", async () => {
    // The process clock (what the SDK signs with) is 2 h ahead of this STS.
    const strict = await startStsLocal({ rejectSkewedSignatures: true });
    try {
      strict.clock.set(Date.now() - 2 * HOUR);
      const log = new EventLog();
      const root = Session.fromCredentials(strict.rootCredentials, {
        region: strict.region,
        stsClientConfig: { endpoint: strict.endpoint, maxAttempts: 1 },
        onEvent: log.listener,
      });
      const s = root.assumeRole(role("Demo"), { refresh: { random: () => 0.5 } });
      const creds = await s.credentials();
      expect(creds.accessKeyId).toMatch(/^ASIA/);
      expect(strict.stats.calls("AssumeRole")).toBe(2);
      const failed = log.of("refresh-failed")[0];
      expect(failed?.error).toBeInstanceOf(ClockSkewError);
      expect(failed).toMatchObject({ permanent: false, thrown: true });
      // Served for its STS lifetime, although by the local clock it expired an hour ago.
      expect(await s.credentials()).toBe(creds);

      // A caller that cannot wait for the next attempt sees the skew named.
      const impatient = root.assumeRole(role("RoleA"), { refresh: { maxWaitSeconds: 0.1 } });
      strict.clock.set(Date.now() - 4 * HOUR); // moved again: the SDK's correction is stale
      const error = await impatient.credentials().catch((e) => e);
      expect(error).toBeInstanceOf(ClockSkewError);
      expect(error.message).toMatch(/about 240 min ahead of STS/);
    } finally {
      await strict.close();
    }
  });
});
