/**
 * What JSONFileCache trusts, as one user (the hostile-users suite has the real second user):
 * modes, links, FIFOs, devices, sizes, and files whose owner root changed with chown.
 */
import { execFileSync } from "node:child_process";
import {
  chmod,
  chown,
  mkdir,
  readdir,
  readFile,
  rename,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { sampleEntry } from "@assume-role-lib/cache-conformance";
import { parseCacheEntry } from "@assume-role-lib/core";
import { JSONFileCache } from "@assume-role-lib/file-cache";
import { afterEach, describe, expect, it, vi } from "vitest";
import { tempDir } from "./helpers.js";

const KEY = "0123456789abcdef0123456789abcdef01234567";
const isRoot = process.geteuid?.() === 0;
const OTHER_UID = 4242; // no such user needed: root can give a file any owner
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function fresh(sub = "cache") {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  const dir = join(t.dir, sub);
  return { root: t.dir, dir, cache: new JSONFileCache(dir) };
}

/** Every method, each expected to reject with `code`. */
async function expectAllRefused(cache: JSONFileCache, code: string) {
  await expect(cache.get(KEY)).rejects.toMatchObject({ name: "UntrustedCacheFileError", code });
  await expect(cache.set(KEY, sampleEntry())).rejects.toMatchObject({ code });
  await expect(cache.has(KEY)).rejects.toMatchObject({ code });
  await expect(cache.delete(KEY)).rejects.toMatchObject({ code });
  await expect(cache.lock(KEY, { waitMs: 100, ttlMs: 2000 })).rejects.toMatchObject({ code });
}

describe("directories others can write are refused, never silently used", () => {
  it.each([
    ["world-writable", 0o777],
    ["group-writable", 0o770],
    ["world-writable with the sticky bit (like /tmp)", 0o1777],
  ])("%s: every method rejects, nothing is written, the mode stays as it was", async (_, mode) => {
    const { dir, cache } = await fresh();
    await mkdir(dir);
    await chmod(dir, mode);
    await expectAllRefused(cache, "ERR_CACHE_DIR_UNTRUSTED");
    expect(await readdir(dir)).toEqual([]);
    expect((await stat(dir)).mode & 0o7777).toBe(mode);
    await expect(cache.get(KEY)).rejects.toThrow(/writable by others .*chmod go-w/);
  });

  it("a directory above the cache that others can write (no sticky bit) is refused too", async () => {
    const { root, dir, cache } = await fresh("shared/cache");
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(join(root, "shared"), 0o777);
    await expectAllRefused(cache, "ERR_CACHE_DIR_UNTRUSTED");
    await expect(cache.get(KEY)).rejects.toMatchObject({ path: join(root, "shared") });
  });

  it("a sticky world-writable directory above it (like /tmp) is fine", async () => {
    const { root, dir, cache } = await fresh("tmp-like/cache");
    await mkdir(join(root, "tmp-like"));
    await chmod(join(root, "tmp-like"), 0o1777);
    await cache.set(KEY, sampleEntry());
    expect(parseCacheEntry(await cache.get(KEY))).toBeDefined();
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it("a link to a trusted directory works; a link to an untrusted one is refused", async () => {
    const { root } = await fresh();
    await mkdir(join(root, "real"), { mode: 0o700 });
    await symlink(join(root, "real"), join(root, "link"));
    const viaLink = new JSONFileCache(join(root, "link"));
    await viaLink.set(KEY, sampleEntry());
    expect(await readdir(join(root, "real"))).toEqual([`${KEY}.json`]);
    await chmod(join(root, "real"), 0o777);
    await expect(viaLink.get(KEY)).rejects.toMatchObject({ code: "ERR_CACHE_DIR_UNTRUSTED" });
  });

  it.skipIf(!isRoot)("(root) a directory owned by another user is refused", async () => {
    const { dir, cache } = await fresh();
    await mkdir(dir, { mode: 0o700 });
    await chown(dir, OTHER_UID, OTHER_UID);
    await expectAllRefused(cache, "ERR_CACHE_DIR_UNTRUSTED");
    await expect(cache.get(KEY)).rejects.toThrow(/owned by uid 4242/);
  });

  it.skipIf(!isRoot)("(root) a lock directory owned by another user is refused", async () => {
    const { dir, cache } = await fresh();
    await mkdir(join(dir, `${KEY}.json.lock`), { recursive: true, mode: 0o700 });
    await chown(join(dir, `${KEY}.json.lock`), OTHER_UID, OTHER_UID);
    await expect(cache.lock(KEY, { waitMs: 100, ttlMs: 2000 })).rejects.toMatchObject({
      code: "ERR_CACHE_DIR_UNTRUSTED",
    });
  });
});

describe("a directory verified a moment ago (waiters check it several times a round)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("made writable by others after use, is refused at the next call", async () => {
    const { dir, cache } = await fresh();
    await cache.set(KEY, sampleEntry());
    await chmod(dir, 0o777);
    await expectAllRefused(cache, "ERR_CACHE_DIR_UNTRUSTED");
  });

  it("replaced by another directory after use, is checked again (and refused if untrusted)", async () => {
    const { root, dir, cache } = await fresh();
    await cache.set(KEY, sampleEntry());
    await rename(dir, join(root, "old"));
    await mkdir(dir, { mode: 0o700 });
    await chmod(dir, 0o777);
    await expect(cache.get(KEY)).rejects.toMatchObject({ code: "ERR_CACHE_DIR_UNTRUSTED" });
  });

  it("with a directory above it made writable by others, is refused within a second", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    const { root, cache } = await fresh("shared/cache");
    await cache.set(KEY, sampleEntry());
    await chmod(join(root, "shared"), 0o777);
    // Only this user or root could have made that change: the verdict of a moment ago holds.
    expect(parseCacheEntry(await cache.get(KEY))).toBeDefined();
    vi.advanceTimersByTime(1000);
    await expect(cache.get(KEY)).rejects.toMatchObject({
      code: "ERR_CACHE_DIR_UNTRUSTED",
      path: join(root, "shared"),
    });
  });
});

