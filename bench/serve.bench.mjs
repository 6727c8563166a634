#!/usr/bin/env node
// Benchmark of `assume-role serve`: the real CLI as a child process, against sts-local, with
// 8 clients sending 1,000 requests/s in total (125/s each, on a fixed schedule), each on its own
// keep-alive connection, with the token. Run after a build:
//
//   pnpm build && node bench/serve.bench.mjs
//
// Credentials live BENCH_LIFETIME seconds (default 10, sts-local's issuedLifetimeSeconds),
// so each round of BENCH_SECONDS (default 10) sees refreshes under load: the STS calls are
// compared with the sets of credentials served. Prints, per round, the latency percentiles
// of every request (send → whole response), and min/median/max across BENCH_ROUNDS rounds
// (default 5), side by side with a baseline measured in the same rounds (interleaved): a
// bare Node http server answering the same load, the floor this machine allows. Env: BENCH_CLIENTS (8), BENCH_RATE (1000 requests/s in total),
// BENCH_CLIENT_PROCESSES (1: all clients in one load-generator process), BENCH_DEBUG
// (print the server's --debug lines, requests left out).
//
// The load generator is bench/serve-load.mjs, in a process of its own.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, percentile, table } from "./lib.mjs";

const LOAD = fileURLToPath(new URL("./serve-load.mjs", import.meta.url));
const root = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(root, "packages", "cli", "dist", "cli.cjs");

await main();

async function main() {
  const {
    BENCH_CLIENTS,
    BENCH_CLIENT_PROCESSES,
    BENCH_RATE,
    BENCH_SECONDS,
    BENCH_ROUNDS,
    BENCH_LIFETIME,
    BENCH_DEBUG,
  } = process.env;
  const clients = Number(BENCH_CLIENTS ?? 8);
  // 1: the clients share one load-generator process (the server is what is measured);
  // BENCH_CLIENTS: one process per client, which on 2 cores mostly measures the scheduler.
  const processes = Number(BENCH_CLIENT_PROCESSES ?? 1);
  const load = {
    clients,
    processes,
    rate: Number(BENCH_RATE ?? 1000),
    seconds: Number(BENCH_SECONDS ?? 10),
  };
  const rounds = Number(BENCH_ROUNDS ?? 5);
  const loadBefore = loadAverage();
  const lifetime = Number(BENCH_LIFETIME ?? 10);
  const { startStsLocal } = await import(
    pathToFileURL(join(root, "packages", "sts-local", "dist", "index.js")).href
  );
  const sts = await startStsLocal({ issuedLifetimeSeconds: lifetime, requestLogSize: 10 });
  const serve = await startServe(sts, Boolean(BENCH_DEBUG));
  const baseline = await startBaseline();

  // The set fetched at start-up (before the rounds) is not a refresh.
  const warm = await runClient({
    ...serve.env,
    CLIENTS: "1",
    RATE: "10",
    MS: "100",
    START_AT: "0",
  });
  const seen = new Set(warm.keys);
  const measured = { serve: [], baseline: [] };
  let totalCalls = 0;
  let totalNew = 0;
  for (let r = 0; r < rounds; r++) {
    // Interleaved, the order alternating: both see the same machine, round by round.
    for (const name of r % 2 ? ["baseline", "serve"] : ["serve", "baseline"]) {
      const target = name === "serve" ? serve : baseline;
      const callsBefore = sts.stats.calls("AssumeRole");
      const round = await measureRound(target, load);
      if (name === "serve") {
        round.stsCalls = sts.stats.calls("AssumeRole") - callsBefore;
        // Sets first served in this round: each must have cost exactly one AssumeRole call.
        round.fresh = [...round.keys].filter((k) => !seen.has(k)).length;
        for (const k of round.keys) seen.add(k);
        totalCalls += round.stsCalls;
        totalNew += round.fresh;
      }
      measured[name].push(round);
    }
  }
  await serve.stop();
  await baseline.stop();
  await sts.close();
  if (BENCH_DEBUG) console.error(serve.log());

  const ms = (x) => `${x.toFixed(2)} ms`;
  const stat = (xs) => `${ms(Math.min(...xs))} / ${ms(median(xs))} / ${ms(Math.max(...xs))}`;
  console.log(
    `assume-role serve — Node ${process.version}, ${clients} clients (keep-alive connections) in ` +
      `${processes} process(es), ${load.rate} requests/s in total, ${load.seconds} s rounds, ` +
      `credentials living ${lifetime} s; load average before: ${loadBefore}\n`,
  );
  console.log("#### Each round of `assume-role serve`\n");
  console.log(
    table(
      [
        "round",
        "requests",
        "achieved req/s",
        "errors",
        "p50",
        "p99",
        "max",
        "new credential sets served",
        "AssumeRole calls",
        "server CPU (of one core)",
        "baseline p99 (same round)",
      ],
      measured.serve.map((x, i) => [
        i + 1,
        x.requests,
        x.rate.toFixed(0),
        x.errors,
        ms(x.p50),
        ms(x.p99),
        ms(x.max),
        x.fresh,
        x.stsCalls,
        `${x.cpu.toFixed(0)} %`,
        ms(measured.baseline[i].p99),
      ]),
    ),
  );
  console.log(
    `\nAll rounds: ${totalCalls} AssumeRole calls for ${totalNew} new credential sets served ` +
      `(${(totalCalls / Math.max(1, totalNew)).toFixed(2)} STS calls per refresh).`,
  );
  console.log(`\n#### Across ${rounds} rounds (min / median / max)\n`);
  const of = (name, key) => stat(measured[name].map((x) => x[key]));
  console.log(
    table(
      ["measure", "assume-role serve", "baseline: a bare Node http server, same JSON"],
      [
        ["p50", of("serve", "p50"), of("baseline", "p50")],
        ["p99", of("serve", "p99"), of("baseline", "p99")],
        ["max", of("serve", "max"), of("baseline", "max")],
        [
          "CPU (of one core)",
          stat(measured.serve.map((x) => x.cpu)).replaceAll(" ms", " %"),
          stat(measured.baseline.map((x) => x.cpu)).replaceAll(" ms", " %"),
        ],
      ],
    ),
  );
  console.log(`\nLoad average after: ${loadAverage()}`);
}

