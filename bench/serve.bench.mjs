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
// (default 5). Env: BENCH_CLIENTS (8), BENCH_RATE (1000 requests/s in total),
// BENCH_CLIENT_PROCESSES (1: all clients in one load-generator process), BENCH_DEBUG
// (print the server's --debug lines, requests left out).
//
// This file is also the client process (`node serve.bench.mjs client`).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { median, percentile, table } from "./lib.mjs";

const here = fileURLToPath(import.meta.url);
const root = fileURLToPath(new URL("..", import.meta.url));
const CLI = join(root, "packages", "cli", "dist", "cli.js");

if (process.argv[2] === "client") {
  await client();
} else {
  await main();
}

/**
 * A load-generator process: CLIENTS clients, each with its own keep-alive connection,
 * each sending RATE requests/s for MS on a fixed schedule (staggered between clients).
 * Writes every latency (request sent → whole response) and the keys it was served.
 */
async function client() {
  const { URL: url, TOKEN: token, CLIENTS, RATE, MS, START_AT } = process.env;
  const clients = Number(CLIENTS);
  const intervalMs = 1000 / Number(RATE);
  const count = Math.round(Number(MS) / intervalMs);
  const latencies = [];
  const keys = new Set();
  let errors = 0;
  await new Promise((r) => setTimeout(r, Math.max(0, Number(START_AT) - Date.now())));
  const t0 = performance.now();
  const one = (agent) =>
    new Promise((resolve) => {
      const sent = performance.now();
      const req = request(url, { agent, headers: { Authorization: token } }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (d) => {
          body += d;
        });
        res.on("end", () => {
          latencies.push(performance.now() - sent);
          if (res.statusCode === 200) keys.add(JSON.parse(body).AccessKeyId);
          else errors++;
          resolve();
        });
      });
      req.on("error", () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const runOne = async (c) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const pending = [];
    for (let i = 0; i < count; i++) {
      const due = t0 + (i + c / clients) * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(one(agent));
    }
    await Promise.all(pending);
    agent.destroy();
  };
  await Promise.all(Array.from({ length: clients }, (_, c) => runOne(c)));
  const elapsed = performance.now() - t0;
  process.stdout.write(JSON.stringify({ latencies, keys: [...keys], errors, elapsed }));
}

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
  const totalRate = Number(BENCH_RATE ?? 1000);
  const seconds = Number(BENCH_SECONDS ?? 10);
  const rounds = Number(BENCH_ROUNDS ?? 5);
  const lifetime = Number(BENCH_LIFETIME ?? 10);
  const { startStsLocal } = await import(
    pathToFileURL(join(root, "packages", "sts-local", "dist", "index.js")).href
  );
  const sts = await startStsLocal({ issuedLifetimeSeconds: lifetime, requestLogSize: 10 });
  const home = mkdtempSync(join(tmpdir(), "assume-role-serve-bench-"));
  const envFile = join(home, "serve.env");
  const server = spawn(
    process.execPath,
    [
      CLI,
      "serve",
      "arn:aws:iam::123456789012:role/Demo",
      "--endpoint-url",
      sts.endpoint,
      "--no-cache",
      "--write-env-file",
      envFile,
      ...(BENCH_DEBUG ? ["--debug"] : []),
    ],
    {
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
    },
  );
  let serverErr = "";
  server.stderr.on("data", (d) => {
    serverErr += d;
  });
  while (!serverErr.includes("serving")) {
    if (server.exitCode !== null) throw new Error(`serve exited: ${serverErr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const vars = Object.fromEntries(
    readFileSync(envFile, "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(/=(.*)/s).slice(0, 2)),
  );

  // The set fetched at start-up (before the rounds) is not a refresh.
  const warm = await runClient({
    URL: vars.AWS_CONTAINER_CREDENTIALS_FULL_URI,
    TOKEN: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN,
    CLIENTS: "1",
    RATE: "10",
    MS: "100",
    START_AT: "0",
  });
  const rows = [];
  const seen = new Set(warm.keys);
  let totalCalls = 0;
  let totalNew = 0;
  const p50s = [];
  const p99s = [];
  const maxes = [];
  for (let r = 0; r < rounds; r++) {
    const callsBefore = sts.stats.calls("AssumeRole");
    const cpuBefore = cpuSeconds(server.pid);
    const startAt = Date.now() + 1500; // every client loaded and waiting
    const results = await Promise.all(
      Array.from({ length: processes }, () =>
        runClient({
          URL: vars.AWS_CONTAINER_CREDENTIALS_FULL_URI,
          TOKEN: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN,
          CLIENTS: String(clients / processes),
          RATE: String(totalRate / clients),
          MS: String(seconds * 1000),
          START_AT: String(startAt),
        }),
      ),
    );
    const stsCalls = sts.stats.calls("AssumeRole") - callsBefore;
    const serverCpu = cpuSeconds(server.pid) - cpuBefore;
    const latencies = results.flatMap((x) => x.latencies);
    const keys = new Set(results.flatMap((x) => x.keys));
    // Sets first served in this round: each must have cost exactly one AssumeRole call.
    const fresh = [...keys].filter((k) => !seen.has(k));
    for (const k of keys) seen.add(k);
    totalCalls += stsCalls;
    totalNew += fresh.length;
    const errors = results.reduce((n, x) => n + x.errors, 0);
    const elapsed = Math.max(...results.map((x) => x.elapsed)) / 1000;
    const [p50, p99, max] = [
      percentile(latencies, 50),
      percentile(latencies, 99),
      Math.max(...latencies),
    ];
    p50s.push(p50);
    p99s.push(p99);
    maxes.push(max);
    rows.push([
      r + 1,
      latencies.length,
      (latencies.length / elapsed).toFixed(0),
      errors,
      `${p50.toFixed(2)} ms`,
      `${p99.toFixed(2)} ms`,
      `${max.toFixed(2)} ms`,
      fresh.length,
      stsCalls,
      `${((serverCpu / elapsed) * 100).toFixed(0)} %`,
    ]);
  }
  server.kill("SIGTERM");
  await new Promise((r) => server.once("exit", r));
  if (BENCH_DEBUG)
    console.error(
      serverErr
        .split("\n")
        .filter((l) => !l.includes("server: 200"))
        .join("\n"),
    );
  await sts.close();
  rmSync(home, { recursive: true, force: true });

  const stat = (xs) =>
    `${Math.min(...xs).toFixed(2)} / ${median(xs).toFixed(2)} / ${Math.max(...xs).toFixed(2)} ms`;
  console.log(
    `assume-role serve — Node ${process.version}, ${clients} clients (keep-alive connections) in ${processes} process(es), ` +
      `${totalRate} requests/s in total, ` +
      `${seconds} s rounds, credentials living ${lifetime} s\n`,
  );
  console.log("#### Each round\n");
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
      ],
      rows,
    ),
  );
  console.log(
    `\nAll rounds: ${totalCalls} AssumeRole calls for ${totalNew} new credential sets served ` +
      `(${(totalCalls / Math.max(1, totalNew)).toFixed(2)} STS calls per refresh).`,
  );
  console.log(`\n#### Across ${rounds} rounds (min / median / max)\n`);
  console.log(
    table(
      ["measure", "min / median / max"],
      [
        ["p50", stat(p50s)],
        ["p99", stat(p99s)],
        ["max", stat(maxes)],
      ],
    ),
  );
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
    const child = spawn(process.execPath, [here, "client"], {
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
