#!/usr/bin/env node
// Waiters: how long processes that need credentials another process is fetching wait for
// them. Real worker processes (cache-conformance's fleet), one sts-local on loopback. Run
// after a build:
//
//   pnpm turbo run build && node bench/waiters.bench.mjs
//
// 1. Mandatory window, N = 128 (BENCH_WAITERS_N): every worker holds credentials 45 s from
//    expiry, inside the blocking window, and is asked for credentials at once. With a shared
//    JSONFileCache one worker calls STS and 127 wait for its entry; with no shared cache
//    each calls STS itself. Goal: shared no slower than no cache.
// 2. Prewarmed cold start, N = 32 (BENCH_COLD_N): worker processes that have loaded
//    everything get their first credentials at once from an empty cache (one calls STS,
//    the others wait for its entry) and, interleaved, from a cache that holds the entry
//    (the floor: every worker hits). Goal: cold within 2x the floor.
// 3. The same with N new processes started at once (the OS's file cache prewarmed by an
//    uncounted round): time from process start to credentials.
// Part 1's latency is per worker, from receiving the request to having credentials; each
// round reports the median over the processes, and the tables min / median / max over
// rounds (BENCH_ROUNDS, default 7). Candidates alternate round by round. BENCH_PART picks
// among "mandatory", "prewarmed" and "spawn" (default all three).
//
// This file is also the workers' cache factory (`createCache`).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const load = (pkg) => import(pathToFileURL(join(root, "packages", pkg, "dist", "index.js")).href);

/**
 * Workers' cache: `{ dir }` → JSONFileCache on that directory; otherwise none. With
 * `preloadSts`, the worker loads the STS client now, as a process that has refreshed before
 * has (the mandatory window is reached only after the advisory window's refreshes failed).
 */
export async function createCache(args) {
  if (args?.preloadSts) await import("@aws-sdk/client-sts");
  return args?.dir ? new (await load("file-cache")).JSONFileCache(args.dir) : undefined;
}

if (process.argv[2] === "--child") {
  // One cold-start process: the library, a session on the shared directory, credentials.
  const config = JSON.parse(process.argv[3]);
  const { assumeRole, Session } = await load("core");
  const { JSONFileCache } = await load("file-cache");
  const parent = Session.fromCredentials(config.credentials, {
    region: config.region,
    stsClientConfig: { endpoint: config.endpoint },
  });
  const session = assumeRole(parent, "arn:aws:iam::123456789012:role/Demo", {
    cache: new JSONFileCache(config.dir),
    // As the CLI keeps one: the parent's principal is learned once, not asked per process.
    principalStore: new JSONFileCache(config.principals),
  });
  await session.credentials();
  process.stdout.write(JSON.stringify({ sinceStartMs: performance.now() }));
  process.exit(0);
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}

