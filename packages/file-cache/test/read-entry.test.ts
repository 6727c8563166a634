/**
 * What `get` does with things that are not an entry file at an entry path: a FIFO (whose
 * plain open would wait for a writer for ever), a symbolic link, an oversized file.
 * Each is refused at once (an UntrustedCacheFileError the core reports as a cache error and
 * treats as a miss: credentials come from STS), never a hang; the next write replaces it.
 */
import { execFileSync } from "node:child_process";
import { symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sampleEntry } from "@assume-role-lib/cache-conformance";
import { parseCacheEntry } from "@assume-role-lib/core";
import { JSONFileCache } from "@assume-role-lib/file-cache";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const KEY = "0123456789abcdef0123456789abcdef01234567";
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});
async function open() {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  const cache = new JSONFileCache(t.dir);
  return { dir: t.dir, cache, file: cache.pathFor(KEY) };
}

/** Settles `work` or fails the test after `ms` (a hang must not stall the suite). */
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, hang]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(process.platform === "win32")("entry paths that hold something else", () => {
  const refused = (code: string) =>
    expect.objectContaining({ name: "UntrustedCacheFileError", code });

  it("a FIFO is refused at once (no writer ever comes), and the next write replaces it", async () => {
    const { cache, file } = await open();
    execFileSync("mkfifo", [file]);
    await expect(within(2000, cache.get(KEY))).rejects.toEqual(
      refused("ERR_CACHE_ENTRY_NOT_REGULAR"),
    );
    expect(await cache.has(KEY)).toBe(false);
    const entry = sampleEntry();
    await within(2000, cache.set(KEY, entry));
    expect(parseCacheEntry(await cache.get(KEY))?.Credentials.AccessKeyId).toBe(
      entry.Credentials.AccessKeyId,
    );
  });

  it("a symbolic link is not followed, even to a valid entry", async () => {
    const { dir, cache, file } = await open();
    const elsewhere = join(dir, "elsewhere.json");
    await writeFile(elsewhere, JSON.stringify(sampleEntry()));
    await symlink(elsewhere, file);
    await expect(cache.get(KEY)).rejects.toEqual(refused("ERR_CACHE_ENTRY_NOT_REGULAR"));
    await symlink("/dev/zero", cache.pathFor("zero")); // a device behind a link
    await expect(within(2000, cache.get("zero"))).rejects.toEqual(
      refused("ERR_CACHE_ENTRY_NOT_REGULAR"),
    );
  });

  it("a file bigger than any entry (64 KB) is refused, not read into memory", async () => {
    const { cache, file } = await open();
    await writeFile(file, `{"pad":"${"x".repeat(70_000)}"}`);
    await expect(cache.get(KEY)).rejects.toEqual(refused("ERR_CACHE_ENTRY_TOO_LARGE"));
    const entry = JSON.stringify(sampleEntry());
    await writeFile(file, entry);
    expect(await cache.get(KEY)).toBe(entry);
  });
});
