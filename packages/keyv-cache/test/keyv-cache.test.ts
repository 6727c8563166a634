import { inspect } from "node:util";
import { sampleEntry } from "@assume-role-lib/cache-conformance";
import { parseCacheEntry } from "@assume-role-lib/core";
import {
  decodeEncryptionKey,
  EntryCipher,
  KeyvCache,
  RELEASE_SCRIPT,
  unreadableReason,
} from "@assume-role-lib/keyv-cache";
import KeyvRedis from "@keyv/redis";
import { Keyv } from "keyv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  OTHER_KEY,
  type RawRedis,
  rawRedis,
  TEST_KEY,
  testRedisUrl,
  uniqueNamespace,
} from "./helpers.js";
import { stopAllRedis } from "./redis-harness.js";

let url: string;
let raw: RawRedis;
const opened: KeyvCache[] = [];
const open = (options: Parameters<typeof KeyvCache.redis>[1] = {}) => {
  const cache = KeyvCache.redis(url, { namespace: uniqueNamespace("unit"), ...options });
  opened.push(cache);
  return cache;
};
const key = () => Math.random().toString(16).slice(2).padEnd(40, "0");

beforeAll(async () => {
  url = await testRedisUrl();
  raw = await rawRedis(url);
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await raw?.close();
  await stopAllRedis();
});

describe("entries and TTL", () => {
  it("stores the entry with a TTL that ends at its Expiration", async () => {
    const cache = open();
    const k = key();
    await cache.set(k, sampleEntry(600_000));
    const pttl = await raw.pTTL(cache.storeKey(k));
    expect(pttl).toBeGreaterThan(595_000);
    expect(pttl).toBeLessThanOrEqual(600_000);
  });

  it("does not store an expired entry, and never deletes what was there", async () => {
    const cache = open();
    const k = key();
    await cache.set(k, sampleEntry(-1000));
    expect(await raw.exists(cache.storeKey(k))).toBe(0);
    // A host whose clock runs 2 h ahead sees the fleet's valid entry as expired: its write
    // is skipped, and the entry stays for everyone else.
    const valid = sampleEntry(3_600_000);
    await cache.set(k, valid);
    const ahead = open({ namespace: cache.namespace, clock: () => Date.now() + 7_200_000 });
    await ahead.set(k, sampleEntry(3_500_000));
    expect(parseCacheEntry(await cache.get(k))?.Credentials.AccessKeyId).toBe(
      valid.Credentials.AccessKeyId,
    );
  });

  it("stores a failure record until its own Expiration", async () => {
    const cache = open();
    const k = `${key()}.refresh-failure`;
    const expiration = new Date(Date.now() + 60_000).toISOString();
    await cache.set(k, {
      RefreshFailure: {
        Code: "Throttling",
        Message: "Rate exceeded",
        Retryable: true,
        NextAttemptAt: expiration,
        Consecutive: 1,
        Expiration: expiration,
      },
    });
    const pttl = await raw.pTTL(cache.storeKey(k));
    expect(pttl).toBeGreaterThan(55_000);
    expect(pttl).toBeLessThanOrEqual(60_000);
  });

  it("follows an injected clock for the TTL", async () => {
    const cache = open({ clock: () => Date.now() + 500_000 });
    const k = key();
    await cache.set(k, sampleEntry(600_000));
    expect(await raw.pTTL(cache.storeKey(k))).toBeLessThanOrEqual(100_000);
  });

  it("namespaces keep apps apart in one Redis", async () => {
    const [a, b] = [
      open({ namespace: uniqueNamespace("a") }),
      open({ namespace: uniqueNamespace("b") }),
    ];
    const k = key();
    const entry = sampleEntry();
    await a.set(k, entry);
    expect(await b.get(k)).toBeUndefined();
    expect(parseCacheEntry(await a.get(k))?.Credentials.AccessKeyId).toBe(
      entry.Credentials.AccessKeyId,
    );
    expect(a.lockKey(k)).not.toBe(b.lockKey(k));
    expect(await raw.exists(a.storeKey(k))).toBe(1);
  });

  it("works over any Keyv: in-memory, and a Keyv the caller built on @keyv/redis", async () => {
    const memory = new KeyvCache(new Keyv());
    expect(memory.distributedLocks).toBe(false);
    const k = key();
    await memory.set(k, sampleEntry());
    expect(parseCacheEntry(await memory.get(k))).toBeDefined();

    const store = new KeyvRedis(url, { throwOnErrors: true });
    const custom = new KeyvCache(new Keyv(store, { throwOnErrors: true }), {
      namespace: uniqueNamespace("custom"),
    });
    try {
      expect(custom.distributedLocks).toBe(true);
      await custom.set(k, sampleEntry());
      expect(parseCacheEntry(await custom.get(k))).toBeDefined();
      const release = await custom.lock(k, { waitMs: 100, ttlMs: 5000 });
      expect(await raw.get(custom.lockKey(k))).toMatch(/^[0-9a-f]{32}:/);
      await release?.();
      expect(await raw.exists(custom.lockKey(k))).toBe(0);
    } finally {
      await custom.close();
    }
  });

  it("prints no secrets", () => {
    const cache = open({ encryptionKey: TEST_KEY });
    const text = inspect(cache) + inspect(new EntryCipher(TEST_KEY));
    expect(text).not.toContain(TEST_KEY);
    expect(text).toContain("encrypted: true");
  });
});

