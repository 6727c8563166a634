/** Property: whatever bytes are in an entry file, reading it is a miss or a valid entry, never a throw. */
import { writeFile } from "node:fs/promises";
import { sampleEntry } from "@assume-role-lib/cache-conformance";
import { parseCacheEntry } from "@assume-role-lib/core";
import { JSONFileCache } from "@assume-role-lib/file-cache";
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
});
