#!/usr/bin/env node
// Benchmark of @assume-role-lib/file-cache against sts-local. Run after a build:
//
//   pnpm turbo run build --filter @assume-role-lib/file-cache... && node bench/file-cache.bench.mjs
//
// Prints a markdown table:
// (1) a new process getting its first credentials from a valid cached entry vs from STS
//     (sts-local on loopback): medians of RUNS runs each, in-process and whole-process time;
// (2) K = 1, 4, 16 processes starting cold at once: AssumeRole calls with JSONFileCache vs
//     without a shared cache.
// Env: BENCH_RUNS (default 15), BENCH_STS_LATENCY_MS (default 0: loopback, no added latency).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const load = (pkg) => import(pathToFileURL(join(root, "packages", pkg, "dist", "index.js")).href);
const ROLE = "arn:aws:iam::123456789012:role/Demo";

// ---- child: one process that gets credentials once and reports timings -------------------
if (process.argv[2] === "--child") {
  const started = performance.now();
  const config = JSON.parse(process.argv[3]);
  const { assumeRole, Session } = await load("core");
  const { JSONFileCache } = await load("file-cache");
  const loaded = performance.now();
  const parent = Session.fromCredentials(config.credentials, {
    region: config.region,
    stsClientConfig: { endpoint: config.endpoint, maxAttempts: 3 },
  });
  // A principal store, as the CLI keeps one: the entry is bound to the parent's principal,
  // and with root keys as the parent a new process would otherwise ask STS who it is
  // (GetCallerIdentity) before it may use the entry (the last table shows that case).
  const options = config.dir
    ? {
        cache: new JSONFileCache(config.dir),
        ...(config.principals ? { principalStore: new JSONFileCache(config.principals) } : {}),
      }
    : {};
  const session = assumeRole(parent, ROLE, options);
  const before = performance.now();
  await session.credentials();
  const done = performance.now();
  process.stdout.write(
    JSON.stringify({
      firstCredentialsMs: done - before,
      sinceStartMs: done, // performance.now() counts from process start
      loadMs: loaded - started,
    }),
  );
  process.exit(0);
}

// ---- parent -------------------------------------------------------------------------------
// Benchmark knobs, read at run time (not inputs of any turbo task).
const { BENCH_RUNS, BENCH_STS_LATENCY_MS } = process.env;
const RUNS = Number(BENCH_RUNS ?? 15);
const LATENCY = Number(BENCH_STS_LATENCY_MS ?? 0);
const { startStsLocal } = await load("sts-local");
const sts = await startStsLocal();
if (LATENCY > 0) sts.faults.latency(LATENCY, { action: "AssumeRole" });
const base = { endpoint: sts.endpoint, region: sts.region, credentials: sts.rootCredentials };

function child(dir, principals = dir ? `${dir}-principals` : undefined) {
  return new Promise((resolve, reject) => {
    const spawnedAt = performance.now();
    const p = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), "--child", JSON.stringify({ ...base, dir, principals })],
      { stdio: ["ignore", "pipe", "ignore"] },
    );
    let out = "";
    p.stdout.on("data", (d) => {
      out += d;
    });
    p.on("error", reject);
    p.on("exit", (code) => {
      if (code !== 0) return reject(new Error(`child exited ${code}`));
      resolve({ ...JSON.parse(out), processMs: performance.now() - spawnedAt });
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => `${ms.toFixed(1)} ms`;
const fmtSpread = (xs) => `${fmt(Math.min(...xs))} / ${fmt(median(xs))} / ${fmt(Math.max(...xs))}`;
const dirs = [];
const tempDir = async () => {
  const d = await mkdtemp(join(tmpdir(), "file-cache-bench-"));
  dirs.push(d);
  return d;
};

try {
  // (1) Warm cache vs STS, interleaved so that machine load affects both alike.
  const warmDir = await tempDir();
  await child(warmDir); // writes the entry every warm run reads
  const warm = [];
  const fromSts = [];
  const unbound = [];
  sts.stats.reset();
  for (let i = 0; i < RUNS; i++) {
    warm.push(await child(warmDir));
    fromSts.push(await child(undefined));
  }
  const warmCalls = sts.stats.calls("AssumeRole") - RUNS; // the STS runs account for RUNS
  sts.stats.reset();
  for (let i = 0; i < RUNS; i++) unbound.push(await child(warmDir, null));
  const identityCalls = sts.stats.calls("GetCallerIdentity");
  const rows1 = [
    ["time to first credentials (in process)", "firstCredentialsMs"],
    ["whole process (spawn → exit)", "processMs"],
  ].map(([label, k]) => {
    const ws = warm.map((r) => r[k]);
    const ss = fromSts.map((r) => r[k]);
    const w = median(ws);
    const s = median(ss);
    return `| ${label} | ${fmtSpread(ws)} | ${fmtSpread(ss)} | ${(s / w).toFixed(2)}× |`;
  });

  // (2) K processes cold at once.
  const rows2 = [];
  for (const k of [1, 4, 16]) {
    const counts = [];
    for (const shared of [true, false]) {
      const dir = shared ? await tempDir() : undefined;
      sts.stats.reset();
      const t0 = performance.now();
      await Promise.all(Array.from({ length: k }, () => child(dir)));
      counts.push({ calls: sts.stats.calls("AssumeRole"), ms: performance.now() - t0 });
    }
    rows2.push(
      `| ${k} | ${counts[0].calls} | ${counts[1].calls} | ${fmt(counts[0].ms)} | ${fmt(counts[1].ms)} |`,
    );
  }

  console.log(
    [
      `JSONFileCache benchmark — Node ${process.version}, ${cpus().length} CPUs, ${RUNS} runs, ` +
        `sts-local on loopback${LATENCY ? ` + ${LATENCY} ms AssumeRole latency` : ""}`,
      "",
      `### New process: first credentials from a cached entry vs from STS (${RUNS} interleaved runs)`,
      "",
      "| measure | cached entry (min / median / max) | STS, no cache (min / median / max) | STS / cached (medians) |",
      "| --- | --- | --- | --- |",
      ...rows1,
      "",
      `Warm runs made ${warmCalls} AssumeRole calls.`,
      "",
      `Without a principal store (root keys as the parent), the cached entry's time to first credentials was ${fmtSpread(unbound.map((r) => r.firstCredentialsMs))}, whole process ${fmtSpread(unbound.map((r) => r.processMs))}: each of the ${RUNS} processes asked STS who it is (${identityCalls} GetCallerIdentity calls) before it could use the entry bound to its principal.`,
      "",
      "### K processes starting cold at once: AssumeRole calls",
      "",
      "| K | with JSONFileCache | without shared cache | wall time (cache) | wall time (no cache) |",
      "| --- | --- | --- | --- | --- |",
      ...rows2,
    ].join("\n"),
  );
} finally {
  await sts.close();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
}