describe("distributed lock", () => {
  it("is SET NX PX with a 128-bit random token and the holder's pid", async () => {
    const cache = open();
    const k = key();
    const release = await cache.lock(k, { waitMs: 100, ttlMs: 4000 });
    const token = await raw.get(cache.lockKey(k));
    expect(token).toMatch(new RegExp(`^[0-9a-f]{32}:.+:${process.pid}$`));
    const pttl = await raw.pTTL(cache.lockKey(k));
    expect(pttl).toBeGreaterThan(3000);
    await release?.();
    expect(await raw.exists(cache.lockKey(k))).toBe(0);
  });

  it("renew extends the holder's own lease, and reports false once it is lost", async () => {
    const cache = open();
    const k = key();
    const release = await cache.lock(k, { waitMs: 100, ttlMs: 1000 });
    await raw.pExpire(cache.lockKey(k), 200); // as if most of the lease had passed
    expect(await release?.renew?.()).toBe(true);
    expect(await raw.pTTL(cache.lockKey(k))).toBeGreaterThan(800);
    await raw.set(cache.lockKey(k), "someone-else"); // taken over
    expect(await release?.renew?.()).toBe(false);
    expect(await raw.get(cache.lockKey(k))).toBe("someone-else");
    await release?.();
    expect(await release?.renew?.()).toBe(false); // released
  });

  it("a late release never deletes another holder's lock", async () => {
    const cache = open();
    const k = key();
    const release = await cache.lock(k, { waitMs: 100, ttlMs: 5000 });
    // Someone else's lease replaced ours (ours expired while we were paused).
    await raw.set(cache.lockKey(k), "someone-else");
    await release?.();
    expect(await raw.get(cache.lockKey(k))).toBe("someone-else");
    expect(await raw.eval(RELEASE_SCRIPT, { keys: [cache.lockKey(k)], arguments: ["x"] })).toBe(0);
  });

  // Counts every SET on the server: only meaningful on a server of our own.
  it.skipIf(process.env.REDIS_URL)(
    "queues a process's own contenders in memory, not polling Redis",
    async () => {
      const cache = open({ lockRetryMinMs: 1, lockRetryMaxMs: 2 });
      const k = key();
      const before = await setCalls(raw);
      let inside = 0;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const release = await cache.lock(k, { waitMs: 10_000, ttlMs: 5000 });
          expect(++inside).toBe(1);
          await new Promise((r) => setTimeout(r, 30));
          inside--;
          await release?.();
        }),
      );
      // One SET NX per holder; polling at 1-2 ms for ~300 ms would have sent hundreds.
      expect((await setCalls(raw)) - before).toBeLessThan(40);
    },
  );

  it("another process's lock makes it wait, then resolves undefined at waitMs", async () => {
    const cache = open();
    const k = key();
    await raw.set(cache.lockKey(k), "other-process", { PX: 10_000 });
    const started = Date.now();
    expect(await cache.lock(k, { waitMs: 250, ttlMs: 5000 })).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    // The in-process lock was given back: it can be taken once the other holder leaves.
    await raw.del(cache.lockKey(k));
    const release = await cache.lock(k, { waitMs: 250, ttlMs: 5000 });
    expect(release).toBeTypeOf("function");
    await release?.();
  });
});

