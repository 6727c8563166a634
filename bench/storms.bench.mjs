#!/usr/bin/env node
// Storms: fleets of real worker processes (32 on one throwaway Redis, 16 on one cache
// directory) and one sts-local on a simulated clock, through the scenarios of
// cache-conformance's storms.ts. Run after a build:
//
//   pnpm turbo run build && node bench/storms.bench.mjs
//
// Three candidates per backend:
// - ours: assumeRole() on the shared cache, failures shared (the default);
// - ours, not shared: the same with refresh.shareFailures false (credentials still shared);
// - SDK: fromTemporaryCredentials as an SDK client memoizes it (refreshes 5 minutes before
//   Expiration, no cache, no memory of failures); its process clock is the simulated one.
// Prints markdown tables of counts: AssumeRole requests STS received and caller-visible
// errors. Throttling runs in real time (rate 1), the outages at 240× real time.
// Env: STORMS_BACKENDS ("redis,dir"), STORMS_CANDIDATES ("shared,unshared,sdk"),
// REDIS_SERVER (default "redis-server").
//
// This file is also the workers' cache factory (`createCache`) and the SDK baseline
// (`createSdkProvider`); it only runs the benchmark when executed directly.
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const load = (pkg) => import(pathToFileURL(join(root, "packages", pkg, "dist", "index.js")).href);

/** Workers' cache: `{ url, options }` → KeyvCache on Redis; `{ dir }` → JSONFileCache; else none. */
export async function createCache(args) {
  if (args?.url) return (await load("keyv-cache")).KeyvCache.redis(args.url, args.options);
  if (args?.dir) return new (await load("file-cache")).JSONFileCache(args.dir);
  return undefined;
}

/** The baseline: what an SDK client does with fromTemporaryCredentials. */
export async function createSdkProvider({ config, roleArn, assumeRoleOptions, clock }) {
  // The SDK's memoization and signing read Date.now: give them the simulated clock.
  Date.now = clock;
  const require = createRequire(join(root, "package.json"));
  const { fromTemporaryCredentials } = require("@aws-sdk/credential-providers");
  const { STSClient } = require("@aws-sdk/client-sts");
  const clientConfig = {
    region: config.region,
    endpoint: config.endpoint,
    maxAttempts: config.maxAttempts,
    disableClockSkewCorrection: true,
  };
  const provider = fromTemporaryCredentials({
    params: {
      RoleArn: roleArn,
      RoleSessionName: "sdk-baseline",
      ...(assumeRoleOptions.DurationSeconds
        ? { DurationSeconds: assumeRoleOptions.DurationSeconds }
        : {}),
    },
    masterCredentials: config.credentials,
    clientConfig,
  });
  // Any SDK client memoizes its credentials provider; its requests call this.
  const client = new STSClient({ ...clientConfig, credentials: provider });
  return () => client.config.credentials();
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}

