/**
 * Test helpers: run the built CLI as a real child process with a clean environment (a temp
 * HOME, empty AWS config files, no instance metadata), and find a Redis server if any.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type StsLocal, type StsLocalOptions, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll } from "vitest";
import { redisReachable } from "../src/demo/redis-probe.js";

export const CLI = fileURLToPath(new URL("../dist/cli.cjs", import.meta.url));
export const ROLE = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** How to start the CLI: in its own process group (no terminal), in a directory. */
export interface RunOptions {
  detached?: boolean;
  cwd?: string;
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

/** {@link cleanEnv} with `sts`'s root keys as the parent credentials, and its region. */
export function parentEnv(home: string, sts: StsLocal): NodeJS.ProcessEnv {
  return cleanEnv(home, {
    AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sts.rootCredentials.secretAccessKey,
    AWS_REGION: sts.region,
  });
}

/** Start the CLI; the caller may talk to it (signals) before awaiting `done`. */
export function start(
  args: string[],
  env: NodeJS.ProcessEnv,
  options: RunOptions = {},
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
    ...(options.cwd ? { cwd: options.cwd } : {}),
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
  options: RunOptions = {},
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

/** Whether Python's pty module is here, to run the CLI at a real pseudo-terminal. */
export const hasPty = spawnSync("python3", ["-c", "import pty"]).status === 0;

/**
 * Run `argv` at a real pseudo-terminal (Python's pty module): once its output shows
 * "ready", type `keys` (e.g. "\x03" for Ctrl-C); with `continueAfterMs`, then send SIGCONT
 * to the whole process group after that long, as a shell's `fg` does (first printing the
 * wrapper's state from /proc as `STATE=<letter>`). Returns everything the terminal showed
 * once `doneMarker` appears (or after 30 s).
 */
export function runAtTerminal(
  argv: string[],
  env: NodeJS.ProcessEnv,
  keys: string,
  doneMarker: string,
  continueAfterMs?: number,
): Promise<string> {
  const driver = `
import os, pty, signal, sys, time, json
args = json.loads(sys.argv[1])
keys = sys.argv[3].encode()
done = sys.argv[4].encode()
resume = float(sys.argv[5])
pid, fd = pty.fork()
if pid == 0:
    os.execvpe(args[0], args, json.loads(sys.argv[2]))
out = b""
deadline = time.time() + 30
sent_at = None
while time.time() < deadline:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if b"ready" in out and sent_at is None:
        os.write(fd, keys)
        sent_at = time.time()
        if resume >= 0:
            time.sleep(resume / 1000)
            state = open("/proc/%d/stat" % pid).read().split(") ")[1][0]
            out += ("STATE=%s\\n" % state).encode()
            os.killpg(os.getpgid(pid), signal.SIGCONT)
    if done in out:
        time.sleep(0.2)
        break
sys.stdout.write(out.decode(errors="replace"))
`;
  // Not spawnSync: the test's sts-local runs in this process and must go on answering.
  const python = spawn(
    "python3",
    [
      "-c",
      driver,
      JSON.stringify(argv),
      JSON.stringify(env),
      keys,
      doneMarker,
      String(continueAfterMs ?? -1),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  let shown = "";
  python.stdout?.on("data", (d: Buffer) => {
    shown += d.toString();
  });
  const timer = setTimeout(() => python.kill("SIGKILL"), 40_000);
  return new Promise((resolve, reject) => {
    python.once("error", reject);
    python.once("close", () => {
      clearTimeout(timer);
      resolve(shown);
    });
  });
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
