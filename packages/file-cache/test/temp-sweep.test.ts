/**
 * Temp files left by writers killed between write and rename hold full credentials: they
 * are swept, and a live writer's temp file never is.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { chown, mkdir, readdir, readFile, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sampleEntry } from "@assume-role-lib/cache-conformance";
import { parseCacheEntry } from "@assume-role-lib/core";
import { JSONFileCache } from "@assume-role-lib/file-cache";
import { afterEach, describe, expect, it } from "vitest";
import { removeStaleTempFiles } from "../src/temp-sweep.js";
import { fixture, tempDir } from "./helpers.js";

const KEY = "0123456789abcdef0123456789abcdef01234567";
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function fresh() {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  const dir = join(t.dir, "cache");
  await mkdir(dir, { mode: 0o700 });
  return { root: t.dir, dir, cache: new JSONFileCache(dir) };
}

/** The pid of a process that has exited (so it is dead on this host). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.once("exit", resolve));
  return child.pid as number;
}

/** A temp file as atomic-write.ts names it, `ageMs` old. */
async function plantTemp(dir: string, pid: number, ageMs: number, key = KEY): Promise<string> {
  const name = `${key}.json.${pid}.${Math.random().toString(16).slice(2, 14).padEnd(12, "0")}.tmp`;
  await writeFile(join(dir, name), JSON.stringify(sampleEntry()), { mode: 0o600 });
  const then = new Date(Date.now() - ageMs);
  await utimes(join(dir, name), then, then);
  return name;
}

const temps = async (dir: string) => (await readdir(dir)).filter((n) => n.endsWith(".tmp")).sort();

describe("stale temp files", () => {
  it("removes a dead writer's temp file older than a minute, keeps a fresh one", async () => {
    const { dir, cache } = await fresh();
    const pid = await deadPid();
    await plantTemp(dir, pid, 120_000);
    const fresh2 = await plantTemp(dir, pid, 1_000);
    expect(await cache.removeStaleTempFiles()).toBe(1);
    expect(await temps(dir)).toEqual([fresh2]);
  });

  it("keeps a live writer's temp file, however old, up to 12 hours; then removes it", async () => {
    const { dir, cache } = await fresh();
    const live = [
      await plantTemp(dir, process.pid, 3600_000),
      await plantTemp(dir, process.ppid, 11 * 3600_000),
    ];
    await plantTemp(dir, process.pid, 13 * 3600_000);
    expect(await cache.removeStaleTempFiles()).toBe(1);
    expect(await temps(dir)).toEqual(live.sort());
  });

  it("never follows or removes a link, another user's file, or a name it did not write", async () => {
    const { root, dir, cache } = await fresh();
    const pid = await deadPid();
    const target = join(root, "target");
    await writeFile(target, "keep me");
    const link = `${KEY}.json.${pid}.aaaaaaaaaaaa.tmp`;
    await symlink(target, join(dir, link));
    const others = ["notes.tmp", `${KEY}.json.tmp`, `${KEY}.json.${pid}.short.tmp`];
    for (const name of others) await writeFile(join(dir, name), "x");
    const old = new Date(Date.now() - 13 * 3600_000);
    for (const name of others) await utimes(join(dir, name), old, old);
    let chowned: string | undefined;
    if (process.geteuid?.() === 0) {
      chowned = await plantTemp(dir, pid, 13 * 3600_000);
      await chown(join(dir, chowned), 4242, 4242);
    }
    expect(await cache.removeStaleTempFiles()).toBe(0);
    expect(await readFile(target, "utf8")).toBe("keep me");
    expect(await temps(dir)).toEqual([link, ...others, ...(chowned ? [chowned] : [])].sort());
  });

  it("the first write sweeps: temp files of writers SIGKILLed mid-write are removed", async () => {
    const { dir } = await fresh();
    // Real writers killed at random points leave temp files behind (most runs, not all).
    for (let i = 0; i < 40 && (await temps(dir)).length < 3; i++) {
      const writer = spawn(
        process.execPath,
        [fixture("busy-writer.mjs"), dir, KEY, "100000", "60000"],
        { stdio: ["ignore", "pipe", "ignore"] },
      );
      await new Promise((resolve) => writer.stdout?.once("data", resolve));
      await new Promise((resolve) => setTimeout(resolve, 30 + Math.random() * 100));
      await kill(writer);
    }
    const left = await temps(dir);
    expect(left.length).toBeGreaterThan(0);
    // Their writers are dead; once a minute old, the next writer's first write removes them.
    const old = new Date(Date.now() - 120_000);
    for (const name of left) await utimes(join(dir, name), old, old);
    const entry = sampleEntry();
    const cache = new JSONFileCache(dir);
    await cache.set(KEY, entry);
    expect(await temps(dir)).toEqual([]);
    expect(parseCacheEntry(await cache.get(KEY))?.Credentials.AccessKeyId).toBe(
      entry.Credentials.AccessKeyId,
    );
  });

  it("a sweep racing a live writer never removes the temp file it is about to rename", async () => {
    const { dir } = await fresh();
    const writer = spawn(process.execPath, [fixture("busy-writer.mjs"), dir, KEY, "400", "20000"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    writer.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise((resolve) => writer.once("exit", resolve));
    let sweeps = 0;
    let running = true;
    void exited.then(() => {
      running = false;
    });
    // A clock an hour ahead makes every temp file look old: only the writer's pid keeps it.
    while (running) {
      await removeStaleTempFiles(dir, Date.now() + 3600_000);
      sweeps++;
    }
    await exited;
    expect(sweeps).toBeGreaterThan(10);
    expect(out).toContain("failed=0");
  });
});

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
}
