import { execFileSync } from "node:child_process";
import {
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  stat,
  symlink,
  utimes,
  writeFile,
} from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { sampleEntry } from "@assume-role-lib/cache-conformance";
import { parseCacheEntry, type ReleaseLock } from "@assume-role-lib/core";
import {
  AWS_CLI_CACHE_DIR,
  InvalidCacheKeyError,
  JSONFileCache,
} from "@assume-role-lib/file-cache";
import { afterEach, describe, expect, it } from "vitest";
import { isReleased, leftovers, tempDir, waitFor } from "./helpers.js";

const KEY = "0123456789abcdef0123456789abcdef01234567";
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});
async function open(sub = "") {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return { root: t.dir, dir: join(t.dir, sub), cache: new JSONFileCache(join(t.dir, sub)) };
}

describe("paths and modes", () => {
  it("expands ~ and exports the AWS CLI cache directory", () => {
    expect(new JSONFileCache("~/creds").dir).toBe(join(homedir(), "creds"));
    expect(new JSONFileCache("~").dir).toBe(homedir());
    expect(new JSONFileCache(AWS_CLI_CACHE_DIR).dir).toBe(join(homedir(), ".aws", "cli", "cache"));
    expect(new JSONFileCache("relative/dir").dir).toBe(join(process.cwd(), "relative", "dir"));
  });

  it("creates the directory lazily on first write, 0700, and entries 0600", async () => {
    const { dir, cache } = await open("a/b/cache");
    expect(await cache.get(KEY)).toBeUndefined();
    await expect(stat(dir)).rejects.toMatchObject({ code: "ENOENT" });
    await cache.set(KEY, sampleEntry());
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(join(dir, `${KEY}.json`))).mode & 0o777).toBe(0o600);
  });

  it("creates the directory race-free when many writers start at once", async () => {
    const { dir } = await open("fresh");
    // Separate instances: nothing shared in memory, only the file system.
    await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        new JSONFileCache(dir).set(
          `${KEY.slice(0, 38)}${i.toString(16).padStart(2, "0")}`,
          sampleEntry(),
        ),
      ),
    );
    expect((await readdir(dir)).length).toBe(16);
  });

  it("keeps the mode of a directory the user created", async () => {
    const { dir, cache } = await open("mine");
    await mkdir(dir, { mode: 0o750 });
    await cache.set(KEY, sampleEntry());
    expect((await stat(dir)).mode & 0o777).toBe(0o750);
  });

  it.each(["../escape", "a/b", "a\\b", "..", ".", "", ".hidden", "x".repeat(201), "nul\u0000byte"])(
    "rejects the unsafe key %j with a clear error and writes nothing",
    async (key) => {
      const { root, cache } = await open("c");
      for (const op of [
        () => cache.get(key),
        () => cache.set(key, sampleEntry()),
        () => cache.has(key),
        () => cache.delete(key),
        () => cache.lock(key, { waitMs: 100, ttlMs: 2000 }),
      ]) {
        await expect(op()).rejects.toThrow(InvalidCacheKeyError);
      }
      expect(await readdir(root)).toEqual([]);
    },
  );
});