async function main() {
  // Interrupted: run the exit handlers (they stop redis-server); workers exit on disconnect.
  for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(130));
  const { startRedis, table } = await import(pathToFileURL(join(root, "bench", "lib.mjs")).href);
  const storms = await load("cache-conformance");
  const { STORMS_BACKENDS, STORMS_CANDIDATES, REDIS_SERVER } = process.env;
  const backends = (STORMS_BACKENDS ?? "redis,dir").split(",");
  const candidates = (STORMS_CANDIDATES ?? "shared,unshared,sdk").split(",");
  const self = fileURLToPath(import.meta.url);
  const NAMES = {
    shared: "ours",
    unshared: "ours, failures not shared",
    sdk: "SDK fromTemporaryCredentials",
  };

  const rows = { outage: [], outlasting: [], denied: [], throttled: [], slow: [] };
  for (const backend of backends) {
    const size = backend === "redis" ? 32 : 16;
    const redis =
      backend === "redis" ? await startRedis(REDIS_SERVER ?? "redis-server") : undefined;
    try {
      for (const candidate of candidates) {
        const dir = backend === "dir" ? await mkdtemp(join(tmpdir(), "storms-bench-")) : undefined;
        const cacheArgs =
          candidate === "sdk"
            ? {}
            : redis
              ? {
                  url: redis.url,
                  options: { namespace: `storms-${candidate}`, operationTimeoutMs: 5000 },
                }
              : { dir };
        const storm = await storms.startStormFleet({
          size,
          cacheModule: self,
          cacheExport: "createCache",
          cacheArgs,
          shareFailures: candidate !== "unshared",
          ...(candidate === "sdk"
            ? { provider: { module: self, export: "createSdkProvider" } }
            : {}),
        });
        const label = [`${backend === "redis" ? "Redis" : "directory"}, ${size}`, NAMES[candidate]];
        const sim = (ms) =>
          ms === undefined ? "not within 30 min" : `${(ms / 60_000).toFixed(1)} min`;
        try {
          const a = await storms.runOutage(storm);
          rows.outage.push([
            ...label,
            a.attemptsDuringOutage,
            a.errorsBeforeExpiry,
            a.callerRequests,
            a.attemptsToRecover,
            sim(a.recoveryMs),
          ]);
          // Slower: callers wait here, and their waits and the SDK's retries run in real time.
          const c = await storms.runOutage(storm, {
            session: "outlasting",
            startBeforeExpiryMinutes: 20,
            minutes: 30,
            rate: 30,
          });
          rows.outlasting.push([
            ...label,
            c.attemptsDuringOutage,
            c.errorsBeforeExpiry,
            c.errorsAfterExpiry,
            c.callerRequests,
            c.attemptsToRecover,
            sim(c.recoveryMs),
          ]);
          const d = await storms.runDenied(storm);
          rows.denied.push([
            ...label,
            d.callers,
            d.accessDenied,
            d.other,
            d.attempts,
            `${(d.elapsedMs / 1000).toFixed(1)} s`,
          ]);
          const t = await storms.runThrottled(storm, { rate: 1 });
          rows.throttled.push([
            ...label,
            t.callers,
            t.callerErrors,
            t.attempts,
            `${(t.elapsedMs / 1000).toFixed(1)} s`,
          ]);
          const s = await storms.runSlow(storm);
          rows.slow.push([...label, s.served, s.callerErrors, s.attempts]);
        } finally {
          await storm.close();
          if (dir) await rm(dir, { recursive: true, force: true });
        }
      }
    } finally {
      redis?.stop();
    }
  }

  const lead = ["fleet", "candidate"];
  console.log(
    "### Outage: STS answers 503 for 20 min, from 58 min before 2-hour credentials expire\n",
  );
  console.log(
    table(
      [
        ...lead,
        "AssumeRole requests during the outage",
        "caller errors",
        "caller requests",
        "requests to recover",
        "until every worker holds new credentials",
      ],
      rows.outage,
    ),
  );
  console.log(
    "\n### Outage that outlasts the credentials: 503 for 30 min, from 20 min before 1-hour credentials expire\n",
  );
  console.log(
    table(
      [
        ...lead,
        "AssumeRole requests during the outage",
        "caller errors before expiry",
        "caller errors after expiry",
        "caller requests",
        "requests to recover",
        "until every worker holds new credentials",
      ],
      rows.outlasting,
    ),
  );
  console.log(
    "\n### A denied role at cold start: 3 bursts of 20 callers per worker, 200 ms apart\n",
  );
  console.log(
    table(
      [...lead, "callers", "AccessDenied", "anything else", "AssumeRole requests", "elapsed"],
      rows.denied,
    ),
  );
  console.log(
    "\n### 20 throttles in a row at cold start (real time, the SDK's 3 attempts): 20 callers per worker\n",
  );
  console.log(
    table(
      [...lead, "callers", "caller errors", "AssumeRole requests", "until every caller is served"],
      rows.throttled,
    ),
  );
  console.log(
    "\n### STS answering AssumeRole in 12 s (the lock lease is 10 s): 20 callers per worker\n",
  );
  console.log(
    table(
      [...lead, "workers served", "caller errors", "AssumeRole requests (credentials issued)"],
      rows.slow,
    ),
  );
}
