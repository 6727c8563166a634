/**
 * Cross-process proof: real Node processes, real files, a real sts-local over HTTP.
 *
 * Set FILE_CACHE_SOAK_SECONDS=20 for the full soak run (the default run soaks for 5 s).
 */
import { type ChildProcess, execFile, fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdir, readdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type Fleet, type FleetReply, startFleet } from "@assume-role-lib/cache-conformance";
import { cacheKey } from "@assume-role-lib/core";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { describe, expect, it } from "vitest";
import { fixture, leftovers, tempDir, waitFor } from "./helpers.js";

const ROLE = "arn:aws:iam::123456789012:role/Demo";
const SOAK_SECONDS = Number(process.env.FILE_CACHE_SOAK_SECONDS ?? 5);
const rootKey = () => ({
  accessKeyId: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString("base64"),
});
// The fleet signs with one root key and the lock-holder child with another, so requests
// can be told apart at sts-local even though they share one cache key.
const fleetKey = rootKey();
const holderKey = rootKey();

type OnFinished = (fn: () => Promise<void> | void) => void;

/** One sts-local per test, so the tests can run at the same time and count their own calls. */
async function stsFor(onTestFinished: OnFinished): Promise<StsLocal> {
  const sts = await startStsLocal({ rootCredentials: [fleetKey, holderKey] });
  onTestFinished(() => sts.close());
  return sts;
}

async function fleetOn(
  sts: StsLocal,
  onTestFinished: OnFinished,
  size: number,
  assumeRoleOptions: Record<string, unknown> = {},
): Promise<{ fleet: Fleet; dir: string }> {
  const t = await tempDir("file-cache-fleet-");
  const fleet = await startFleet(size, {
    endpoint: sts.endpoint,
    region: sts.region,
    credentials: fleetKey,
    roleArn: ROLE,
    assumeRoleOptions,
    cacheModule: fixture("file-cache-factory.mjs"),
    cacheExport: "createFileCache",
    cacheArgs: { dir: t.dir },
  }).catch(async (error) => {
    await t.cleanup();
    throw error;
  });
  onTestFinished(async () => {
    await fleet.close();
    await t.cleanup();
  });
  return { fleet, dir: t.dir };
}

const keyIds = (replies: FleetReply[]) => new Set(replies.flatMap((r) => r.accessKeyIds));
const errorsOf = (replies: FleetReply[]) => replies.flatMap((r) => r.errors);
const fleetCalls = (sts: StsLocal) =>
  sts.stats.requests.filter(
    (r) => r.action === "AssumeRole" && r.accessKeyId === fleetKey.accessKeyId,
  ).length;

