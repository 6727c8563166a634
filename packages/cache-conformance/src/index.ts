/**
 * The one test suite every assume-role-lib cache must pass (as keyv's adapters all run
 * keyv's). Call it from a vitest test file:
 *
 *   runCacheConformance("JSONFileCache", async () => {
 *     const dir = await mkdtemp(…);
 *     return { cache: new JSONFileCache(dir), writeRaw: (key, bytes) => …, cleanup: … };
 *   });
 */
import {
  type CacheEntry,
  type CredentialCache,
  type FailureRecord,
  failureKey,
  parseCacheEntry,
  type ReleaseLock,
} from "@assume-role-lib/core";
import { afterEach, describe, expect, it, type TestContext } from "vitest";

/** What a cache under test provides. */
export interface ConformanceSubject {
  cache: CredentialCache;
  /**
   * Store a value bypassing the cache's own encoding (file bytes, a raw Redis string, a
   * Map value), to prove that corrupt and foreign data is a miss.
   */
  writeRaw: (key: string, value: string | Buffer | object | number) => Promise<void>;
  /**
   * Another instance on the same store, as another process would open it (for a file
   * cache, a new instance on the same directory). Required when the cache implements
   * `waitForChange`: its notices must come from what others write, not from this object.
   */
  another?: () => CredentialCache;
  cleanup?: () => Promise<void>;
}

/** What the suite may expect of a cache. */
export interface ConformanceOptions {
  /** The cache implements `lock()` (cross-process single-flight). */
  lock?: boolean;
  /** The cache drops entries once they expire (a TTL store). */
  expiresEntries?: boolean;
}

let counter = 0;
/** A fresh, unique cache key (40 hex chars, like a real one). */
export const freshKey = (): string =>
  `${Date.now().toString(16)}${(counter++).toString(16)}`.padEnd(40, "0").slice(0, 40);

/** A syntactically valid cache entry document. Secrets are random per call. */
export function sampleEntry(expiresInMs = 3_600_000, now = Date.now()): CacheEntry {
  const rand = (n: number) =>
    Array.from(
      { length: n },
      () => "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[Math.floor(Math.random() * 32)],
    ).join("");
  return {
    Credentials: {
      AccessKeyId: `TEST${rand(16)}`,
      SecretAccessKey: rand(40),
      SessionToken: rand(120),
      Expiration: new Date(now + expiresInMs).toISOString().replace(/\.\d{3}Z$/, "Z"),
    },
    AssumedRoleUser: {
      AssumedRoleId: `AROATEST:${rand(6)}`,
      Arn: "arn:aws:sts::123456789012:assumed-role/Conformance/s",
    },
  };
}

