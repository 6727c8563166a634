/**
 * JSONFileCache.waitForChange when its directory cannot be watched. A directory that does
 * not exist yet is waited on by time out (resolving, never rejecting) and watched once a
 * write has made it; a path that can never be watched rejects at once, so that the core
 * polls on its short timer instead. Real directories, real fs.watch.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { freshKey, sampleEntry } from "@assume-role-lib/cache-conformance";
import { JSONFileCache } from "@assume-role-lib/file-cache";
import { afterEach, describe, expect, it } from "vitest";
import { tempDir } from "./helpers.js";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

async function scratch(): Promise<string> {
  const t = await tempDir("file-cache-watch-");
  cleanups.push(t.cleanup);
  return t.dir;
}

/** How long `cache.waitForChange(key, timeoutMs)` took to resolve; rejects if it does. */
async function timedWait(cache: JSONFileCache, key: string, timeoutMs: number): Promise<number> {
  const started = performance.now();
  await cache.waitForChange(key, timeoutMs);
  return performance.now() - started;
}

describe("waitForChange without a watch", () => {
  it("a directory that does not exist yet: resolves at its timeout, twice", async () => {
    const cache = new JSONFileCache(join(await scratch(), "not-made-yet"));
    const key = freshKey();
    expect(await timedWait(cache, key, 300)).toBeGreaterThanOrEqual(150);
    // The failed watch left nothing behind that breaks the next wait.
    expect(await timedWait(cache, key, 300)).toBeGreaterThanOrEqual(150);
  });

  it("once a write has made the directory, the next wait is woken by a change", async () => {
    const dir = join(await scratch(), "made-by-the-first-write");
    const cache = new JSONFileCache(dir);
    const key = freshKey();
    expect(await timedWait(cache, key, 200)).toBeGreaterThanOrEqual(100);
    const writer = new JSONFileCache(dir);
    await writer.set(freshKey(), sampleEntry()); // makes the directory
    const started = performance.now();
    const waited = cache.waitForChange(key, 10_000).then(() => performance.now() - started);
    await writer.set(key, sampleEntry());
    expect(await waited).toBeLessThan(2000);
  });

  it("a path under a regular file (ENOTDIR): rejects at once, every time (the core then polls)", async () => {
    const file = join(await scratch(), "a-file");
    await writeFile(file, "");
    const cache = new JSONFileCache(join(file, "cache"));
    const key = freshKey();
    for (let i = 0; i < 2; i++) {
      const started = performance.now();
      await expect(cache.waitForChange(key, 5000)).rejects.toThrow(/cannot watch .*ENOTDIR/);
      expect(performance.now() - started).toBeLessThan(1000);
    }
  });

  it("concurrent waits on a directory not made yet all resolve at their own timeouts", async () => {
    const cache = new JSONFileCache(join(await scratch(), "absent"));
    const [short, long] = await Promise.all([
      timedWait(cache, freshKey(), 150),
      timedWait(cache, freshKey(), 450),
    ]);
    expect(short).toBeGreaterThanOrEqual(75);
    expect(long).toBeGreaterThanOrEqual(225);
    expect(long).toBeGreaterThan(short);
  });
});
