/**
 * Fuzzing KeyvCache (over an in-memory Keyv) with what another writer of the store could
 * put there, and with any namespace and key a caller could choose.
 */
import { sampleEntry } from "@assume-role-lib/cache-conformance";
import { parseCacheEntry } from "@assume-role-lib/core";
import { KeyvCache, unreadableReason } from "@assume-role-lib/keyv-cache";
import fc from "fast-check";
import { Keyv } from "keyv";
import { describe, expect, it } from "vitest";
import { TEST_KEY } from "./helpers.js";

const KEY = "fedcba9876543210fedcba9876543210fedcba98";

/** A cache over a fresh in-memory Keyv, and a way to store raw values behind its back. */
function subject(encrypted: boolean) {
  const keyv = new Keyv();
  const cache = new KeyvCache(keyv, encrypted ? { encryptionKey: TEST_KEY } : {});
  const map = keyv.store as Map<string, unknown>;
  const rawKey = `${keyv.namespace}:${cache.storeKey(KEY)}`;
  return { cache, map, rawKey };
}

/** What a writer of the store could leave: Keyv's own framing around anything, or not. */
const storedValues = fc.oneof(
  fc.string(),
  fc.jsonValue().map((value) => JSON.stringify({ value, expires: null })),
  fc.jsonValue(),
  fc.constant(JSON.stringify({ value: sampleEntry(), expires: null })),
  fc
    .record({ v: fc.constantFrom(1, 2), alg: fc.constantFrom("A256GCM", "none"), kid: fc.string() })
    .chain((head) =>
      fc
        .record({ iv: fc.base64String(), tag: fc.base64String(), data: fc.base64String() })
        .map((body) => JSON.stringify({ value: { ...head, ...body }, expires: null })),
    ),
);

describe("KeyvCache properties", () => {
  it("whatever another writer stored: get never throws; with encryption, nothing it planted is an entry", async () => {
    for (const encrypted of [false, true]) {
      const { cache, map, rawKey } = subject(encrypted);
      await fc.assert(
        fc.asyncProperty(storedValues, async (stored) => {
          map.set(rawKey, stored);
          const read = await cache.get(KEY);
          if (encrypted) {
            expect(parseCacheEntry(read)).toBeUndefined();
            expect(["tampered", "undecryptable", undefined]).toContain(unreadableReason(read));
          }
        }),
        { numRuns: 300 },
      );
    }
  });

  it("any change to a sealed entry is tampered or undecryptable, never an entry", async () => {
    const { cache, map, rawKey } = subject(true);
    const entry = sampleEntry();
    await cache.set(KEY, entry);
    const sealed = JSON.parse(map.get(rawKey) as string) as {
      value: Record<string, unknown>;
      expires: number;
    };
    const fields = ["v", "alg", "kid", "iv", "tag", "data"] as const;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fields),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (field, at, flip) => {
          const value = { ...sealed.value };
          const text = String(value[field]);
          if (field === "iv" || field === "tag" || field === "data") {
            const bytes = Buffer.from(text, "base64");
            const i = at % bytes.length;
            bytes[i] = (bytes[i] ?? 0) ^ flip;
            value[field] = bytes.toString("base64");
          } else {
            value[field] =
              field === "v" ? 1 + flip : `${text}${String.fromCharCode(33 + (flip % 90))}`;
          }
          map.set(rawKey, JSON.stringify({ ...sealed, value }));
          const read = await cache.get(KEY);
          expect(parseCacheEntry(read)).toBeUndefined();
          expect(["tampered", "undecryptable"]).toContain(unreadableReason(read));
        },
      ),
      { numRuns: 300 },
    );
    // The untouched envelope still opens.
    map.set(rawKey, JSON.stringify(sealed));
    expect(parseCacheEntry(await cache.get(KEY))?.Credentials.AccessKeyId).toBe(
      entry.Credentials.AccessKeyId,
    );
  });

  it("no namespace and key can produce another's entry or lock key", () => {
    const keyv = new Keyv();
    const made = new Map<string, KeyvCache | undefined>();
    const cacheFor = (namespace: string) => {
      if (!made.has(namespace)) {
        try {
          made.set(namespace, new KeyvCache(keyv, { namespace }));
        } catch (error) {
          expect(error).toMatchObject({ name: "AssumeRoleValidationError" });
          made.set(namespace, undefined);
        }
      }
      return made.get(namespace);
    };
    /** The key in the store of an entry and of a lock, or undefined when refused. */
    const keysOf = (namespace: string, key: string) => {
      const cache = cacheFor(namespace);
      if (!cache) return undefined;
      try {
        return { entry: `${keyv.namespace}:${cache.storeKey(key)}`, lock: cache.lockKey(key) };
      } catch (error) {
        expect(error).toMatchObject({ name: "InvalidCacheKeyError" });
        return undefined;
      }
    };
    const names = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^[a-z:]{1,8}$/),
      fc.constantFrom("billing", "billing:lock", "lock", "assume-role-lib"),
    );
    const keys = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^[a-z0-9:]{1,8}$/),
      fc.constantFrom("lock", "lock:abc", "abc"),
    );
    fc.assert(
      fc.property(names, keys, names, keys, (ns1, k1, ns2, k2) => {
        const a = keysOf(ns1, k1);
        const b = keysOf(ns2, k2);
        if (!a || !b) return;
        expect(a.entry).not.toBe(b.lock);
        const same = ns1 === ns2 && k1 === k2;
        expect(a.entry === b.entry).toBe(same);
        expect(a.lock === b.lock).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });
});
