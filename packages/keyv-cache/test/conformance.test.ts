import { runCacheConformance } from "@assume-role-lib/cache-conformance";
import { KeyvCache } from "@assume-role-lib/keyv-cache";
import { Keyv } from "keyv";
import { afterAll } from "vitest";
import {
  type RawRedis,
  rawRedis,
  rawValue,
  TEST_KEY,
  testRedisUrl,
  uniqueNamespace,
} from "./helpers.js";
import { stopAllRedis } from "./redis-harness.js";

let raw: Promise<RawRedis> | undefined;
afterAll(async () => {
  await (await raw)?.close();
  await stopAllRedis();
});

for (const encrypted of [false, true]) {
  const label = encrypted ? ", encrypted" : "";
  const encryption = encrypted ? { encryptionKey: TEST_KEY } : {};

  runCacheConformance(
    `KeyvCache on Redis${label}`,
    async () => {
      const url = await testRedisUrl();
      const cache = KeyvCache.redis(url, { namespace: uniqueNamespace("conf"), ...encryption });
      raw ??= rawRedis(url);
      const client = await raw;
      return {
        cache,
        writeRaw: async (key, value) => {
          await client.set(cache.storeKey(key), rawValue(value));
        },
        cleanup: () => cache.close(),
      };
    },
    { lock: true, expiresEntries: true },
  );

  runCacheConformance(
    `KeyvCache on in-memory Keyv${label}`,
    async () => {
      const keyv = new Keyv();
      const cache = new KeyvCache(keyv, encryption);
      // Keyv's Map store holds what Keyv serialized, under Keyv's own namespace prefix.
      const mapKey = (key: string) => `${keyv.namespace}:${cache.storeKey(key)}`;
      return {
        cache,
        writeRaw: async (key, value) => {
          (keyv.store as Map<string, unknown>).set(mapKey(key), value);
        },
        cleanup: () => cache.close(),
      };
    },
    { lock: true, expiresEntries: true },
  );
}