// Concurrent: the lock-kill test mostly waits (stale time, slow STS), and the soak needs no
// STS at all, so running them side by side keeps the package's test time down.
describe.concurrent("JSONFileCache across processes", () => {
  it("16 processes × 50 concurrent callers on an empty cache, then 3 refresh points: 1 AssumeRole each", async ({
    onTestFinished,
  }) => {
    const sts = await stsFor(onTestFinished);
    // 900-second credentials: advisory window 300 s, blocking 60 s, jitter ≤ 120 s, so a
    // clock 690 s past issue is inside every worker's advisory window.
    const { fleet, dir } = await fleetOn(sts, onTestFinished, 16, { DurationSeconds: 900 });
    const cold = await fleet.resolveAll({ count: 50, concurrency: 50 });
    expect(errorsOf(cold)).toEqual([]);
    expect(sts.stats.calls("AssumeRole")).toBe(1);
    expect(keyIds(cold).size).toBe(1);

    const STEP_MS = 690_000;
    let previous = [...keyIds(cold)][0];
    for (let round = 1; round <= 3; round++) {
      sts.clock.advance(STEP_MS);
      const offset = round * STEP_MS;
      // Advisory: everyone is still served the current credentials, one background refresh each.
      const during = await fleet.resolveAll({ count: 50, concurrency: 50, clockOffsetMs: offset });
      expect(errorsOf(during)).toEqual([]);
      expect(keyIds(during)).toEqual(new Set([previous]));
      // Wait for every worker's background refresh to finish (its refresh-succeeded event).
      let after: FleetReply[] = [];
      await waitFor(
        async () => {
          after = await fleet.resolveAll({ count: 1, clockOffsetMs: offset });
          return after.every((r) => r.events["refresh-succeeded"] === round + 1);
        },
        { everyMs: 100 },
      );
      expect(errorsOf(after)).toEqual([]);
      expect(sts.stats.calls("AssumeRole")).toBe(1 + round);
      const ids = keyIds(after);
      expect(ids.size).toBe(1);
      expect(ids.has(previous as string)).toBe(false);
      previous = [...ids][0];
    }
    // 15 of 16 workers got each refresh from the file, not from STS.
    const last = await fleet.resolveAll({ count: 1, clockOffsetMs: 3 * STEP_MS });
    const hits = last.reduce((n, r) => n + (r.events["cache-hit"] ?? 0), 0);
    expect(hits).toBeGreaterThanOrEqual(4 * 15);
    expect(await leftovers(dir)).toEqual([]);
  }, 60_000);

  it("a lock holder SIGKILLed during a slow STS call blocks the others only until its lock is stale", async ({
    onTestFinished,
  }) => {
    const sts = await stsFor(onTestFinished);
    const STALE_MS = 4000; // the workers' lock ttl = the lock's stale time
    // The survivor that takes over makes the same slow call inside its own 4 s lease; on a
    // saturated machine 3 s of latency left too little of that lease (its expiry let a
    // second waiter in: a lease problem, not a lock-breaking one).
    const LATENCY_MS = 2000;
    const { fleet, dir } = await fleetOn(sts, onTestFinished, 6, {
      lock: { ttlMs: STALE_MS, waitMs: 30_000 },
    });
    sts.faults.latency(LATENCY_MS, { action: "AssumeRole" });

    const holder: ChildProcess = fork(
      fixture("lock-holder.mjs"),
      [
        JSON.stringify({
          dir,
          endpoint: sts.endpoint,
          region: sts.region,
          credentials: holderKey,
          roleArn: ROLE,
        }),
      ],
      { stdio: ["ignore", "inherit", "inherit", "ipc"] },
    );
    const exited = new Promise((resolve) => holder.once("exit", resolve));
    onTestFinished(async () => {
      if (holder.exitCode === null && holder.signalCode === null) holder.kill("SIGKILL");
      await exited;
    });
    await new Promise<void>((resolve, reject) => {
      holder.on("message", (m: { held?: boolean }) => m.held && resolve());
      holder.once("exit", () => reject(new Error("lock holder exited before taking the lock")));
    });
    // The holder now sends AssumeRole and waits out the 2 s latency; give the request a
    // moment to leave, then kill it mid-call (anywhere in the 2 s window proves the point).
    await new Promise((r) => setTimeout(r, 300));
    expect(await leftovers(dir)).toEqual([expect.stringMatching(/\.json\.lock$/)]);
    holder.kill("SIGKILL");
    const killedAt = Date.now();
    await exited;

    const replies = await fleet.resolveAll({ count: 10, concurrency: 10 });
    const tookMs = Date.now() - killedAt;
    expect(errorsOf(replies)).toEqual([]);
    expect(keyIds(replies).size).toBe(1);
    // Stale time + one (slow) STS call, plus generous slack for 6 processes on a busy CI box.
    expect(tookMs).toBeLessThan(STALE_MS + LATENCY_MS + 6000);
    // The fleet made exactly one AssumeRole call: whoever broke the stale lock.
    expect(fleetCalls(sts)).toBe(1);
    expect(replies.reduce((n, r) => n + (r.events["lock-waited"] ?? 0), 0)).toBeGreaterThan(0);
    expect(await leftovers(dir)).toEqual([]);
  }, 60_000);

  it("8 waiters race to break one stale lock: exactly 1 takes it, 1 AssumeRole call", async ({
    onTestFinished,
  }) => {
    const sts = await stsFor(onTestFinished);
    const STALE_MS = 2000;
    // Waiters poll every 1-4 ms, so several of them see the lock turn stale in the same
    // moment and race to break it: the case where a remove-then-create lock lets two in.
    const { dir, cleanup } = await tempDir("file-cache-race-");
    const racers = await startFleet(8, {
      endpoint: sts.endpoint,
      region: sts.region,
      credentials: fleetKey,
      roleArn: ROLE,
      assumeRoleOptions: { lock: { ttlMs: STALE_MS, waitMs: 30_000 } },
      cacheModule: fixture("file-cache-factory.mjs"),
      cacheExport: "createFileCache",
      cacheArgs: { dir, options: { lockPollMinMs: 1, lockPollMaxMs: 4 } },
    });
    onTestFinished(async () => {
      await racers.close();
      await cleanup();
    });
    // A holder that died holding generation 7: it turns stale 600 ms from now, while all
    // eight are already waiting on it.
    const key = cacheKey({ RoleArn: ROLE }, { generatedSessionName: true });
    const lockDir = join(dir, `${key}.json.lock`);
    await mkdir(lockDir, { recursive: true });
    await writeFile(join(lockDir, "7"), JSON.stringify({ pid: 999_999, host: "gone" }));
    const turnsStale = new Date(Date.now() - STALE_MS + 600);
    await utimes(join(lockDir, "7"), turnsStale, turnsStale);

    const replies = await racers.resolveAll({ count: 5, concurrency: 5 });
    expect(errorsOf(replies)).toEqual([]);
    expect(keyIds(replies).size).toBe(1);
    expect(fleetCalls(sts)).toBe(1);
    expect(await leftovers(dir)).toEqual([]);
  }, 60_000);

  it(
    `16 processes writing and reading one key for ${SOAK_SECONDS} s: 0 torn reads, 0 temp files left`,
    async ({ onTestFinished }) => {
      const { dir, cleanup } = await tempDir("file-cache-soak-");
      onTestFinished(cleanup);
      const key = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a";
      // Seed the entry so that "absent" can only mean a reader saw the file missing mid-rename.
      const { JSONFileCache } = await import("@assume-role-lib/file-cache");
      await new JSONFileCache(dir).set(key, {
        Credentials: {
          AccessKeyId: "ASIASEED",
          SecretAccessKey: "S".repeat(40),
          SessionToken: "T".repeat(8192),
          Expiration: new Date(Date.now() + 3_600_000).toISOString(),
        },
      });
      const run = promisify(execFile);
      const results = await Promise.all(
        Array.from({ length: 16 }, (_, i) =>
          run(process.execPath, [
            fixture("soak-worker.mjs"),
            dir,
            key,
            i % 2 === 0 ? "writer" : "reader",
            String(SOAK_SECONDS),
          ]).then(({ stdout }) => JSON.parse(stdout) as Record<string, number>),
        ),
      );
      const total = (k: string) => results.reduce((n, r) => n + (r[k] ?? 0), 0);
      console.info(
        `soak ${SOAK_SECONDS} s: ${total("writes")} writes, ${total("reads")} reads, ` +
          `${total("torn")} torn, ${total("absent")} absent, ${total("errors")} errors`,
      );
      expect(total("writes")).toBeGreaterThan(0);
      expect(total("reads")).toBeGreaterThan(0);
      expect(total("torn")).toBe(0);
      expect(total("absent")).toBe(0);
      expect(total("errors")).toBe(0);
      expect(await readdir(dir)).toEqual([`${key}.json`]);
    },
    60_000 + SOAK_SECONDS * 1000,
  );
});
