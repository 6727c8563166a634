#!/usr/bin/env node
// Cold starts: what a new process pays before it has credentials. Run after a build:
//
//   pnpm turbo run build && node bench/cold-start.bench.mjs
//
// 1. `assume-role credential-process` on a warm cache hit (the entry is there, the parent's
//    principal is known): from a directory and from Redis (a throwaway redis-server),
//    against the floor, a node process that reads the entry file and prints it. Whole
//    process, spawn to exit. Goals: file hit within 1.5x the floor, Redis hit within 2x.
// 2. Importing @assume-role-lib/core, measured inside a new process.
// 3. A worker's start-up CPU (user + system, from process start to its first credentials, a
//    cache hit): KeyvCache on Redis against JSONFileCache. Goal: Redis within 1.2x.
// Every candidate runs once per round, the order rotating; BENCH_ROUNDS rounds (default 21)
// after one uncounted round; tables give min / median / max over rounds. With
// BENCH_BASELINE=<a checkout of an earlier commit, built>, its CLI and core run as extra
// candidates (docs/benchmarks.md names the commit).
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const ROLE = "arn:aws:iam::123456789012:role/Demo";

if (process.argv[2] === "--worker") {
  // One worker: the library, a session over the shared cache, its first credentials.
  const config = JSON.parse(process.argv[3]);
  const from = config.root ?? root;
  const pkg = (name) => pathToFileURL(join(from, "packages", name, "dist", "index.js")).href;
  const { assumeRole, Session } = await import(pkg("core"));
  const { JSONFileCache } = await import(pkg("file-cache"));
  const cache = config.redis
    ? (await import(pkg("keyv-cache"))).KeyvCache.redis(config.redis)
    : new JSONFileCache(config.dir);
  const parent = Session.fromCredentials(config.credentials, {
    region: config.region,
    stsClientConfig: { endpoint: config.endpoint },
  });
  const session = assumeRole(parent, ROLE, {
    cache,
    principalStore: new JSONFileCache(config.principals),
  });
  await session.credentials();
  const { user, system } = process.cpuUsage();
  process.stdout.write(JSON.stringify({ cpuMs: (user + system) / 1000 }));
  await cache.close?.();
  process.exit(0);
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}