/** The real CLI: `assume-role serve` against sts-local, its address and token from the env file. */
async function startServe(sts, debug) {
  const home = mkdtempSync(join(tmpdir(), "assume-role-serve-bench-"));
  const envFile = join(home, "serve.env");
  const args = ["serve", "arn:aws:iam::123456789012:role/Demo", "--endpoint-url", sts.endpoint];
  args.push("--no-cache", "--write-env-file", envFile, ...(debug ? ["--debug"] : []));
  const server = spawn(process.execPath, [CLI, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: home,
      AWS_CONFIG_FILE: join(home, "none"),
      AWS_SHARED_CREDENTIALS_FILE: join(home, "none"),
      AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sts.rootCredentials.secretAccessKey,
      AWS_REGION: sts.region,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  server.stderr.on("data", (d) => {
    stderr += d;
  });
  while (!stderr.includes("serving")) {
    if (server.exitCode !== null) throw new Error(`serve exited: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const vars = Object.fromEntries(
    readFileSync(envFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(/=(.*)/s).slice(0, 2)),
  );
  return {
    pid: server.pid,
    env: {
      URL: vars.AWS_CONTAINER_CREDENTIALS_FULL_URI,
      TOKEN: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN,
    },
    log: () =>
      stderr
        .split("\n")
        .filter((l) => !l.includes("server: 200"))
        .join("\n"),
    stop: async () => {
      server.kill("SIGTERM");
      await new Promise((r) => server.once("exit", r));
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** The floor: a bare Node http server answering every request with a fixed document. */
async function startBaseline() {
  const script = `
    const body = JSON.stringify({ AccessKeyId: "ASIABASELINE", SecretAccessKey: "x".repeat(40),
      Token: "x".repeat(400), Expiration: "2030-01-01T00:00:00Z" });
    const server = require("node:http").createServer((req, res) => {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": body.length });
      res.end(body);
    });
    server.listen(0, "127.0.0.1", () => console.log(server.address().port));`;
  const child = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((resolve) => child.stdout.once("data", (d) => resolve(Number(d))));
  return {
    pid: child.pid,
    env: { URL: `http://127.0.0.1:${port}/credentials`, TOKEN: "unused" },
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** One round of load against a target: latency percentiles, keys served, the target's CPU. */
async function measureRound(target, load) {
  const cpuBefore = cpuSeconds(target.pid);
  const startAt = Date.now() + 1500; // every client loaded and waiting
  const results = await Promise.all(
    Array.from({ length: load.processes }, () =>
      runClient({
        ...target.env,
        CLIENTS: String(load.clients / load.processes),
        RATE: String(load.rate / load.clients),
        MS: String(load.seconds * 1000),
        START_AT: String(startAt),
      }),
    ),
  );
  const latencies = results.flatMap((x) => x.latencies);
  const elapsed = Math.max(...results.map((x) => x.elapsed)) / 1000;
  return {
    requests: latencies.length,
    rate: latencies.length / elapsed,
    errors: results.reduce((n, x) => n + x.errors, 0),
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: Math.max(...latencies),
    keys: new Set(results.flatMap((x) => x.keys)),
    cpu: ((cpuSeconds(target.pid) - cpuBefore) / elapsed) * 100,
  };
}

function loadAverage() {
  try {
    return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
  } catch {
    return "unknown";
  }
}

/** User + system CPU time of a process so far, in seconds (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    // utime and stime are fields 14 and 15 of the whole line, in clock ticks (100 a second).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function runClient(env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LOAD], {
      env: { ...env, PATH: process.env.PATH },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.once("error", reject);
    child.once("close", (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`client exited ${code}`)),
    );
  });
}
