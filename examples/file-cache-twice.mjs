// Two processes, one JSONFileCache: the first calls AssumeRole and writes the entry, the
// second reads it and makes no STS call. This is what every script and CLI run on a
// developer machine gets from a shared cache directory (~/.aws/cli/cache in real use).
//
//   node examples/file-cache-twice.mjs [--cache-dir DIR]
//
// Starts a local STS in this process, then runs itself twice as a child process (one
// after the other) against it, and prints the AssumeRole calls STS received for each run:
// 1, then 0. Without --cache-dir a temporary directory is used and removed; with it, the
// directory is kept so you can look at the entry (a botocore-format JSON file, mode 0600).
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Session } from "@assume-role-lib/core";
import { JSONFileCache } from "@assume-role-lib/file-cache";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const ENV = "EXAMPLE_FILE_CACHE_CHILD";

/** The session both runs build: same parent keys, same role, same parameters. */
function buildSession(config, cache, onEvent) {
  const parent = Session.fromCredentials(
    { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    { region: config.region, stsClientConfig: { endpoint: config.endpoint } },
  );
  // No RoleSessionName: a generated one differs per process, and is left out of the cache
  // key (as botocore does), so the second process still finds the first one's entry.
  return parent.assumeRole(`arn:aws:iam::${config.accountId}:role/Demo`, {
    cache,
    ...(onEvent ? { onEvent } : {}),
  });
}

/** A child run: get credentials through the file cache, use them, report. */
async function child(config) {
  let source;
  const session = buildSession(config, new JSONFileCache(config.cacheDir), (event) => {
    if (event.type === "refresh-succeeded") source = event.source;
  });
  const client = session.client(STSClient, { endpoint: config.endpoint });
  const { Arn } = await client.send(new GetCallerIdentityCommand({}));
  const { accessKeyId } = await session.credentials();
  console.log(JSON.stringify({ source, accessKeyId, arn: Arn }));
}

function runChild(config) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [fileURLToPath(import.meta.url)], {
      env: { ...process.env, [ENV]: JSON.stringify(config) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout.on("data", (chunk) => {
      out += chunk;
    });
    proc.on("error", reject);
    proc.on("exit", (code) =>
      code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`child exited with ${code}`)),
    );
  });
}

async function main() {
  const { values } = parseArgs({ options: { "cache-dir": { type: "string" } } });
  const { startStsLocal } = await import("@assume-role-lib/sts-local");
  const sts = await startStsLocal();
  const cacheDir = values["cache-dir"] ?? (await mkdtemp(join(tmpdir(), "assume-role-example-")));
  try {
    const config = {
      endpoint: sts.endpoint,
      region: sts.region,
      accountId: sts.accountId,
      ...sts.rootCredentials,
      cacheDir,
    };
    // An entry left by an earlier run holds keys of a local STS that has stopped: remove it.
    // (The cache key identifies the request, not the parent credentials.)
    const cache = new JSONFileCache(cacheDir);
    await cache.delete(buildSession(config, cache).cacheKey);

    console.log(`cache directory: ${cache.dir}`);
    for (const run of [1, 2]) {
      const before = sts.stats.calls("AssumeRole");
      const result = await runChild(config);
      const calls = sts.stats.calls("AssumeRole") - before;
      console.log(
        `run ${run}: AssumeRole calls ${calls}, credentials from ${result.source}, ` +
          `${result.accessKeyId}, ${result.arn}`,
      );
    }
  } finally {
    await sts.close();
    if (!values["cache-dir"]) await rm(cacheDir, { recursive: true, force: true });
  }
}

if (process.env[ENV]) await child(JSON.parse(process.env[ENV]));
else await main();