async function main() {
  // Benchmark knobs, read at run time (not inputs of any turbo task).
  const { BENCH_COLD_N, BENCH_DEBUG, BENCH_PART, BENCH_ROUNDS, BENCH_WAITERS_N } = process.env;
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(130));
  const { median, percentile, spread, table } = await import(
    pathToFileURL(join(root, "bench", "lib.mjs")).href
  );
  const { startFleet } = await load("cache-conformance");
  const { startStsLocal } = await load("sts-local");
  const ROUNDS = Number(BENCH_ROUNDS ?? 7);
  const N = Number(BENCH_WAITERS_N ?? 128);
  const COLD_N = Number(BENCH_COLD_N ?? 32);
  const ROLE = "arn:aws:iam::123456789012:role/Demo";
  const self = fileURLToPath(import.meta.url);
  const sts = await startStsLocal();
  const calls = () => sts.stats.calls("AssumeRole");
  const dirs = [];
  const newDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "waiters-bench-"));
    dirs.push(dir);
    return dir;
  };
  const fleetOf = async (size, cacheArgs, extra = {}) =>
    startFleet(size, {
      endpoint: sts.endpoint,
      region: sts.region,
      credentials: sts.rootCredentials,
      roleArn: ROLE,
      assumeRoleOptions: { DurationSeconds: 900 },
      cacheModule: self,
      cacheExport: "createCache",
      cacheArgs,
      ...extra,
    });
  const workerMedian = (replies) => {
    const failed = replies.filter((r) => !r.ok);
    if (failed.length > 0) {
      const events = replies.map((r) => `${r.ok ? "ok" : "FAILED"} ${JSON.stringify(r.events)}`);
      throw new Error(`worker errors: ${failed[0].errors.join("; ")}\n${events.join("\n")}`);
    }
    return median(replies.map((r) => r.durationMs));
  };
  const ms = (x) => `${x.toFixed(1)} ms`;
  const fmt = ({ min, median: m, max }) => `${ms(min)} / ${ms(m)} / ${ms(max)}`;
  /** The table of a cold start: empty cache against the all-hit floor, and their ratio. */
  const printColdStart = (title, [cacheHeader, timeHeader], samples) => {
    console.log(`#### ${title}\n`);
    console.log(
      table(
        [cacheHeader, timeHeader, "AssumeRole calls per round"],
        [
          [
            "empty (one calls STS, the rest wait)",
            fmt(spread(samples.cold)),
            String(median(samples.calls)),
          ],
          ["holds the entry (the floor: every process hits)", fmt(spread(samples.hit)), "0"],
        ],
      ),
    );
    const ratio = median(samples.cold) / median(samples.hit);
    console.log(`\ncold / all-hit floor (medians): ${ratio.toFixed(2)}\n`);
  };
  console.log(
    `Waiters benchmark — Node ${process.version}, ${cpus().length} CPUs, ${ROUNDS} rounds, sts-local on loopback\n`,
  );

  // ---- 1. mandatory window ---------------------------------------------------------------
  // 900-second credentials: blocking window 60 s, static stability to 30 s before expiry;
  // each round moves every clock (sts-local's and the workers') 855 s on: 45 s left.
  const STEP_MS = 855_000;
  const part = BENCH_PART ?? "mandatory,prewarmed,spawn";
  if (part.includes("mandatory")) await mandatoryWindow();
  if (part.includes("prewarmed")) await prewarmedColdStart();
  if (part.includes("spawn")) await coldStart();
  await sts.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));

  async function mandatoryWindow() {
    const shared = await fleetOf(N, { dir: await newDir(), preloadSts: true });
    const alone = await fleetOf(N, { preloadSts: true });
    try {
      for (const fleet of [shared, alone]) {
        const primed = await fleet.resolveAll({ count: 1, clockOffsetMs: 0 });
        workerMedian(primed);
      }
      const samples = { shared: [], alone: [], sharedCalls: [], aloneCalls: [], p90: [], p90a: [] };
      for (let round = 1; round <= ROUNDS; round++) {
        sts.clock.advance(STEP_MS);
        const order = round % 2 ? ["shared", "alone"] : ["alone", "shared"];
        for (const name of order) {
          const fleet = name === "shared" ? shared : alone;
          const before = calls();
          const replies = await fleet.resolveAll({ count: 1, clockOffsetMs: round * STEP_MS });
          if (BENCH_DEBUG) {
            const times = replies.map((r) => Math.round(r.durationMs)).sort((a, b) => a - b);
            console.log(
              name,
              times.join(" "),
              JSON.stringify(replies.slice(0, 3).map((r) => r.events)),
            );
          }
          samples[name].push(workerMedian(replies));
          samples[name === "shared" ? "p90" : "p90a"].push(
            percentile(
              replies.map((r) => r.durationMs),
              90,
            ),
          );
          samples[`${name}Calls`].push(calls() - before);
        }
      }
      console.log(`#### Mandatory-window refresh, ${N} processes at once\n`);
      console.log(
        table(
          [
            "cache",
            "median wait per round (min / median / max over rounds)",
            "p90 per round (median)",
            "AssumeRole calls per round",
          ],
          [
            [
              "shared JSONFileCache",
              fmt(spread(samples.shared)),
              ms(median(samples.p90)),
              String(median(samples.sharedCalls)),
            ],
            [
              "no shared cache",
              fmt(spread(samples.alone)),
              ms(median(samples.p90a)),
              String(median(samples.aloneCalls)),
            ],
          ],
        ),
      );
      console.log(
        `\nshared / no cache (medians): ${(median(samples.shared) / median(samples.alone)).toFixed(2)}\n`,
      );
    } finally {
      await Promise.all([shared.close(), alone.close()]);
      // Back to real time: the next parts' processes run on their own clocks, and an STS
      // clock 100 min ahead of them would make every process measure the skew itself.
      sts.clock.set(Date.now());
    }
  }

  async function prewarmedColdStart() {
    // A new session per round and candidate (named sessions are built on first use, in
    // processes that have loaded everything, the STS client too, as before this library
    // loaded it lazily); a round's session name picks its cache key: cold rounds use a
    // name nobody has used, floor rounds the name of an earlier cold round.
    const sessions = {};
    for (let round = 0; round <= ROUNDS; round++) {
      const name = { RoleSessionName: `cold-${round}` };
      sessions[`cold-${round}`] = { roleArn: ROLE, assumeRoleOptions: name };
      sessions[`hit-${round}`] = { roleArn: ROLE, assumeRoleOptions: name };
    }
    const fleet = await fleetOf(COLD_N, { dir: await newDir(), preloadSts: true }, { sessions });
    try {
      // Round 0 warms up: each worker learns its parent's principal (GetCallerIdentity,
      // once per process) and runs both paths once.
      workerMedian(await fleet.resolveAll({ count: 1, session: "cold-0" }));
      workerMedian(await fleet.resolveAll({ count: 1, session: "hit-0" }));
      const samples = { cold: [], hit: [], calls: [] };
      for (let round = 1; round <= ROUNDS; round++) {
        const before = calls();
        const coldReplies = await fleet.resolveAll({ count: 1, session: `cold-${round}` });
        if (BENCH_DEBUG) {
          const times = coldReplies.map((r) => Math.round(r.durationMs)).sort((a, b) => a - b);
          console.log(times.join(" "), JSON.stringify(coldReplies.map((r) => r.events)));
        }
        samples.cold.push(workerMedian(coldReplies));
        samples.calls.push(calls() - before);
        samples.hit.push(
          workerMedian(await fleet.resolveAll({ count: 1, session: `hit-${round}` })),
        );
      }
      printColdStart(
        `Prewarmed cold start, ${COLD_N} processes at once`,
        ["cache", "median time to credentials (min / median / max over rounds)"],
        samples,
      );
    } finally {
      await fleet.close();
    }
  }

  async function coldStart() {
    // One round: COLD_N new processes at once; each reports the time from its start to
    // its first credentials. `dir` is the shared cache (empty, or holding the entry).
    const spawnAll = (dir) =>
      Promise.all(
        Array.from(
          { length: COLD_N },
          () =>
            new Promise((resolve, reject) => {
              const config = JSON.stringify({
                endpoint: sts.endpoint,
                region: sts.region,
                credentials: sts.rootCredentials,
                dir,
                principals,
              });
              const child = spawn(process.execPath, [self, "--child", config], {
                env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
                stdio: ["ignore", "pipe", "inherit"],
              });
              let out = "";
              child.stdout.on("data", (d) => {
                out += d;
              });
              child.on("close", (code) =>
                code === 0
                  ? resolve(JSON.parse(out).sinceStartMs)
                  : reject(new Error(`child ${code}`)),
              );
            }),
        ),
      );
    const samples = { cold: [], hit: [], calls: [] };
    const principals = await newDir();
    const warm = await newDir(); // round 0 warms the OS's file cache; not counted
    await spawnAll(warm);
    for (let round = 1; round <= ROUNDS; round++) {
      const dir = await newDir();
      const order = round % 2 ? ["cold", "hit"] : ["hit", "cold"];
      for (const which of order) {
        const before = calls();
        const times = await spawnAll(which === "cold" ? dir : warm);
        samples[which].push(median(times));
        if (which === "cold") samples.calls.push(calls() - before);
      }
    }
    printColdStart(
      `Cold start of ${COLD_N} new processes at once`,
      [
        "cache directory",
        "median time from process start to credentials (min / median / max over rounds)",
      ],
      samples,
    );
  }
}
