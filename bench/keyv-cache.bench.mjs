#!/usr/bin/env node
// Benchmark of @assume-role-lib/keyv-cache against sts-local and a throwaway redis-server.
// Run after a build:
//
//   pnpm turbo run build --filter @assume-role-lib/keyv-cache... --filter @assume-role-lib/sts-local \
//     && node bench/keyv-cache.bench.mjs
//
// Prints two markdown tables:
// (1) getting credentials that are already shared: KeyvCache.get + the core's parse from
//     Redis (clear and encrypted) and from an in-memory Keyv, vs an AssumeRole call to
//     sts-local on loopback (a reused STS client): p50/p99 of interleaved single calls;
// (2) W = 1, 8, 32 worker processes (20 concurrent callers each): AssumeRole calls at cold
//     start and per refresh, with KeyvCache on one Redis vs no shared cache.
// Env: BENCH_SAMPLES (default 400), BENCH_REFRESHES (default 3), BENCH_WORKERS ("1,8,32"),
// REDIS_SERVER (default "redis-server").
//
// This file is also the fleet workers' cache factory (`createCache`); it only runs the
// benchmark when executed directly.
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const load = (pkg) => import(pathToFileURL(join(root, "packages", pkg, "dist", "index.js")).href);

/** Fleet workers' factory: `{ url, options }` → KeyvCache on Redis; `{ none: true }` → no cache. */
export async function createCache(args) {
  if (args?.none) return undefined;
  const { KeyvCache } = await load("keyv-cache");
  return KeyvCache.redis(args.url, args.options);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}

async function main() {
  const { median, percentile, startRedis, table } = await import(
    pathToFileURL(join(root, "bench", "lib.mjs")).href
  );
  // Benchmark knobs, read at run time (not inputs of any turbo task).
  const { BENCH_SAMPLES, BENCH_REFRESHES, BENCH_WORKERS, REDIS_SERVER } = process.env;
  const SAMPLES = Number(BENCH_SAMPLES ?? 400);
  const REFRESHES = Number(BENCH_REFRESHES ?? 3);
  const WORKERS = (BENCH_WORKERS ?? "1,8,32").split(",").map(Number);
  const ROLE = "arn:aws:iam::123456789012:role/Demo";

  const redis = await startRedis(REDIS_SERVER ?? "redis-server");
  const { startStsLocal } = await load("sts-local");
  const sts = await startStsLocal();
  try {
    // ---- (1) latency of a shared-cache hit vs an STS call ------------------------------
    const { KeyvCache } = await load("keyv-cache");
    const { parseCacheEntry, toCacheEntry } = await load("core");
    // Resolved from the package, where they are dependencies.
    const require = createRequire(join(root, "packages", "keyv-cache", "package.json"));
    const { Keyv } = require("keyv");
    const { STSClient, AssumeRoleCommand } = require("@aws-sdk/client-sts");
    const client = new STSClient({
      region: sts.region,
      endpoint: sts.endpoint,
      credentials: sts.rootCredentials,
      maxAttempts: 1,
    });
    const assume = () =>
      client.send(new AssumeRoleCommand({ RoleArn: ROLE, RoleSessionName: "bench" }));
    const entry = toCacheEntry(await assume());
    const key = "b".repeat(40);
    const caches = {
      "KeyvCache → Redis": KeyvCache.redis(redis.url, { namespace: "bench" }),
      "KeyvCache → Redis, encrypted": KeyvCache.redis(redis.url, {
        namespace: "bench-enc",
        encryptionKey: "ab".repeat(32),
      }),
      "KeyvCache → in-memory Keyv": new KeyvCache(new Keyv()),
    };
    for (const cache of Object.values(caches)) await cache.set(key, entry);
    const candidates = {
      ...Object.fromEntries(
        Object.entries(caches).map(([name, cache]) => [
          name,
          async () => {
            if (!parseCacheEntry(await cache.get(key))) throw new Error("miss");
          },
        ]),
      ),
      "AssumeRole → sts-local (no cache)": assume,
    };
    const samples = Object.fromEntries(Object.keys(candidates).map((k) => [k, []]));
    for (let i = 0; i < SAMPLES + 20; i++) {
      for (const [name, fn] of Object.entries(candidates)) {
        const start = process.hrtime.bigint();
        await fn();
        if (i >= 20) samples[name].push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }
    const stsP50 = median(samples["AssumeRole → sts-local (no cache)"]);
    console.log(
      `### Getting shared credentials: cache hit vs STS call (${SAMPLES} interleaved calls each)\n`,
    );
    console.log(
      table(
        ["source", "min / p50 / max", "p99", "p50 vs STS call"],
        Object.entries(samples).map(([name, xs]) => [
          name,
          `${Math.min(...xs).toFixed(3)} / ${median(xs).toFixed(3)} / ${Math.max(...xs).toFixed(3)} ms`,
          `${percentile(xs, 99).toFixed(3)} ms`,
          `${(median(xs) / stsP50).toFixed(3)}×`,
        ]),
      ),
    );
    for (const cache of Object.values(caches)) await cache.close();
    client.destroy();

    // ---- (2) STS calls per refresh for a fleet -----------------------------------------
    const { startFleet } = await load("cache-conformance");
    const self = fileURLToPath(import.meta.url);
    const rows = [];
    for (const workers of WORKERS) {
      const row = [String(workers)];
      for (const shared of [true, false]) {
        sts.stats.reset();
        sts.clock.useRealTime();
        const namespace = `bench-fleet-${workers}-${Date.now()}`;
        const fleet = await startFleet(workers, {
          endpoint: sts.endpoint,
          region: sts.region,
          credentials: sts.rootCredentials,
          roleArn: ROLE,
          maxAttempts: 1,
          assumeRoleOptions: { DurationSeconds: 900, refresh: { jitterSeconds: 5 } },
          cacheModule: self,
          cacheExport: "createCache",
          cacheArgs: shared
            ? { url: redis.url, options: { namespace, operationTimeoutMs: 5000 } }
            : { none: true },
        });
        try {
          const calls = () => sts.stats.calls("AssumeRole", ROLE);
          await fleet.resolveAll({ count: 20, concurrency: 20 });
          const cold = calls();
          for (let r = 1; r <= REFRESHES; r++) {
            const offset = r * 860_000; // inside the blocking window of the previous credentials
            sts.clock.set(new Date(Date.now() + offset));
            const replies = await fleet.resolveAll({
              count: 20,
              concurrency: 20,
              clockOffsetMs: offset,
            });
            const errors = replies.flatMap((x) => x.errors);
            if (errors.length) throw new Error(`fleet errors: ${errors[0]}`);
          }
          row.push(String(cold), ((calls() - cold) / REFRESHES).toFixed(2));
        } finally {
          await fleet.close();
        }
      }
      rows.push(row);
    }
    console.log(
      `\n### AssumeRole calls for a fleet (W processes × 20 concurrent callers; ${REFRESHES} refreshes)\n`,
    );
    console.log(
      table(
        [
          "W",
          "KeyvCache: cold start",
          "KeyvCache: per refresh",
          "no shared cache: cold start",
          "no shared cache: per refresh",
        ],
        rows,
      ),
    );
  } finally {
    await sts.close();
    redis.stop();
  }
}
