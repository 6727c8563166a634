/**
 * The file cache against a real second local user: `arl-mallory` plants, swaps and reads;
 * `arl-victim` uses JSONFileCache. Each step is a real process with that user's uid and gid
 * (cache-conformance's os-users.ts), so every permission below is the kernel's answer.
 * Root's own rules are tested from this (root) process. Skipped, with the reason, where
 * users cannot be created.
 */
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { rm, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  type ActorOutcome,
  type ActorStep,
  actAs,
  type OsUser,
  osUsers,
  sampleEntry,
  tempDirOwnedBy,
} from "@assume-role-lib/cache-conformance";
import { parseCacheEntry } from "@assume-role-lib/core";
import { JSONFileCache } from "@assume-role-lib/file-cache";
import { afterAll, describe, expect, it } from "vitest";
import { fixture } from "./helpers.js";

const users = osUsers();
const skip = users.available ? false : users.reason;
const ROOT: OsUser = { name: "root", uid: 0, gid: 0 };
const KEY = "0123456789abcdef0123456789abcdef01234567";
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** A poisoned entry: its AccessKeyId would set PATH through `export $(assume-role env …)`. */
const PLANTED = JSON.stringify({
  Credentials: {
    AccessKeyId: "ASIAQ\nPWNED=1 PATH=/evil",
    SecretAccessKey: "mallory-chose-this",
    SessionToken: "mallory-chose-this-too",
    Expiration: "2099-01-01T00:00:00Z",
  },
});

function cacheStep(dir: string, method: "get" | "set" | "has" | "lock", arg?: unknown): ActorStep {
  return {
    do: "cache",
    module: fixture("file-cache-factory.mjs"),
    factory: "createFileCache",
    args: { dir },
    method,
    key: KEY,
    ...(arg === undefined ? {} : { arg }),
  };
}

function ownedBy(user: OsUser, prefix: string, mode = 0o700): string {
  const dir = tempDirOwnedBy(user, prefix, mode);
  dirs.push(dir);
  return dir;
}

const refusedHere = (code: string) => ({ name: "UntrustedCacheFileError", code });
const refused = (code: string) => ({ ok: false, ...refusedHere(code) });
const denied = (outcome: ActorOutcome | undefined) =>
  expect(outcome).toMatchObject({ ok: false, code: "EACCES" });

const suite = skip ? `hostile local users (skipped: ${skip})` : "hostile local users";
// The default reporter does not list skipped suites: say why where it shows.
if (skip) console.warn(`file-cache hostile-users tests skipped: ${skip}`);

