/**
 * Test helpers: run the built CLI as a real child process with a clean environment (a temp
 * HOME, empty AWS config files, no instance metadata), and find a Redis server if any.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type StsLocal, type StsLocalOptions, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll } from "vitest";
import { redisReachable } from "../src/demo/redis-probe.js";

export const CLI = fileURLToPath(new URL("../dist/cli.js", import.meta.url));
export const ROLE = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Our own stderr lines (the SDK's NodeVersionSupportWarning on Node 20 is not ours). */
export function ownLines(stderr: string): string[] {
  return stderr.split("\n").filter((l) => l.startsWith("assume-role:") || l.startsWith("demo:"));
}

/** A temp HOME with empty AWS config files; `cleanup()` removes it. */
export function tempHome(): { home: string; config: string; credentials: string; cleanup(): void } {
  const home = mkdtempSync(join(tmpdir(), "assume-role-cli-test-"));
  const config = join(home, "empty-config");
  const credentials = join(home, "empty-credentials");
  writeFileSync(config, "");
  writeFileSync(credentials, "");
  return {
    home,
    config,
    credentials,
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}

/** An environment with nothing from ours but PATH: no AWS variable, no real ~/.aws. */
export function cleanEnv(home: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: join(home, "empty-config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "empty-credentials"),
    ...extra,
  };
}

/** Start the CLI; the caller may talk to it (signals) before awaiting `done`. */
export function start(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { detached?: boolean } = {},
): {
  child: ChildProcess;
  done: Promise<RunResult>;
  stdout: () => string;
  stderr: () => string;
} {
  const child = spawn(process.execPath, [CLI, ...args], {
    env,
    stdio: ["ignore", "pipe", "pipe"],
    detached: options.detached ?? false,
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const done = new Promise<RunResult>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

/** Run the CLI to completion. */
export function run(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { detached?: boolean } = {},
): Promise<RunResult> {
  return start(args, env, options).done;
}

/** Resolve when `predicate(stdout)` holds, polling. */
export async function waitFor(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const t0 = Date.now();
  while (!check()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * A Redis to test against: REDIS_URL, else a throwaway `redis-server` on a free port (never
 * the machine's shared one); undefined when there is neither. Under CI that is an error:
 * .ci/run installs redis-server, so a missing one must not turn into a silent skip.
 */
export async function findRedis(): Promise<{ url: string; stop(): void } | undefined> {
  const found = await throwawayRedis();
  if (!found && process.env.CI) throw new Error("no redis-server: CI must install it");
  return found;
}

async function throwawayRedis(): Promise<{ url: string; stop(): void } | undefined> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: () => {} };
  const port = await freePort();
  let server: ChildProcess;
  try {
    server = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", ""], {
      stdio: "ignore",
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.once("spawn", () => resolve());
    });
  } catch {
    return undefined;
  }
  for (let i = 0; i < 50; i++) {
    if (await redisReachable(`redis://127.0.0.1:${port}`))
      return { url: `redis://127.0.0.1:${port}`, stop: () => server.kill() };
    await new Promise((r) => setTimeout(r, 100));
  }
  server.kill();
  return undefined;
}

/** sts-local, a temp HOME, and an environment whose parent credentials are sts-local's root keys. */
export interface CliFixture {
  sts: StsLocal;
  home: ReturnType<typeof tempHome>;
  env: NodeJS.ProcessEnv;
}

/**
 * A {@link CliFixture} for one test file, started before its tests and stopped after.
 * `extraEnv` adds variables (it may use the fixture's sts and home).
 */
export function useCliFixture(
  stsOptions: StsLocalOptions = {},
  extraEnv: (fixture: Omit<CliFixture, "env">) => Record<string, string> = () => ({}),
): CliFixture {
  const fixture = {} as CliFixture;
  beforeAll(async () => {
    fixture.sts = await startStsLocal(stsOptions);
    fixture.home = tempHome();
    fixture.env = cleanEnv(fixture.home.home, {
      AWS_ACCESS_KEY_ID: fixture.sts.rootCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: fixture.sts.rootCredentials.secretAccessKey,
      AWS_REGION: fixture.sts.region,
      ...extraEnv(fixture),
    });
  });
  afterAll(async () => {
    await fixture.sts.close();
    fixture.home.cleanup();
  });
  return fixture;
}

/** The `NAME=value` lines of an env file, as variables. */
export function readEnvFile(path: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(path, "utf8")
      .trim()
      .split("\n")
      .map((line) => line.split(/=(.*)/s).slice(0, 2)),
  );
}
