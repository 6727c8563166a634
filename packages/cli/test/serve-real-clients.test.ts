/**
 * Item 5: real SDK clients in other processes, each using its SDK's own default chain,
 * call GetCallerIdentity once a second across three credential lifetimes: the SDK for
 * JavaScript under `exec --server`, boto3 (Debian's python3-boto3) under `serve`.
 *
 * The clients' clocks cannot be driven, so sts-local issues credentials that live 10
 * seconds (issuedLifetimeSeconds): three lifetimes in about 30 s of real time. Such
 * credentials are always inside the SDKs' own refresh windows (5 and 15 minutes), so both
 * SDKs ask the server on every call; that the server's windows keep clients out of those
 * windows with real lifetimes is shown in serve-refresh-timing.test.ts.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, ROLE, readEnvFile, run, start, tempHome, waitFor } from "./helpers.js";

const LIFETIME_SECONDS = 10;
const CALLS = 3 * LIFETIME_SECONDS + 2;
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
const hasBoto3 = spawnSync(PYTHON, ["-c", "import boto3"]).status === 0;
if (!hasBoto3 && process.env.CI) throw new Error("python3-boto3 is missing: CI must install it");

let home: ReturnType<typeof tempHome>;
const servers: StsLocal[] = [];

beforeAll(() => {
  home = tempHome();
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  home.cleanup();
});

/** An sts-local of its own for each client, so its request log is that client's alone. */
async function shortLivedSts(): Promise<StsLocal> {
  const sts = await startStsLocal({
    issuedLifetimeSeconds: LIFETIME_SECONDS,
    requestLogSize: 10_000,
  });
  servers.push(sts);
  return sts;
}

/** The parent's keys and the region in the environment; the SDK clients' endpoint too. */
function environment(sts: StsLocal): NodeJS.ProcessEnv {
  return cleanEnv(home.home, {
    AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sts.rootCredentials.secretAccessKey,
    AWS_REGION: sts.region,
    AWS_ENDPOINT_URL_STS: sts.endpoint,
  });
}

/** What sts-local saw of the client's GetCallerIdentity calls. */
function observed(sts: StsLocal) {
  // The clients' calls: the server's own GetCallerIdentity (made once with the root keys,
  // to bind cache entries to their parent principal) is not one of them.
  const calls = sts.stats.requests.filter(
    (r) => r.action === "GetCallerIdentity" && r.accessKeyId !== sts.rootCredentials.accessKeyId,
  );
  return {
    calls: calls.length,
    failed: calls.filter((r) => r.status !== 200).length,
    keys: new Set(calls.map((r) => r.accessKeyId)),
  };
}

const cacheEntries = (dir: string) =>
  readdirSync(join(home.home, dir)).filter((f) => f.endsWith(".json"));

interface ClientLine {
  ok?: boolean;
  arn?: string;
  error?: string;
  method?: string;
}

const lines = (stdout: string): ClientLine[] =>
  stdout
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as ClientLine);

async function javascriptClient() {
  const sts = await shortLivedSts();
  const out = await run(
    [
      "exec",
      ROLE("RoleA"),
      "--endpoint-url",
      sts.endpoint,
      "--cache",
      join(home.home, "cache-js"),
      "--server",
      "--",
      process.execPath,
      fixture("sdk-client.mjs"),
      String(CALLS),
    ],
    environment(sts),
  );
  return { out, lines: lines(out.stdout), seen: observed(sts), sts };
}

async function boto3Client() {
  const sts = await shortLivedSts();
  const envFile = join(home.home, "serve.env");
  const server = start(
    [
      "serve",
      ROLE("RoleB"),
      "--endpoint-url",
      sts.endpoint,
      "--cache",
      join(home.home, "cache-py"),
      "--write-env-file",
      envFile,
    ],
    environment(sts),
  );
  await waitFor(() => server.stderr().includes("serving"), 20_000);
  const variables = readEnvFile(envFile);
  const client = spawn(PYTHON, [fixture("boto3-client.py"), String(CALLS)], {
    env: {
      ...cleanEnv(home.home),
      ...variables,
      AWS_REGION: sts.region,
      AWS_ENDPOINT_URL_STS: sts.endpoint,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  client.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  client.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => client.once("close", resolve));
  server.child.kill("SIGTERM");
  const serverOut = await server.done;
  return { code, stderr, lines: lines(stdout), seen: observed(sts), serverOut };
}

describe("real SDK clients across three credential lifetimes", () => {
  it.skipIf(!hasBoto3 && !process.env.CI)(
    "JavaScript (exec --server) and boto3 (serve): 0 errors, at least 3 access keys each",
    async () => {
      const [js, py] = await Promise.all([javascriptClient(), boto3Client()]);

      expect(js.out.code, js.out.stderr).toBe(0);
      expect(js.lines.filter((l) => l.ok)).toHaveLength(CALLS);
      expect(js.lines.every((l) => l.arn?.includes(":assumed-role/RoleA/"))).toBe(true);
      expect(js.seen.calls).toBe(CALLS);
      expect(js.seen.failed).toBe(0);
      expect(js.seen.keys.size).toBeGreaterThanOrEqual(3);
      expect(cacheEntries("cache-js")).toHaveLength(1); // served through the configured cache

      expect(py.code, py.stderr).toBe(0);
      expect(py.lines[0]?.method).toBe("container-role");
      expect(py.lines.filter((l) => l.ok)).toHaveLength(CALLS);
      expect(py.lines.every((l) => l.method || l.arn?.includes(":assumed-role/RoleB/"))).toBe(true);
      expect(py.seen.calls).toBe(CALLS);
      expect(py.seen.failed).toBe(0);
      expect(py.seen.keys.size).toBeGreaterThanOrEqual(3);
      expect(cacheEntries("cache-py")).toHaveLength(1);
      expect(py.serverOut.code).toBe(0);
    },
    120_000,
  );
});