describe("entry files", () => {
  it("writes botocore's document: same field names, Expiration ISO-8601 with Z, plain JSON", async () => {
    const { dir, cache } = await open();
    const entry = sampleEntry();
    await cache.set(KEY, {
      ...entry,
      Credentials: { ...entry.Credentials, Expiration: new Date("2030-01-02T03:04:05Z") as never },
    });
    const doc = JSON.parse(await readFile(join(dir, `${KEY}.json`), "utf8"));
    expect(Object.keys(doc.Credentials).sort()).toEqual([
      "AccessKeyId",
      "Expiration",
      "SecretAccessKey",
      "SessionToken",
    ]);
    expect(doc.Credentials.Expiration).toBe("2030-01-02T03:04:05Z");
    expect(doc.AssumedRoleUser.Arn).toBe(entry.AssumedRoleUser?.Arn);
  });

  it.each([
    ["UTC suffix (botocore's JSONFileCache)", "2031-11-28T07:26:24UTC"],
    ["+00:00 (Python isoformat)", "2031-11-28T07:26:24+00:00"],
    ["fractional Z", "2031-11-28T07:26:24.123Z"],
  ])("reads a file botocore wrote: %s, with extra fields", async (_n, expiration) => {
    const { dir, cache } = await open();
    await mkdir(dir, { recursive: true });
    const doc = {
      Credentials: {
        AccessKeyId: "ASIAX",
        SecretAccessKey: "s",
        SessionToken: "t",
        Expiration: expiration,
      },
      AssumedRoleUser: {
        AssumedRoleId: "AROA:x",
        Arn: "arn:aws:sts::123456789012:assumed-role/R/x",
      },
      ResponseMetadata: { RequestId: "r", HTTPStatusCode: 200, RetryAttempts: 0 },
    };
    await writeFile(join(dir, `${KEY}.json`), JSON.stringify(doc));
    const parsed = parseCacheEntry(await cache.get(KEY));
    expect(parsed?.Credentials.Expiration.toISOString().slice(0, 19)).toBe("2031-11-28T07:26:24");
  });

  it("reads an entry with a byte order mark", async () => {
    const { dir, cache } = await open();
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `${KEY}.json`), `\ufeff${JSON.stringify(sampleEntry())}`);
    expect(parseCacheEntry(await cache.get(KEY))).toBeDefined();
  });

  it("a directory in place of the entry is refused; the failed write leaves no temp file", async () => {
    const { dir, cache } = await open();
    await mkdir(join(dir, `${KEY}.json`, "inside"), { recursive: true });
    await expect(cache.get(KEY)).rejects.toMatchObject({ code: "ERR_CACHE_ENTRY_NOT_REGULAR" });
    // rename() onto a non-empty directory fails after the temp file was written and fsynced.
    await expect(cache.set(KEY, sampleEntry())).rejects.toMatchObject({ code: expect.any(String) });
    expect(await leftovers(dir)).toEqual([]);
  });

  it("recreates the directory when it was deleted after the first write", async () => {
    const { dir, cache } = await open("gone");
    await cache.set(KEY, sampleEntry());
    await import("node:fs/promises").then((fs) => fs.rm(dir, { recursive: true }));
    expect(await cache.get(KEY)).toBeUndefined();
    await cache.set(KEY, sampleEntry());
    expect(parseCacheEntry(await cache.get(KEY))).toBeDefined();
  });

  it("rejects every operation when the directory is a regular file (ENOTDIR: unusable backend)", async () => {
    const { root } = await open();
    const file = join(root, "not-a-dir");
    await writeFile(file, "x");
    const cache = new JSONFileCache(join(file, "cache"));
    await expect(cache.get(KEY)).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(cache.set(KEY, sampleEntry())).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(cache.has(KEY)).rejects.toMatchObject({ code: "ENOTDIR" });
    await expect(cache.lock(KEY, { waitMs: 100, ttlMs: 2000 })).rejects.toMatchObject({
      code: "ENOTDIR",
    });
  });

  // Debian's python3-botocore, which .ci/run installs: under CI this test must run.
  const PYTHON = "/usr/bin/python3";
  const botocore = (() => {
    try {
      execFileSync(PYTHON, ["-c", "import botocore"], { stdio: "ignore" });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!botocore && !process.env.CI)(
    "botocore's own JSONFileCache and AssumeRoleCredentialFetcher use our entry, and we use theirs",
    async () => {
      const { dir, cache } = await open();
      const { cacheKey } = await import("@assume-role-lib/core");
      const roleArn = "arn:aws:iam::123456789012:role/Demo";
      // The key of `aws sts`-profile credentials with a generated session name: only RoleArn.
      const key = cacheKey({ RoleArn: roleArn }, { generatedSessionName: true });
      const entry = sampleEntry(3_600_000);
      await cache.set(key, entry);
      const script = `
import sys, json, datetime
from botocore.utils import JSONFileCache
from botocore.credentials import AssumeRoleCredentialFetcher
def no_client(*a, **k): raise Exception("botocore called STS instead of using the cache")
class Src:
    access_key = "AKIA"; secret_key = "s"; token = None
    def get_frozen_credentials(self): return self
cache = JSONFileCache(sys.argv[1])
fetcher = AssumeRoleCredentialFetcher(no_client, Src(), sys.argv[2], cache=cache)
creds = fetcher.fetch_credentials()
cache["python-wrote"] = {"Credentials": {"AccessKeyId": "ASIAPY", "SecretAccessKey": "s", "SessionToken": "t",
    "Expiration": datetime.datetime(2031, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)}}
print(json.dumps({"key": fetcher._cache_key, "access_key": creds["access_key"]}))
`;
      const out = JSON.parse(
        execFileSync(PYTHON, ["-c", script, dir, roleArn], { encoding: "utf8" }),
      );
      expect(out).toEqual({ key, access_key: entry.Credentials.AccessKeyId });
      const theirs = parseCacheEntry(await cache.get("python-wrote"));
      expect(theirs?.Credentials.Expiration.toISOString()).toBe("2031-01-02T03:04:05.000Z");
    },
  );
});