describe("entries: only trusted regular files of bounded size are read", () => {
  it("a symbolic link at the entry path is refused, not followed; the next write replaces the link", async () => {
    const { root, dir, cache } = await fresh();
    await mkdir(dir, { mode: 0o700 });
    const target = join(root, "elsewhere.json");
    const planted = JSON.stringify(sampleEntry());
    await writeFile(target, planted);
    await symlink(target, join(dir, `${KEY}.json`));
    await expect(cache.get(KEY)).rejects.toMatchObject({
      code: "ERR_CACHE_ENTRY_NOT_REGULAR",
      message: expect.stringMatching(/symbolic link/),
    });
    expect(await cache.has(KEY)).toBe(false);
    const entry = sampleEntry();
    await cache.set(KEY, entry);
    expect(await readFile(target, "utf8")).toBe(planted);
    expect(parseCacheEntry(await cache.get(KEY))?.Credentials.AccessKeyId).toBe(
      entry.Credentials.AccessKeyId,
    );
  });

  it("a FIFO at the entry path is refused at once, never a hang", async () => {
    const { dir, cache } = await fresh();
    await mkdir(dir, { mode: 0o700 });
    execFileSync("mkfifo", [join(dir, `${KEY}.json`)]);
    const started = Date.now();
    await expect(cache.get(KEY)).rejects.toMatchObject({
      code: "ERR_CACHE_ENTRY_NOT_REGULAR",
      message: expect.stringMatching(/FIFO/),
    });
    expect(Date.now() - started).toBeLessThan(2000);
    await cache.set(KEY, sampleEntry());
    expect(parseCacheEntry(await cache.get(KEY))).toBeDefined();
  });

  it.skipIf(!isRoot)("(root) a device node at the entry path is refused", async () => {
    const { dir, cache } = await fresh();
    await mkdir(dir, { mode: 0o700 });
    execFileSync("mknod", [join(dir, `${KEY}.json`), "c", "1", "5"]); // /dev/zero's numbers
    await expect(cache.get(KEY)).rejects.toMatchObject({
      code: "ERR_CACHE_ENTRY_NOT_REGULAR",
      message: expect.stringMatching(/device/),
    });
  });

  it("an entry over 64 KiB is refused without being read whole", async () => {
    const { dir, cache } = await fresh();
    await mkdir(dir, { mode: 0o700 });
    await writeFile(join(dir, `${KEY}.json`), " ".repeat(64 * 1024 + 1));
    await expect(cache.get(KEY)).rejects.toMatchObject({ code: "ERR_CACHE_ENTRY_TOO_LARGE" });
    await writeFile(
      join(dir, `${KEY}.json`),
      `${JSON.stringify(sampleEntry())}${" ".repeat(60_000)}`,
    );
    expect(parseCacheEntry(await cache.get(KEY))).toBeDefined();
  });

  it.each([0o664, 0o666, 0o646])(
    "an entry others can write (mode %o) is refused; the next write makes it 0600",
    async (mode) => {
      const { dir, cache } = await fresh();
      await mkdir(dir, { mode: 0o700 });
      await writeFile(join(dir, `${KEY}.json`), JSON.stringify(sampleEntry()));
      await chmod(join(dir, `${KEY}.json`), mode);
      await expect(cache.get(KEY)).rejects.toMatchObject({ code: "ERR_CACHE_ENTRY_UNTRUSTED" });
      await cache.set(KEY, sampleEntry());
      expect((await stat(join(dir, `${KEY}.json`))).mode & 0o777).toBe(0o600);
      expect(parseCacheEntry(await cache.get(KEY))).toBeDefined();
    },
  );

  it.skipIf(!isRoot)("(root) an entry owned by another user is refused", async () => {
    const { dir, cache } = await fresh();
    await mkdir(dir, { mode: 0o700 });
    await writeFile(join(dir, `${KEY}.json`), JSON.stringify(sampleEntry()), { mode: 0o600 });
    await chown(join(dir, `${KEY}.json`), OTHER_UID, OTHER_UID);
    await expect(cache.get(KEY)).rejects.toMatchObject({
      code: "ERR_CACHE_ENTRY_UNTRUSTED",
      message: expect.stringMatching(/owned by uid 4242/),
    });
  });
});