async function setCalls(client: RawRedis): Promise<number> {
  const info = await client.info("commandstats");
  return Number(/cmdstat_set:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

describe("encryption at rest", () => {
  it("leaves no secret in clear anywhere in Redis", async () => {
    const namespace = uniqueNamespace("enc");
    const cache = open({ namespace, encryptionKey: TEST_KEY });
    const entries = Array.from({ length: 5 }, () => sampleEntry());
    await Promise.all(entries.map((e) => cache.set(key(), e)));
    const values: string[] = [];
    for await (const keys of raw.scanIterator({ MATCH: "*", COUNT: 1000 })) {
      for (const k of keys) {
        if ((await raw.type(k)) === "string") values.push(`${k}=${await raw.get(k)}`);
      }
    }
    const dump = values.join("\n");
    expect(dump).toContain(namespace);
    for (const e of entries) {
      expect(dump).not.toContain(e.Credentials.SecretAccessKey);
      expect(dump).not.toContain(e.Credentials.SessionToken);
    }
    const stored = values.find((v) => v.startsWith(namespace)) ?? "";
    expect(stored).toMatch(/"v":1.*"kid":"default".*"iv":.*"tag":.*"data":/);
  });

  it("round-trips; what it cannot authenticate is reported as tampered or undecryptable, not absent", async () => {
    const namespace = uniqueNamespace("enc");
    const cache = open({ namespace, encryptionKey: TEST_KEY });
    const k = key();
    const entry = sampleEntry();
    await cache.set(k, entry);
    expect(parseCacheEntry(await cache.get(k))?.Credentials.SecretAccessKey).toBe(
      entry.Credentials.SecretAccessKey,
    );
    const stored = (await raw.get(cache.storeKey(k))) as string;
    const why = async (c: KeyvCache, at: string) => {
      const value = await c.get(at);
      expect(parseCacheEntry(value)).toBeUndefined();
      return unreadableReason(value);
    };

    // Another key under the same key id: authentication fails.
    expect(await why(open({ namespace, encryptionKey: OTHER_KEY }), k)).toBe("tampered");
    // Moved to another cache key: the AAD does not match.
    const moved = key();
    await raw.set(cache.storeKey(moved), stored);
    expect(await why(cache, moved)).toBe("tampered");
    // Tampered ciphertext.
    const doc = JSON.parse(stored);
    const data = Buffer.from(doc.value.data, "base64");
    data[0] = (data[0] ?? 0) ^ 1;
    doc.value.data = data.toString("base64");
    await raw.set(cache.storeKey(k), JSON.stringify(doc));
    expect(await why(cache, k)).toBe("tampered");
    expect(await cache.has(k)).toBe(true);
    // Plaintext written by a cache without encryption (or by someone without the key).
    await open({ namespace }).set(k, entry);
    expect(await why(cache, k)).toBe("undecryptable");
    // An unknown key id.
    await cache.set(k, entry);
    const renamed = JSON.parse((await raw.get(cache.storeKey(k))) as string);
    renamed.value.kid = "nobody";
    await raw.set(cache.storeKey(k), JSON.stringify(renamed));
    expect(await why(cache, k)).toBe("undecryptable");
    // An encrypted entry read by a cache that has no key.
    await cache.set(k, entry);
    expect(await why(open({ namespace }), k)).toBe("undecryptable");
    // Absent stays absent.
    expect(await cache.get(key())).toBeUndefined();
  });

  it("rotates keys with a key ring", async () => {
    const namespace = uniqueNamespace("rot");
    const old = open({ namespace, encryptionKey: TEST_KEY });
    const ring = open({
      namespace,
      encryptionKey: { current: "2026-01", keys: { default: TEST_KEY, "2026-01": OTHER_KEY } },
    });
    const [k1, k2] = [key(), key()];
    await old.set(k1, sampleEntry());
    // New processes read what old ones wrote…
    expect(parseCacheEntry(await ring.get(k1))).toBeDefined();
    // …and write with the new key, which old processes cannot read (a miss, then STS).
    await ring.set(k2, sampleEntry());
    expect(JSON.parse((await raw.get(ring.storeKey(k2))) as string).value.kid).toBe("2026-01");
    expect(unreadableReason(await old.get(k2))).toBe("undecryptable");
  });

  it("accepts 32-byte keys as bytes, hex or base64, and nothing else", () => {
    const bytes = Buffer.alloc(32, 7);
    expect(decodeEncryptionKey(bytes)).toEqual(bytes);
    expect(decodeEncryptionKey(bytes.toString("hex"))).toEqual(bytes);
    expect(decodeEncryptionKey(bytes.toString("base64"))).toEqual(bytes);
    expect(decodeEncryptionKey(bytes.toString("base64url"))).toEqual(bytes);
    for (const bad of ["secret-password-that-is-32-chars", "ab".repeat(31), Buffer.alloc(16)]) {
      expect(() => decodeEncryptionKey(bad)).toThrow(/32 bytes/);
      try {
        decodeEncryptionKey(bad);
      } catch (e) {
        if (typeof bad === "string") expect((e as Error).message).not.toContain(bad);
      }
    }
    expect(() => new EntryCipher({ current: "x", keys: { y: TEST_KEY } })).toThrow(/current/);
  });
});