describe("lock", () => {
  const lockDirOf = (dir: string) => join(dir, `${KEY}.json.lock`);

  it("leaves no held lock after release (one 'released' file), and release is idempotent", async () => {
    const { dir, cache } = await open("l");
    const release = await cache.lock(KEY, { waitMs: 1000, ttlMs: 10_000 });
    expect(await readdir(dir)).toEqual([`${KEY}.json.lock`]);
    expect(await isReleased(lockDirOf(dir))).toBe(false);
    await release?.();
    await release?.();
    expect(await leftovers(dir)).toEqual([]);
    expect((await readdir(lockDirOf(dir))).sort()).toEqual(["1", "2"]);
    // Many cycles later the directory still holds at most the last two generations.
    for (let i = 0; i < 5; i++) await (await cache.lock(KEY, { waitMs: 1000, ttlMs: 10_000 }))?.();
    const left = await readdir(lockDirOf(dir));
    expect(left.length).toBeLessThanOrEqual(2);
    expect(left).toContain("12");
  });

  it("waits at most waitMs for a lock held by another cache (another process's view)", async () => {
    const { dir, cache } = await open();
    const other = new JSONFileCache(dir);
    const held = await other.lock(KEY, { waitMs: 1000, ttlMs: 10_000 });
    const started = Date.now();
    expect(await cache.lock(KEY, { waitMs: 500, ttlMs: 10_000 })).toBeUndefined();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(2000);
    await held?.();
    const next = await cache.lock(KEY, { waitMs: 2000, ttlMs: 10_000 });
    expect(next).toBeTypeOf("function");
    await next?.();
  });

  it.each([
    ["a holder's file", JSON.stringify({ pid: 1, host: "gone" })],
    ["an empty file (died between create and write)", ""],
  ])("breaks a stale lock left by a dead holder: %s", async (_, content) => {
    const { dir, cache } = await open();
    await mkdir(lockDirOf(dir));
    await writeFile(join(lockDirOf(dir), "5"), content);
    // Fresh: held, so a short wait times out.
    expect(await cache.lock(KEY, { waitMs: 100, ttlMs: 5000 })).toBeUndefined();
    const old = new Date(Date.now() - 60_000);
    await utimes(join(lockDirOf(dir), "5"), old, old);
    const release = await cache.lock(KEY, { waitMs: 1000, ttlMs: 5000 });
    expect(release).toBeTypeOf("function");
    expect((await readdir(lockDirOf(dir))).sort()).toEqual(["5", "6"]);
    await release?.();
    expect(await leftovers(dir)).toEqual([]);
  });

  it("reads a top generation of the released marker's size: only the marker itself frees the lock", async () => {
    // A live holder is answered by an lstat; a file of the marker's length is opened and read.
    const { dir, cache } = await open();
    await mkdir(lockDirOf(dir));
    const top = join(lockDirOf(dir), "7");
    await writeFile(top, '{"released":fals}'); // as long as the marker, but not it
    expect(await cache.lock(KEY, { waitMs: 0, ttlMs: 5000 })).toBeUndefined();
    await writeFile(top, '{"released":true}');
    const release = await cache.lock(KEY, { waitMs: 0, ttlMs: 5000 });
    expect(release).toBeTypeOf("function");
    await release?.();
  });

  it("refuses a symbolic link as the top generation, and never touches its target", async () => {
    const { dir, cache } = await open();
    await mkdir(lockDirOf(dir));
    const elsewhere = await mkdtemp(join(tmpdir(), "lock-target-"));
    const target = join(elsewhere, "released");
    await writeFile(target, '{"released":true}');
    await symlink(target, join(lockDirOf(dir), "4"));
    await expect(cache.lock(KEY, { waitMs: 0, ttlMs: 5000 })).rejects.toMatchObject({
      name: "UnusableLockError",
    });
    expect(await readdir(elsewhere)).toEqual(["released"]);
    expect(await readdir(lockDirOf(dir))).toEqual(["4"]);
  });

  it("takes over an empty lock directory left by an older version (proper-lockfile)", async () => {
    const { dir, cache } = await open();
    await mkdir(lockDirOf(dir));
    const release = await cache.lock(KEY, { waitMs: 100, ttlMs: 5000 });
    expect(release).toBeTypeOf("function");
    await release?.();
  });

  it("8 caches racing for one stale lock: exactly one gets it", async () => {
    const { dir } = await open();
    await mkdir(lockDirOf(dir));
    await writeFile(join(lockDirOf(dir), "3"), "{}");
    const old = new Date(Date.now() - 60_000);
    await utimes(join(lockDirOf(dir), "3"), old, old);
    const caches = Array.from({ length: 8 }, () => new JSONFileCache(dir));
    const got = await Promise.all(caches.map((c) => c.lock(KEY, { waitMs: 300, ttlMs: 5000 })));
    expect(got.filter(Boolean)).toHaveLength(1);
    await Promise.all(got.map((release) => release?.()));
  });

  it("renew() keeps a live holder's lock past its lease; false once another process broke it", async () => {
    const { dir, cache } = await open();
    const release = (await cache.lock(KEY, { waitMs: 100, ttlMs: 300 })) as
      | (ReleaseLock & { renew?: () => Promise<boolean> })
      | undefined;
    expect(release?.renew).toBeTypeOf("function");
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, 200));
      expect(await release?.renew?.()).toBe(true);
    }
    // 800 ms after taking a 300 ms lease, it is still held.
    expect(await isReleased(lockDirOf(dir))).toBe(false);
    const top = Math.max(...(await readdir(lockDirOf(dir))).map(Number));
    await writeFile(join(lockDirOf(dir), String(top + 1)), "{}", { flag: "wx" });
    expect(await release?.renew?.()).toBe(false);
    await release?.();
  });

  it("refuses a symbolic link in place of the lock directory", async () => {
    const { dir, cache } = await open();
    const elsewhere = await mkdtemp(join(tmpdir(), "lock-target-"));
    await symlink(elsewhere, lockDirOf(dir));
    await expect(cache.lock(KEY, { waitMs: 100, ttlMs: 5000 })).rejects.toMatchObject({
      name: "UnusableLockError",
    });
    expect(await readdir(elsewhere)).toEqual([]);
  });

  it("reports a lock broken by another process, and its release leaves the new holder's lock alone", async () => {
    const { dir } = await open();
    const compromised: string[] = [];
    const cache = new JSONFileCache(dir, { onLockCompromised: (key) => compromised.push(key) });
    const release = await cache.lock(KEY, { waitMs: 1000, ttlMs: 2000 });
    // Another process judged us stale and took generation 2 (as a breaker does).
    await writeFile(join(lockDirOf(dir), "2"), JSON.stringify({ pid: 2, host: "other" }), {
      flag: "wx",
    });
    await waitFor(() => compromised.length > 0, { timeoutMs: 5000 });
    expect(compromised).toEqual([KEY]);
    await release?.();
    expect(await isReleased(lockDirOf(dir))).toBe(false);
    expect(await new JSONFileCache(dir).lock(KEY, { waitMs: 100, ttlMs: 5000 })).toBeUndefined();
  });
});