describe("constructor arguments", () => {
  it.each([
    ["undefined", undefined, "dir"],
    ["null", null, "dir"],
    ["a number", 5, "dir"],
    ["empty", "", "dir"],
    ["blank", "   ", "dir"],
    ["a NUL byte", "a\0b", "dir"],
    ["another user's ~", "~no-such-user-here/cache", "dir"],
  ])("dir %s is an AssumeRoleValidationError naming dir", (_, dir, field) => {
    expect(() => new JSONFileCache(dir as string)).toThrow(
      expect.objectContaining({ name: "AssumeRoleValidationError", fields: [field] }),
    );
  });

  it("~ and ~<own user name> are the home directory", () => {
    expect(new JSONFileCache("~").dir).toBe(homedir());
    expect(new JSONFileCache(`~${userInfo().username}/c`).dir).toBe(join(homedir(), "c"));
    expect(new JSONFileCache("./~bob").dir).toBe(join(process.cwd(), "~bob"));
  });

  it.each([
    [{ fileMode: "abc" }, "fileMode"],
    [{ fileMode: 0o666 }, "fileMode"],
    [{ fileMode: 0o400 }, "fileMode"],
    [{ fileMode: 1.5 }, "fileMode"],
    [{ fileMode: 0o1600 }, "fileMode"],
    [{ dirMode: 0o777 }, "dirMode"],
    [{ dirMode: 0o600 }, "dirMode"],
    [{ lockPollMinMs: 0 }, "lockPollMinMs"],
    [{ lockPollMaxMs: Number.NaN }, "lockPollMaxMs"],
    [{ onLockCompromised: "warn" }, "onLockCompromised"],
  ])("options %o: an AssumeRoleValidationError naming %s", (options, field) => {
    expect(() => new JSONFileCache("/tmp/x", options as never)).toThrow(
      expect.objectContaining({ name: "AssumeRoleValidationError", fields: [field] }),
    );
  });

  it("accepts modes that keep others out", () => {
    expect(() => new JSONFileCache("/tmp/x", { fileMode: 0o640, dirMode: 0o750 })).not.toThrow();
  });
});
