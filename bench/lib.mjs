import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Side-by-side measurement helpers shared by the benchmarks. Timings on a shared 2-core
// machine are noisy, so candidates run interleaved (A, B, A, B, …) and we report medians
// and ratios measured in the same run, never a single absolute time.

/** Median of numbers. */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Min, median and max of numbers: what every table reports over interleaved rounds. */
export const spread = (xs) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs) });

/** Percentile (0..100) of numbers, nearest-rank. */
export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

/**
 * Run async candidates interleaved: `rounds` rounds, each timing `batch` sequential calls
 * of every candidate, the order rotating from round to round. Returns { name: { nsPerOp: median over rounds, rounds: [...] } }.
 */
export async function interleaved(candidates, { rounds = 15, batch = 2000, warmup = 2 } = {}) {
  const samples = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
  const entries = Object.entries(candidates);
  for (let r = 0; r < rounds + warmup; r++) {
    // Rotate who goes first each round: position in a round biases the time (GC, JIT, caches).
    const order = entries.map((_, i) => entries[(i + r) % entries.length]);
    for (const [name, fn] of order) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) await fn();
      const ns = Number(process.hrtime.bigint() - start) / batch;
      if (r >= warmup) samples[name].push(ns);
    }
  }
  return Object.fromEntries(
    Object.entries(samples).map(([k, xs]) => [k, { nsPerOp: median(xs), rounds: xs }]),
  );
}

/** Format a markdown table from rows of cells. */
export function table(header, rows) {
  const line = (cells) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

export const fmtNs = (ns) =>
  ns >= 1e6
    ? `${(ns / 1e6).toFixed(2)} ms`
    : ns >= 1e3
      ? `${(ns / 1e3).toFixed(2)} µs`
      : `${ns.toFixed(0)} ns`;

// ---- a throwaway redis-server on a free loopback port ------------------------------------
/** A throwaway redis-server on a free loopback port: `{ url, stop() }`. */
export async function startRedis(binary = "redis-server") {
  const port = await new Promise((resolve, reject) => {
    const server = createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port: p } = server.address();
      server.close(() => resolve(p));
    });
  });
  const dir = mkdtempSync(join(tmpdir(), "keyv-cache-bench-"));
  const child = spawn(
    binary,
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ],
    { stdio: "ignore" },
  );
  const stop = () => {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  process.once("exit", stop);
  for (let i = 0; ; i++) {
    const up = await new Promise((resolve) => {
      const socket = new Socket();
      socket.once("error", () => resolve(false));
      socket.connect(port, "127.0.0.1", () => {
        socket.end();
        resolve(true);
      });
    });
    if (up) break;
    if (i > 200) throw new Error("redis-server did not start");
    await new Promise((r) => setTimeout(r, 25));
  }
  return { url: `redis://127.0.0.1:${port}`, stop };
}
