/**
 * `assume-role demo`: a local STS (sts-local) and N worker processes that each ask for
 * credentials M times, with no shared cache, a shared JSONFileCache, and a shared KeyvCache
 * on Redis (when one is reachable). STS counts the AssumeRole calls: N without a shared
 * cache, 1 with either shared cache.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command, Option } from "commander";
import { redactUrl } from "../cache-option.js";
import { DemoFleet, type PhaseReport } from "../demo/fleet.js";
import type { DemoMode, DemoPhase } from "../demo/protocol.js";
import { redisReachable } from "../demo/redis-probe.js";
import { renderTable } from "../demo/table.js";
import { parsePositiveInt } from "../parsers.js";
import type { CommandResult } from "./result.js";

const ROLE_ARN = "arn:aws:iam::123456789012:role/Demo";

const EXAMPLES = `
Starts a local STS (no AWS account needed), then runs the workers three times: with no
shared cache (every worker calls AssumeRole), with a JSONFileCache in a temporary directory,
and with a KeyvCache on Redis when one answers within 1 s (skipped otherwise). Prints how
many AssumeRole calls STS received in each case; exits 0 when each shared cache made exactly 1.

Examples:
  $ assume-role demo
  $ assume-role demo --workers 16 --requests 1000
  $ assume-role demo --redis redis://redis.internal:6379
`;

interface DemoOptions {
  workers: number;
  requests: number;
  redis: string;
}

type StsLocalModule = typeof import("@assume-role-lib/sts-local");

async function loadStsLocal(): Promise<StsLocalModule | undefined> {
  try {
    return await import("@assume-role-lib/sts-local");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") return undefined;
    throw error;
  }
}

interface Row {
  label: string;
  mode: DemoMode;
  report?: PhaseReport;
  calls?: number;
  skipped?: string;
}

const log = (line: string) => process.stderr.write(`demo: ${line}\n`);

async function runDemo(options: DemoOptions): Promise<number> {
  const stsLocal = await loadStsLocal();
  if (!stsLocal) {
    process.stderr.write(
      "assume-role: the demo needs @assume-role-lib/sts-local, the local STS of the " +
        "assume-role-lib repository, and it is not installed here. Run the demo from a " +
        "checkout: pnpm install && pnpm build && pnpm demo\n",
    );
    return 1;
  }
  const sts = await stsLocal.startStsLocal();
  const dir = await mkdtemp(join(tmpdir(), "assume-role-demo-"));
  const namespace = `assume-role-demo-${process.pid}-${randomBytes(6).toString("hex")}`;
  let fleet: DemoFleet | undefined;
  const cleanup = async () => {
    fleet?.kill();
    await rm(dir, { recursive: true, force: true });
    await sts.close();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    log(`interrupted (${signal}); cleaning up`);
    void cleanup().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    log(`local STS at ${sts.endpoint}; role ${ROLE_ARN}`);
    const rows: Row[] = [
      { label: "no shared cache", mode: "none" },
      { label: "JSONFileCache (temp dir)", mode: "file" },
      { label: "KeyvCache (Redis)", mode: "redis" },
    ];
    const redisUp = await redisReachable(options.redis, 1000);
    const redisRow = rows[2] as Row;
    if (!redisUp) {
      redisRow.skipped = `skipped: no Redis at ${redactUrl(options.redis)}`;
      log(`Redis: nothing answered at ${redactUrl(options.redis)} within 1 s; skipping that phase`);
    }
    log(`starting ${options.workers} worker processes…`);
    const t0 = performance.now();
    fleet = await DemoFleet.start(options.workers, {
      endpoint: sts.endpoint,
      region: sts.region,
      credentials: {
        accessKeyId: sts.rootCredentials.accessKeyId,
        secretAccessKey: sts.rootCredentials.secretAccessKey,
      },
      roleArn: ROLE_ARN,
      requests: options.requests,
      preload: redisUp ? ["file", "redis"] : ["file"],
    });
    log(`workers ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    for (const [i, row] of rows.entries()) {
      const phase = `[${i + 1}/${rows.length}] ${row.label}`;
      if (row.skipped) continue;
      const config: DemoPhase = { mode: row.mode };
      if (row.mode === "file") config.cacheLocation = dir;
      if (row.mode === "redis") {
        config.cacheLocation = options.redis;
        config.namespace = namespace;
      }
      log(`${phase}: ${options.workers} workers × ${options.requests} credential requests…`);
      const before = sts.stats.calls("AssumeRole");
      row.report = await fleet.run(config);
      row.calls = sts.stats.calls("AssumeRole") - before;
      const failed = row.report.failures ? `, ${row.report.failures} failed requests` : "";
      const seconds = (row.report.ms / 1000).toFixed(2);
      log(`${phase}: done in ${seconds} s: ${plural(row.calls, "AssumeRole call")}${failed}`);
      if (row.report.firstError) log(`${phase}: first error: ${row.report.firstError}`);
      if (row.mode === "redis") await deleteRedisEntries(options.redis, namespace, row.report);
    }
    await fleet.close();

    const table = renderTable(
      ["mode", "workers", "credential requests", "AssumeRole calls"],
      rows.map((r) =>
        r.report
          ? [r.label, options.workers, r.report.requests, r.calls ?? 0]
          : [r.label, "-", "-", r.skipped ?? "-"],
      ),
    );
    process.stdout.write(`${table}\n`);
    const ok = rows.every(
      (r) =>
        r.skipped !== undefined ||
        (r.report?.failures === 0 && (r.mode === "none" || r.calls === 1)),
    );
    log(
      ok
        ? "OK: with a shared cache, the whole fleet made 1 AssumeRole call"
        : "FAILED: a shared cache made more than 1 AssumeRole call, or requests failed",
    );
    return ok ? 0 : 1;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await cleanup();
  }
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** Remove the run's entries from Redis (they would expire with the credentials anyway). */
async function deleteRedisEntries(url: string, namespace: string, report: PhaseReport) {
  try {
    const { KeyvCache } = await import("@assume-role-lib/keyv-cache");
    const cache = KeyvCache.redis(url, { namespace });
    try {
      for (const key of report.cacheKeys) await cache.delete(key);
    } finally {
      await cache.close();
    }
  } catch {
    // Best effort: a unique namespace and a TTL keep leftovers harmless.
  }
}

export function demoCommand(result: CommandResult): Command {
  return new Command("demo")
    .description("show a fleet of processes sharing one set of assumed-role credentials")
    .addOption(
      new Option("--workers <n>", "worker processes").argParser(parsePositiveInt).default(8),
    )
    .addOption(
      new Option("--requests <m>", "credential requests per worker")
        .argParser(parsePositiveInt)
        .default(200),
    )
    .addOption(
      new Option("--redis <url>", "Redis for the KeyvCache phase").default(
        "redis://127.0.0.1:6379",
      ),
    )
    .addOption(new Option("--debug", "print stack traces on stderr"))
    .addHelpText("after", EXAMPLES)
    .action(async (options: DemoOptions & { debug?: boolean }) => {
      result.debug = Boolean(options.debug);
      result.exitCode = await runDemo(options);
    });
}
