/**
 * Properties: whatever bytes are in an entry file, reading it is a miss or a valid entry,
 * never a throw; whatever a key is, it names a file inside the directory or is refused.
 */
import { readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sampleEntry } from "@assume-role-lib/cache-conformance";
import { parseCacheEntry } from "@assume-role-lib/core";
import { InvalidCacheKeyError, JSONFileCache } from "@assume-role-lib/file-cache";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const KEY = "fedcba9876543210fedcba9876543210fedcba98";
let dir: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => {
  await dir.cleanup();
});

/** Bytes that are often almost an entry: a valid document, cut, spliced or mutated. */
const nearlyEntries = fc
  .tuple(fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 8 }))
  .map(([cut, at, insert]) => {
    const text = Buffer.from(JSON.stringify(sampleEntry()));
    const end = cut % (text.length + 1);
    const pos = at % (end + 1);
    return Buffer.concat([text.subarray(0, pos), Buffer.from(insert), text.subarray(pos, end)]);
  });

const anyJson = fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? ""));

describe("JSONFileCache property", () => {
  it("any bytes in the entry file read as a miss or a valid entry, never a throw", async () => {
    const cache = new JSONFileCache(dir.dir);
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.uint8Array({ maxLength: 512 }), nearlyEntries, anyJson),
        async (bytes) => {
          await writeFile(cache.pathFor(KEY), bytes);
          const parsed = parseCacheEntry(await cache.get(KEY));
          if (parsed) {
            expect(typeof parsed.Credentials.AccessKeyId).toBe("string");
            expect(Number.isFinite(parsed.Credentials.Expiration.getTime())).toBe(true);
          }
          // And the next write always replaces it.
          const entry = sampleEntry();
          await cache.set(KEY, entry);
          expect(parseCacheEntry(await cache.get(KEY))?.Credentials.AccessKeyId).toBe(
            entry.Credentials.AccessKeyId,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it("any key names a file inside the directory, or every method refuses it", async () => {
    const root = join(dir.dir, "names");
    const cache = new JSONFileCache(join(root, "cache"));
    const keys = fc.oneof(
      fc.string({ maxLength: 220 }),
      fc.string({ unit: "binary", maxLength: 40 }),
      fc.constantFrom("..", ".", "../x", "a/../../b", "/etc/passwd", "~", "x\0y", "CON"),
      fc.stringMatching(/^[A-Za-z0-9._/-]{1,60}$/),
    );
    await fc.assert(
      fc.asyncProperty(keys, async (key) => {
        await rm(root, { recursive: true, force: true });
        let refused = 0;
        for (const op of [
          () => cache.set(key, sampleEntry()),
          () => cache.get(key),
          () => cache.has(key),
          () => cache.delete(key),
        ]) {
          try {
            await op();
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidCacheKeyError);
            refused++;
          }
        }
        expect([0, 4]).toContain(refused);
        // Nothing was ever created outside the cache directory.
        const outside = (await readdir(root).catch(() => [])).filter((n) => n !== "cache");
        expect(outside).toEqual([]);
        if (refused === 0) expect(cache.pathFor(key)).toBe(join(root, "cache", `${key}.json`));
      }),
      { numRuns: 300 },
    );
  });
});