/** Register the conformance tests for one cache implementation. */
export function runCacheConformance(
  name: string,
  makeSubject: () => Promise<ConformanceSubject>,
  options: ConformanceOptions = {},
): void {
  describe(`cache conformance: ${name}`, () => {
    let subject: ConformanceSubject | undefined;
    const open = async () => {
      subject = await makeSubject();
      return subject;
    };
    afterEach(async () => {
      await subject?.cleanup?.();
      subject = undefined;
    });

    it("get of an absent key is a miss, has is false", async () => {
      const { cache } = await open();
      const key = freshKey();
      expect(await cache.get(key)).toBeUndefined();
      expect(await cache.has(key)).toBe(false);
    });

    it("round-trips the entry document", async () => {
      const { cache } = await open();
      const key = freshKey();
      const entry = sampleEntry();
      await cache.set(key, entry);
      expect(await cache.has(key)).toBe(true);
      const parsed = parseCacheEntry(await cache.get(key));
      expect(parsed).toBeDefined();
      expect(parsed?.Credentials.AccessKeyId).toBe(entry.Credentials.AccessKeyId);
      expect(parsed?.Credentials.SecretAccessKey).toBe(entry.Credentials.SecretAccessKey);
      expect(parsed?.Credentials.SessionToken).toBe(entry.Credentials.SessionToken);
      expect(parsed?.Credentials.Expiration.toISOString()).toBe(
        new Date(entry.Credentials.Expiration).toISOString(),
      );
      expect(parsed?.AssumedRoleUser?.Arn).toBe(entry.AssumedRoleUser?.Arn);
    });

    it("overwrites, and deletes", async () => {
      const { cache } = await open();
      const key = freshKey();
      await cache.set(key, sampleEntry());
      const second = sampleEntry();
      await cache.set(key, second);
      expect(parseCacheEntry(await cache.get(key))?.Credentials.AccessKeyId).toBe(
        second.Credentials.AccessKeyId,
      );
      expect(await cache.delete(key)).toBe(true);
      expect(await cache.has(key)).toBe(false);
      expect(await cache.get(key)).toBeUndefined();
      expect(await cache.delete(key)).toBe(false);
    });

    it("keeps keys apart", async () => {
      const { cache } = await open();
      const [k1, k2] = [freshKey(), freshKey()];
      const [e1, e2] = [sampleEntry(), sampleEntry()];
      await cache.set(k1, e1);
      await cache.set(k2, e2);
      expect(parseCacheEntry(await cache.get(k1))?.Credentials.AccessKeyId).toBe(
        e1.Credentials.AccessKeyId,
      );
      expect(parseCacheEntry(await cache.get(k2))?.Credentials.AccessKeyId).toBe(
        e2.Credentials.AccessKeyId,
      );
    });

    const garbage: Array<[string, string | Buffer | object | number]> = [
      ["empty text", ""],
      ["truncated JSON", '{"Credentials": {"AccessKeyId": "A'],
      ["not JSON", "\u0000\u00ff garbage"],
      ["random bytes", Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37])],
      ["a number", 42],
      ["a foreign object", { hello: "world" }],
      [
        "missing SessionToken",
        {
          Credentials: {
            AccessKeyId: "A",
            SecretAccessKey: "B",
            Expiration: "2030-01-01T00:00:00Z",
          },
        },
      ],
      [
        "a bad Expiration",
        {
          Credentials: {
            AccessKeyId: "A",
            SecretAccessKey: "B",
            SessionToken: "C",
            Expiration: "tomorrow",
          },
        },
      ],
    ];
    it.each(garbage)(
      "%s is a miss, never a throw, and is replaced by the next write",
      async (_n, value) => {
        const { cache, writeRaw } = await open();
        const key = freshKey();
        await writeRaw(key, value);
        // A throw here fails the test: corrupt data must read as a miss.
        const read = await cache.get(key);
        expect(parseCacheEntry(read)).toBeUndefined();
        const entry = sampleEntry();
        await cache.set(key, entry);
        expect(parseCacheEntry(await cache.get(key))?.Credentials.AccessKeyId).toBe(
          entry.Credentials.AccessKeyId,
        );
      },
    );

    it("concurrent writers and readers never see a partial entry", async () => {
      const { cache } = await open();
      const key = freshKey();
      const entries = Array.from({ length: 20 }, () => sampleEntry());
      const ids = new Set(entries.map((e) => e.Credentials.AccessKeyId));
      await cache.set(key, entries[0] as CacheEntry);
      const reads: unknown[] = [];
      await Promise.all([
        ...entries.map((e) => cache.set(key, e)),
        ...entries.map(async () => reads.push(await cache.get(key))),
      ]);
      for (const raw of reads) {
        const parsed = parseCacheEntry(raw);
        expect(parsed).toBeDefined();
        expect(ids.has(parsed?.Credentials.AccessKeyId as string)).toBe(true);
      }
    });

    it("stores the fleet's failure record beside an entry, and keeps them apart", async () => {
      const { cache } = await open();
      const key = freshKey();
      const entry = sampleEntry();
      const at = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
      const record: FailureRecord = {
        RefreshFailure: {
          Code: "Throttling",
          Message: "Rate exceeded",
          StatusCode: 400,
          Retryable: true,
          NextAttemptAt: at,
          Consecutive: 2,
          Expiration: at,
        },
      };
      await cache.set(key, entry);
      await cache.set(failureKey(key), record);
      const read = await cache.get(failureKey(key));
      const doc =
        typeof read === "string" || Buffer.isBuffer(read) ? JSON.parse(String(read)) : read;
      expect(doc).toEqual(record);
      expect(parseCacheEntry(await cache.get(key))?.Credentials.AccessKeyId).toBe(
        entry.Credentials.AccessKeyId,
      );
      expect(await cache.delete(failureKey(key))).toBe(true);
      expect(await cache.has(key)).toBe(true);
    });

    it("stores an expired entry or drops it, and either way it does not parse as fresh", async () => {
      const { cache } = await open();
      const key = freshKey();
      await cache.set(key, sampleEntry(-60_000));
      const parsed = parseCacheEntry(await cache.get(key));
      if (options.expiresEntries) expect(parsed).toBeUndefined();
      if (parsed) expect(parsed.Credentials.Expiration.getTime()).toBeLessThan(Date.now());
    });

    describe("waitForChange, where offered", () => {
      /** The cache's waitForChange and another instance on its store; skips without it. */
      const waitable = async (ctx: TestContext) => {
        const { cache, another } = await open();
        // Without change notices the core re-reads on a short timer: nothing to test.
        if (!cache.waitForChange) ctx.skip("no waitForChange");
        if (!another) throw new Error("a cache with waitForChange: give the subject another()");
        return {
          wait: (key: string, timeoutMs: number) => cache.waitForChange?.(key, timeoutMs),
          other: another(),
        };
      };
      /** How long `promise` took to settle since `started`, in ms. */
      const took = async (promise: Promise<void> | undefined, started: number) => {
        await promise;
        return performance.now() - started;
      };
      const failureRecord = (): FailureRecord => {
        const at = new Date(Date.now() + 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
        return {
          RefreshFailure: {
            Code: "Throttling",
            Message: "Rate exceeded",
            Retryable: true,
            NextAttemptAt: at,
            Consecutive: 1,
            Expiration: at,
          },
        };
      };

      it("resolves at its timeout when nothing changes", async (ctx) => {
        const { wait } = await waitable(ctx);
        const started = performance.now();
        expect(await took(wait(freshKey(), 400), started)).toBeGreaterThanOrEqual(200);
      });

      // A change made once waitForChange has returned must wake it, well before its timeout.
      it("a set of the key through another instance wakes a pending wait", async (ctx) => {
        const { wait, other } = await waitable(ctx);
        const key = freshKey();
        const started = performance.now();
        const waited = took(wait(key, 10_000), started);
        await other.set(key, sampleEntry());
        expect(await waited).toBeLessThan(2000);
      });

      it("a set of the key's failure record through another instance wakes it too", async (ctx) => {
        const { wait, other } = await waitable(ctx);
        const key = freshKey();
        const started = performance.now();
        const waited = took(wait(key, 10_000), started);
        await other.set(failureKey(key), failureRecord());
        expect(await waited).toBeLessThan(2000);
      });

      it("a set of other keys does not wake it: it resolves at its timeout", async (ctx) => {
        const { wait, other } = await waitable(ctx);
        const started = performance.now();
        const waited = took(wait(freshKey(), 600), started);
        const unrelated = freshKey();
        await other.set(unrelated, sampleEntry());
        await other.set(failureKey(unrelated), failureRecord());
        expect(await waited).toBeGreaterThanOrEqual(300);
      });
    });

    if (options.lock) {
      it("lock excludes a second holder until released", async () => {
        const { cache } = await open();
        const lock = cache.lock?.bind(cache);
        if (!lock) throw new Error("cache has no lock()");
        const key = freshKey();
        const first = await lock(key, { waitMs: 1000, ttlMs: 10_000 });
        expect(first).toBeTypeOf("function");
        const second = await lock(key, { waitMs: 300, ttlMs: 10_000 });
        expect(second).toBeUndefined();
        await first?.();
        const third = await lock(key, { waitMs: 2000, ttlMs: 10_000 });
        expect(third).toBeTypeOf("function");
        await third?.();
        await third?.(); // releasing twice is harmless
      });

      it("lock gives mutual exclusion to contenders, each in turn", async () => {
        const { cache } = await open();
        const key = freshKey();
        let inside = 0;
        let maxInside = 0;
        let done = 0;
        await Promise.all(
          Array.from({ length: 6 }, async () => {
            const release = (await cache.lock?.(key, {
              waitMs: 20_000,
              ttlMs: 10_000,
            })) as ReleaseLock;
            expect(release).toBeTypeOf("function");
            inside++;
            maxInside = Math.max(maxInside, inside);
            await new Promise((r) => setTimeout(r, 20));
            inside--;
            done++;
            await release();
          }),
        );
        expect(maxInside).toBe(1);
        expect(done).toBe(6);
      });

      it("a lock that is never released expires after its ttl", async () => {
        const { cache } = await open();
        const key = freshKey();
        const held = await cache.lock?.(key, { waitMs: 1000, ttlMs: 1500 });
        expect(held).toBeTypeOf("function");
        const next = await cache.lock?.(key, { waitMs: 15_000, ttlMs: 10_000 });
        expect(next).toBeTypeOf("function");
        // The expired holder's late release must not free the new holder's lock.
        await held?.();
        expect(await cache.lock?.(key, { waitMs: 300, ttlMs: 10_000 })).toBeUndefined();
        await next?.();
      });

      it("renew, where offered, keeps a live holder's lease beyond its ttl", async (ctx) => {
        const { cache } = await open();
        const key = freshKey();
        const held = await cache.lock?.(key, { waitMs: 1000, ttlMs: 1500 });
        if (!held?.renew) {
          await held?.();
          ctx.skip(); // the lock has no renewal: it expires after ttlMs, as tested above
          return;
        }
        // Renewed every 500 ms for 3 s: twice the ttl, and nobody else gets in.
        for (let i = 0; i < 6; i++) {
          await new Promise((r) => setTimeout(r, 500));
          expect(await held.renew()).toBe(true);
        }
        expect(await cache.lock?.(key, { waitMs: 300, ttlMs: 10_000 })).toBeUndefined();
        await held();
        expect(await held.renew()).toBe(false); // released: nothing to renew
        const next = await cache.lock?.(key, { waitMs: 2000, ttlMs: 10_000 });
        expect(next).toBeTypeOf("function");
        await next?.();
      });
    }
  });
}

export {
  type Fleet,
  type FleetClock,
  type FleetProviderContext,
  type FleetReply,
  type FleetRequest,
  type FleetResolveOptions,
  type FleetWorkerConfig,
  startFleet,
} from "./fleet.js";
export {
  type ActorOutcome,
  type ActorStep,
  actAs,
  type OsUser,
  type OsUsers,
  osUsers,
  type RunAsResult,
  runAs,
  tempDirOwnedBy,
} from "./os-users.js";
export {
  type DeniedResult,
  type OutageOptions,
  type OutageResult,
  runDenied,
  runOutage,
  runSlow,
  runThrottled,
  SimClock,
  type SlowResult,
  STORM_ROLES,
  type StormFleet,
  type StormFleetOptions,
  startStormFleet,
  THROTTLED_AT_60X,
  type ThrottledResult,
} from "./storms.js";
