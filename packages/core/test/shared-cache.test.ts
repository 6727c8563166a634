import {
  type CacheEntry,
  type CredentialCache,
  type LockOptions,
  MemoryCache,
  parseCacheEntry,
} from "@assume-role-lib/core";
import { randomKeyId, randomSecret, randomSessionToken } from "@assume-role-lib/sts-local";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { EventLog, type FrozenSts, role, rootSession, useFrozenSts } from "./helpers.js";

// Fake key ids made at run time (sts-local's generator): no key-shaped literal is committed.
const BOTOCORE_KEY = randomKeyId("ASIA");
const STALE_KEY = randomKeyId("ASIA");
const HOLDER_KEY = randomKeyId("ASIA");

const getSts = useFrozenSts();
let sts: FrozenSts;
beforeAll(() => {
  sts = getSts();
});

const MIN = 60_000;
const calls = () => sts.stats.calls("AssumeRole");
const session = (cache: CredentialCache, log = new EventLog()) =>
  rootSession(sts, log).assumeRole(role("Demo"), {
    RoleSessionName: "shared",
    cache,
    refresh: { jitterSeconds: 0 },
  });

describe("a shared cache", () => {
  it("a plain Map is a valid cache: the second session makes no STS call", async () => {
    const cache = new Map<string, unknown>();
    const first = await session(cache).credentials();
    const log = new EventLog();
    const second = await session(cache, log).credentials();
    expect(second.accessKeyId).toBe(first.accessKeyId);
    expect(calls()).toBe(1);
    expect(log.of("refresh-succeeded")[0]?.source).toBe("cache");
    expect(log.count("cache-hit")).toBe(1);
    const stored = parseCacheEntry([...cache.values()][0]);
    expect(stored?.Credentials.AccessKeyId).toBe(first.accessKeyId);
  });

  it("stores botocore's document under botocore's key", async () => {
    const cache = new MemoryCache();
    const s = session(cache);
    await s.credentials();
    const raw = cache.get(s.cacheKey as string) as CacheEntry;
    expect(raw.Credentials.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(raw.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/Demo/shared");
    expect(Object.keys(raw.Credentials).sort()).toEqual(
      ["AccessKeyId", "AccountId", "Expiration", "SecretAccessKey", "SessionToken"].sort(),
    );
  });

  it("reads an entry botocore wrote (UTC suffix, extra fields) with no STS call", async () => {
    const cache = new Map<string, unknown>();
    const s = session(cache);
    const expiry = new Date(sts.now() + 50 * MIN).toISOString().replace(/\.\d+Z$/, "UTC");
    cache.set(s.cacheKey as string, {
      Credentials: {
        AccessKeyId: BOTOCORE_KEY,
        SecretAccessKey: randomSecret(),
        SessionToken: randomSessionToken(),
        Expiration: expiry,
      },
      AssumedRoleUser: {
        AssumedRoleId: "AROA:x",
        Arn: "arn:aws:sts::123456789012:assumed-role/Demo/shared",
      },
      ResponseMetadata: { RequestId: "r", HTTPStatusCode: 200, RetryAttempts: 0 },
    });
    expect((await s.credentials()).accessKeyId).toBe(BOTOCORE_KEY);
    expect(calls()).toBe(0);
  });

  it.each([
    ["corrupt", "{not json", "invalid"],
    ["foreign", { some: "thing" }, "invalid"],
    ["inside the advisory window", "expiring", "expiring"],
  ])("a %s entry is a miss and is overwritten", async (_name, value, why) => {
    const cache = new Map<string, unknown>();
    const log = new EventLog();
    const s = session(cache, log);
    const stale = {
      Credentials: {
        AccessKeyId: STALE_KEY,
        SecretAccessKey: randomSecret(),
        SessionToken: randomSessionToken(),
        Expiration: new Date(sts.now() + 14 * MIN).toISOString(),
      },
    };
    cache.set(s.cacheKey as string, value === "expiring" ? stale : value);
    const creds = await s.credentials();
    expect(creds.accessKeyId).not.toBe(STALE_KEY);
    expect(calls()).toBe(1);
    expect(log.of("cache-miss").map((e) => e.why)).toContain(why);
    expect(parseCacheEntry(cache.get(s.cacheKey as string))?.Credentials.AccessKeyId).toBe(
      creds.accessKeyId,
    );
  });

  it("follows the order: get → lock → get → STS → set → unlock", async () => {
    // Each read of an entry that is not fresh also reads the failure record beside it.
    const ops: string[] = [];
    const inner = new MemoryCache();
    const cache: CredentialCache = {
      get: (k) => {
        ops.push(k.endsWith(".refresh-failure") ? "get failure" : "get");
        return inner.get(k);
      },
      set: (k, v) => {
        ops.push(calls() === 1 ? "set(after STS)" : "set(before STS)");
        inner.set(k, v);
      },
      has: (k) => inner.has(k),
      delete: (k) => inner.delete(k),
      lock: async (k: string, o: LockOptions) => {
        ops.push("lock");
        const release = await inner.lock(k, o);
        return async () => {
          ops.push("unlock");
          await release?.();
        };
      },
    };
    await session(cache).credentials();
    expect(ops).toEqual([
      "get",
      "get failure",
      "lock",
      "get",
      "get failure",
      "set(after STS)",
      "unlock",
    ]);
  });

  it("a holder that refreshed while we waited for the lock saves us the STS call", async () => {
    const cache = new MemoryCache();
    sts.faults.latency(200);
    const [a, b] = [session(cache), session(cache)];
    const [ca, cb] = await Promise.all([a.credentials(), b.credentials()]);
    expect(ca.accessKeyId).toBe(cb.accessKeyId);
    expect(calls()).toBe(1);
  });

  it("a lock wait that times out still gets credentials (from STS)", async () => {
    const cache = new MemoryCache();
    const s = rootSession(sts).assumeRole(role("Demo"), { cache, lock: { waitMs: 50 } });
    const held = await cache.lock(s.cacheKey as string, { waitMs: 10, ttlMs: 60_000 });
    const log = new EventLog();
    const waiting = rootSession(sts, log).assumeRole(role("Demo"), { cache, lock: { waitMs: 50 } });
    expect((await waiting.credentials()).accessKeyId).toMatch(/^ASIA/);
    expect(log.of("lock-waited")[0]).toMatchObject({ acquired: false });
    await held?.();
  });

  it("a broken cache is reported and skipped: the caller still gets credentials", async () => {
    const boom = (op: string) => () => {
      throw new Error(`${op} failed: connection refused`);
    };
    const cache: CredentialCache = {
      get: boom("get"),
      set: boom("set"),
      has: boom("has") as never,
      delete: boom("delete") as never,
      lock: async () => {
        throw new Error("lock failed");
      },
    };
    const log = new EventLog();
    const creds = await session(cache, log).credentials();
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(
      log
        .of("cache-error")
        .map((e) => e.operation)
        .sort(),
    ).toEqual(["get", "lock", "set"]);
  });
});

/** A cache that passes every operation to `inner`, except those in `parts`. */
const over = (inner: MemoryCache, parts: Partial<CredentialCache>): CredentialCache => ({
  get: (k) => inner.get(k),
  set: (k, v) => inner.set(k, v),
  has: (k) => inner.has(k),
  delete: (k) => inner.delete(k),
  lock: (k, o) => inner.lock(k, o),
  ...parts,
});

describe("waiting for another process's lock", () => {
  /** The entry "another process" writes while holding the lock: 55 min left. */
  const holderEntry = () => ({
    Credentials: {
      AccessKeyId: HOLDER_KEY,
      SecretAccessKey: randomSecret(),
      SessionToken: randomSessionToken(),
      Expiration: new Date(sts.now() + 55 * MIN).toISOString(),
    },
  });

  it("a waiter that finds the holder's entry returns it without ever taking the lock", async () => {
    const cache = new MemoryCache();
    const log = new EventLog();
    const s = session(cache, log);
    const key = s.cacheKey as string;
    const held = await cache.lock(key, { waitMs: 10, ttlMs: 60_000 }); // "another process"
    const missed = log.next("cache-miss");
    const pending = s.credentials();
    await missed; // its first read is done; now it waits for the lock
    // The holder writes an entry while we wait; it never releases (it "crashed" after writing).
    const written = holderEntry();
    cache.set(key, written);
    expect((await pending).accessKeyId).toBe(HOLDER_KEY);
    expect(calls()).toBe(0);
    expect(log.of("lock-waited")[0]).toMatchObject({ acquired: false });
    await held?.();
  });

  it("a waiter woken by the holder's write reads once and is done: one notice, one lock try", async () => {
    // What each waiter of a crowd costs the holder it waits for: every operation counts.
    const ops: string[] = [];
    const inner = new MemoryCache();
    const woken = new Map<string, () => void>();
    const cache: CredentialCache = {
      get: (k) => {
        ops.push(k.endsWith(".refresh-failure") ? "get failure" : "get");
        return inner.get(k);
      },
      set: (k, v) => {
        inner.set(k, v);
        woken.get(k)?.();
      },
      has: (k) => inner.has(k),
      delete: (k) => inner.delete(k),
      lock: (k, o) => {
        ops.push("lock");
        return inner.lock(k, o);
      },
      waitForChange: (k, timeoutMs, signal) => {
        ops.push("notice");
        return new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutMs);
          const wake = () => {
            clearTimeout(timer);
            resolve();
          };
          woken.set(k, wake);
          signal?.addEventListener("abort", wake, { once: true });
        });
      },
    };
    const log = new EventLog();
    const s = session(cache, log);
    const key = s.cacheKey as string;
    const held = await inner.lock(key, { waitMs: 10, ttlMs: 60_000 }); // "another process"
    const pending = s.credentials();
    await vi.waitFor(() => expect(ops).toContain("notice"));
    await vi.waitFor(() => expect(ops.filter((o) => o === "get failure")).toHaveLength(2));
    cache.set(key, holderEntry());
    expect((await pending).accessKeyId).toBe(HOLDER_KEY);
    expect(ops).toEqual(["get", "get failure", "lock", "notice", "get", "get failure", "get"]);
    expect(calls()).toBe(0);
    await held?.();
  });

  /** A cache whose lock takes `lockMs` and offers renew(), which answers `renewed()`. */
  const renewingCache = (inner: MemoryCache, lockMs: number, renewed: () => boolean) => {
    let renews = 0;
    const cache = over(inner, {
      lock: async (k, o) => {
        await new Promise((resolve) => setTimeout(resolve, lockMs));
        const release = await inner.lock(k, o);
        if (!release) return undefined;
        const renew = () => {
          renews++;
          return renewed();
        };
        return Object.assign(async () => release(), { renew });
      },
    });
    return { cache, renews: () => renews };
  };

  it("a holder whose lease is young calls STS without asking the cache whether it still holds it", async () => {
    const { cache, renews } = renewingCache(new MemoryCache(), 0, () => true);
    expect((await session(cache).credentials()).accessKeyId).toMatch(/^ASIA/);
    expect(calls()).toBe(1);
    expect(renews()).toBe(0); // the 10 s lease was asked for a moment ago
  });

  it("a lease older than a third of its ttl is confirmed first: one taken over is waited for, with no STS call", async () => {
    const inner = new MemoryCache();
    // The lock takes 40 ms (a busy backend), longer than a third of its 60 ms lease; by
    // then another process broke it and wrote its entry.
    const { cache, renews } = renewingCache(inner, 40, () => {
      inner.set(s.cacheKey as string, holderEntry());
      return false;
    });
    const s = rootSession(sts).assumeRole(role("Demo"), {
      RoleSessionName: "shared",
      cache,
      refresh: { jitterSeconds: 0 },
      lock: { ttlMs: 60 },
    });
    expect((await s.credentials()).accessKeyId).toBe(HOLDER_KEY);
    expect(calls()).toBe(0);
    expect(renews()).toBeGreaterThanOrEqual(1);
  });

  it("a cache whose change notices fail is polled: the waiter reads the entry soon after it is written", async () => {
    const inner = new MemoryCache();
    let refused = 0;
    // The notices of a JSONFileCache over inotify's per-user limit: every wait is refused.
    const cache = over(inner, {
      waitForChange: async () => {
        refused++;
        throw new Error("cannot watch: EMFILE");
      },
    });
    const log = new EventLog();
    const s = session(cache, log);
    const key = s.cacheKey as string;
    const held = await inner.lock(key, { waitMs: 10, ttlMs: 60_000 }); // "another process"
    const missed = log.next("cache-miss");
    const pending = s.credentials();
    await missed;
    await new Promise((resolve) => setTimeout(resolve, 300)); // well into the waiting
    const written = holderEntry();
    const writtenAt = performance.now();
    inner.set(key, written);
    expect((await pending).accessKeyId).toBe(HOLDER_KEY);
    // Polled every 100 ms at most once notices failed (with notices it would sleep 250 ms
    // to 1 s between reads): generous bound for a busy machine.
    expect(performance.now() - writtenAt).toBeLessThan(600);
    expect(refused).toBe(1); // asked once, then polled
    expect(calls()).toBe(0);
    await held?.();
  });
});