describe.skipIf(skip)(suite, () => {
  // Placeholders when skipped: the tests are still listed (as skipped), never run.
  const { victim, mallory } = users.available ? users : { victim: ROOT, mallory: ROOT };

  it("a world-writable directory mallory made, with a planted entry: the victim neither reads nor writes it", async () => {
    const base = ownedBy(mallory, "hostile-shared-", 0o755);
    const shared = join(base, "cache");
    const setup = await actAs(mallory, [
      { do: "mkdir", path: shared, mode: 0o777 },
      { do: "write", path: join(shared, `${KEY}.json`), text: PLANTED, mode: 0o666 },
    ]);
    expect(setup).toEqual([{ ok: true }, { ok: true }]);
    const used = await actAs(victim, [
      cacheStep(shared, "get"),
      cacheStep(shared, "set", sampleEntry()),
      cacheStep(shared, "lock"),
    ]);
    for (const outcome of used) expect(outcome).toMatchObject(refused("ERR_CACHE_DIR_UNTRUSTED"));
    // Nothing of the victim's is there for mallory to read.
    expect(await actAs(mallory, [{ do: "readdir", path: shared }])).toEqual([
      { ok: true, value: [`${KEY}.json`] },
    ]);
  });

  it("a directory mallory owns (not writable by the victim) is refused: she could plant at any time", async () => {
    const dir = ownedBy(mallory, "hostile-owned-", 0o755);
    await actAs(mallory, [
      { do: "write", path: join(dir, `${KEY}.json`), text: PLANTED, mode: 0o644 },
    ]);
    const [got] = await actAs(victim, [cacheStep(dir, "get")]);
    expect(got).toMatchObject(refused("ERR_CACHE_DIR_UNTRUSTED"));
    expect((got as { message: string }).message).toMatch(/owned by uid \d+, not by this user/);
  });

  it("a path mallory created first in /tmp, as a link to her directory: refused", async () => {
    const hers = ownedBy(mallory, "hostile-target-", 0o755);
    const sticky = ownedBy(victim, "hostile-sticky-", 0o755);
    // A sticky, world-writable place like /tmp, where anyone can create a name first.
    chownSync(sticky, 0, 0);
    chmodSync(sticky, 0o1777);
    const predictable = join(sticky, "victim-cache");
    await actAs(mallory, [
      { do: "write", path: join(hers, `${KEY}.json`), text: PLANTED, mode: 0o644 },
      { do: "symlink", target: hers, path: predictable },
    ]);
    const [got, set] = await actAs(victim, [
      cacheStep(predictable, "get"),
      cacheStep(predictable, "set", sampleEntry()),
    ]);
    expect(got).toMatchObject(refused("ERR_CACHE_DIR_UNTRUSTED"));
    expect(set).toMatchObject(refused("ERR_CACHE_DIR_UNTRUSTED"));
  });

  it("the victim's cache below a directory mallory can write: refused, and a swapped-in directory too", async () => {
    const parent = ownedBy(mallory, "hostile-parent-", 0o777);
    const cache = join(parent, "cache");
    const made = await actAs(victim, [
      { do: "mkdir", path: cache, mode: 0o700 },
      cacheStep(cache, "set", sampleEntry()),
    ]);
    expect(made[1]).toMatchObject(refused("ERR_CACHE_DIR_UNTRUSTED"));
    // What mallory could do there: move the victim's directory away and put her own.
    const swap = await actAs(mallory, [
      { do: "rename", from: cache, to: join(parent, "moved") },
      { do: "mkdir", path: cache, mode: 0o755 },
      { do: "write", path: join(cache, `${KEY}.json`), text: PLANTED, mode: 0o644 },
    ]);
    expect(swap.every((o) => o.ok)).toBe(true);
    const [got] = await actAs(victim, [cacheStep(cache, "get")]);
    expect(got).toMatchObject(refused("ERR_CACHE_DIR_UNTRUSTED"));
  });

  it("the victim's own cache: mallory can neither read, list, plant, link nor replace anything", async () => {
    const home = ownedBy(victim, "hostile-home-", 0o755);
    const cache = join(home, "cache");
    const entry = sampleEntry();
    const wrote = await actAs(victim, [cacheStep(cache, "set", entry), cacheStep(cache, "get")]);
    expect(wrote[0]).toEqual({ ok: true });
    expect(parseCacheEntry((wrote[1] as { value: string }).value)?.Credentials.AccessKeyId).toBe(
      entry.Credentials.AccessKeyId,
    );
    const file = join(cache, `${KEY}.json`);
    expect((await stat(cache)).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(file)).uid).toBe(victim.uid);
    const attempts = await actAs(mallory, [
      { do: "read", path: file },
      { do: "readdir", path: cache },
      { do: "write", path: join(cache, "other.json"), text: PLANTED },
      { do: "symlink", target: "/etc/passwd", path: join(cache, "link.json") },
      { do: "rename", from: cache, to: join(home, "stolen") },
      { do: "unlink", path: file },
    ]);
    for (const outcome of attempts) denied(outcome);
  });

  it("root refuses the victim's directory and entries: sudo with the victim's HOME gets nothing planted", async () => {
    const dir = ownedBy(victim, "hostile-sudo-", 0o700);
    await actAs(victim, [cacheStep(dir, "set", sampleEntry())]);
    const asRoot = new JSONFileCache(dir);
    await expect(asRoot.get(KEY)).rejects.toMatchObject(refusedHere("ERR_CACHE_DIR_UNTRUSTED"));
    await expect(asRoot.set(KEY, sampleEntry())).rejects.toMatchObject(
      refusedHere("ERR_CACHE_DIR_UNTRUSTED"),
    );
    // A root-owned directory holding an entry the victim owns (root gave it to them).
    const rootDir = join(ownedBy(ROOT, "hostile-rootdir-", 0o755), "root-cache");
    mkdirSync(rootDir, { mode: 0o700 });
    writeFileSync(join(rootDir, `${KEY}.json`), JSON.stringify(sampleEntry()), { mode: 0o600 });
    chownSync(join(rootDir, `${KEY}.json`), victim.uid, victim.gid);
    await expect(new JSONFileCache(rootDir).get(KEY)).rejects.toMatchObject(
      refusedHere("ERR_CACHE_ENTRY_UNTRUSTED"),
    );
    // And the victim trusts root: a root-owned directory with a root-owned, readable entry.
    chmodSync(rootDir, 0o755);
    chownSync(join(rootDir, `${KEY}.json`), 0, 0);
    chmodSync(join(rootDir, `${KEY}.json`), 0o644);
    const [got] = await actAs(victim, [cacheStep(rootDir, "get")]);
    expect(parseCacheEntry((got as { value?: string }).value)).toBeDefined();
  });
});