async function main() {
  // Benchmark knobs, read at run time (not inputs of any turbo task).
  const { BENCH_BASELINE: BASELINE, BENCH_ROUNDS, BENCH_PARTS, REDIS_SERVER } = process.env;
  // BENCH_PARTS=hits,import,workers (default: all three).
  const parts = new Set((BENCH_PARTS ?? "hits,import,workers").split(","));
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(130));
  const lib = await import(pathToFileURL(join(root, "bench", "lib.mjs")).href);
  const { median, spread, table, startRedis } = lib;
  const load = (pkg) => import(pathToFileURL(join(root, "packages", pkg, "dist", "index.js")).href);
  const { startStsLocal } = await load("sts-local");
  const ROUNDS = Number(BENCH_ROUNDS ?? 21);
  const sts = await startStsLocal();
  const redis = await startRedis(REDIS_SERVER ?? "redis-server");
  const home = await mkdtemp(join(tmpdir(), "cold-start-bench-"));
  const env = {
    ...process.env,
    HOME: home,
    XDG_CACHE_HOME: join(home, "xdg"),
    AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sts.rootCredentials.secretAccessKey,
    AWS_REGION: sts.region,
    AWS_CONFIG_FILE: join(home, "no-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "no-credentials"),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
  const dir = join(home, "cache");
  const cli = (bin, cache) => [
    bin,
    "credential-process",
    ROLE,
    "--endpoint-url",
    sts.endpoint,
    "--cache",
    cache,
  ];
  const binOf = (checkout) => {
    // The bin is dist/cli.cjs since it became one file; earlier commits had dist/cli.js.
    const dist = join(checkout, "packages", "cli", "dist");
    return existsSync(join(dist, "cli.cjs")) ? join(dist, "cli.cjs") : join(dist, "cli.js");
  };
  const ours = binOf(root);
  const run = (args) =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
      let err = "";
      child.stderr.on("data", (d) => {
        err += d;
      });
      child.on("close", (code) => (code === 0 ? resolve() : reject(new Error(err))));
    });
  // Misses first (sts-local answers in this process: not with spawnSync): the entries and
  // the parent's principal (~/.cache/assume-role-lib/principals) are written.
  await run(cli(ours, dir));
  await run(cli(ours, redis.url));
  const entry = join(
    dir,
    (await readdir(dir)).find((f) => f.endsWith(".json")),
  );
  const stsCallsBefore = sts.stats.calls("AssumeRole") + sts.stats.calls("GetCallerIdentity");

  /** Interleaved rounds of whole processes; returns { name: [ms per round] }. */
  const rounds = (candidates, measure) => {
    const names = Object.keys(candidates);
    const samples = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r <= ROUNDS; r++) {
      for (let i = 0; i < names.length; i++) {
        const name = names[(i + r) % names.length];
        const value = measure(candidates[name]);
        if (r > 0) samples[name].push(value);
      }
    }
    return samples;
  };
  const wall = (args) => {
    const started = performance.now();
    const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    const ms = performance.now() - started;
    if (r.status !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
    return ms;
  };
  const printed = (args) => {
    const r = spawnSync(process.execPath, args, { env, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${args.join(" ")}: ${r.stderr}`);
    return JSON.parse(r.stdout);
  };
  const ms = (x) => `${x.toFixed(1)} ms`;
  const fmt = (xs) => {
    const s = spread(xs);
    return `${ms(s.min)} / ${ms(s.median)} / ${ms(s.max)}`;
  };
  /** One table: each candidate's spread over rounds, and its median against `floorName`'s. */
  const printTable = (title, [nameHeader, ratioHeader], samples, floorName) => {
    console.log(`#### ${title}\n`);
    const rows = Object.entries(samples).map(([name, xs]) => [
      name,
      fmt(xs),
      `${(median(xs) / median(samples[floorName])).toFixed(2)}x`,
    ]);
    console.log(table([nameHeader, "min / median / max", ratioHeader], rows));
  };

  console.log(
    `Cold-start benchmark — Node ${process.version}, ${cpus().length} CPUs, ${ROUNDS} rounds` +
      `${BASELINE ? `, baseline ${BASELINE}` : ""}\n`,
  );

  // ---- 1. credential-process hits --------------------------------------------------------
  if (parts.has("hits")) {
    const floor = `process.stdout.write(require("fs").readFileSync(${JSON.stringify(entry)}, "utf8"))`;
    const hits = {
      "floor: node reads the entry file and prints it": ["-e", floor],
      "assume-role credential-process, file hit": cli(ours, dir),
      "assume-role credential-process, Redis hit": cli(ours, redis.url),
      ...(BASELINE
        ? {
            "baseline CLI, file hit": cli(binOf(BASELINE), dir),
            "baseline CLI, Redis hit": cli(binOf(BASELINE), redis.url),
          }
        : {}),
    };
    const hitSamples = rounds(hits, wall);
    const stsCalls =
      sts.stats.calls("AssumeRole") + sts.stats.calls("GetCallerIdentity") - stsCallsBefore;
    printTable(
      "`credential-process` on a warm cache hit (whole process, spawn to exit)",
      ["process", "median vs floor"],
      hitSamples,
      "floor: node reads the entry file and prints it",
    );
    console.log(`\nSTS calls during the hit rounds: ${stsCalls}\n`);
  }

  // ---- 2. importing core -----------------------------------------------------------------
  if (parts.has("import")) {
    const importTime = (corePath) => [
      "--input-type=module",
      "-e",
      `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(corePath).href)}); process.stdout.write(JSON.stringify({ ms: performance.now() - t }));`,
    ];
    const imports = {
      "@assume-role-lib/core": importTime(join(root, "packages", "core", "dist", "index.js")),
      ...(BASELINE
        ? { "baseline core": importTime(join(BASELINE, "packages", "core", "dist", "index.js")) }
        : {}),
    };
    const importSamples = rounds(imports, (args) => printed(args).ms);
    printTable(
      "Importing the core (inside a new process)",
      ["module", "median vs ours"],
      importSamples,
      "@assume-role-lib/core",
    );
    console.log("");
  }

  // ---- 3. worker start-up CPU --------------------------------------------------------------
  if (parts.has("workers")) {
    const self = fileURLToPath(import.meta.url);
    const base = {
      endpoint: sts.endpoint,
      region: sts.region,
      credentials: sts.rootCredentials,
      principals: join(home, "worker-principals"),
    };
    const workers = {
      "JSONFileCache worker": [self, "--worker", JSON.stringify({ ...base, dir })],
      "KeyvCache (Redis) worker": [self, "--worker", JSON.stringify({ ...base, redis: redis.url })],
      ...(BASELINE
        ? {
            "baseline JSONFileCache worker": [
              self,
              "--worker",
              JSON.stringify({ ...base, dir, root: BASELINE }),
            ],
            "baseline KeyvCache (Redis) worker": [
              self,
              "--worker",
              JSON.stringify({ ...base, redis: redis.url, root: BASELINE }),
            ],
          }
        : {}),
    };
    // The workers' first runs (not with spawnSync: sts-local answers their GetCallerIdentity).
    for (const args of Object.values(workers)) await run(args);
    const workerSamples = rounds(workers, (args) => printed(args).cpuMs);
    printTable(
      "A worker's start-up CPU (process start to first credentials, a cache hit)",
      ["worker", "median vs file"],
      workerSamples,
      "JSONFileCache worker",
    );
    console.log("");
  }

  redis.stop();
  await sts.close();
  await rm(home, { recursive: true, force: true });
}
