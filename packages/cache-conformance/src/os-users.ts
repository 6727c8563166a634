/**
 * Real local users for hostile-user tests: a victim and an attacker (`arl-victim`,
 * `arl-mallory`), created with useradd, whose steps run as real child processes with their
 * uid and gid. Permissions are only proven against another uid, so these tests never fake
 * one; where they cannot run, they are skipped with the reason.
 *
 * They run only as root on Linux, and only under CI=true or with
 * ASSUME_ROLE_LIB_OS_USER_TESTS=1: creating users changes the machine.
 */
import { type SpawnOptions, spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** A local user the tests act as. */
export interface OsUser {
  name: string;
  uid: number;
  gid: number;
}

/** The two users, or why the tests that need them are skipped. */
export type OsUsers =
  | { available: true; victim: OsUser; mallory: OsUser }
  | { available: false; reason: string };

/** What one run as another user printed, and how it ended. */
export interface RunAsResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const OPT_IN = "ASSUME_ROLE_LIB_OS_USER_TESTS";

function lookup(name: string): OsUser | undefined {
  const out = spawnSync("getent", ["passwd", name], { encoding: "utf8" });
  if (out.status !== 0) return undefined;
  const [, , uid, gid] = out.stdout.trim().split(":");
  return { name, uid: Number(uid), gid: Number(gid) };
}

/** The user `name`, created if needed (idempotent, and safe when two test files race). */
function ensureUser(name: string): OsUser {
  for (let attempt = 0; attempt < 20; attempt++) {
    const found = lookup(name);
    if (found) return found;
    // --user-group: a private group. No home, no login shell: the tests spawn node directly.
    // Exit 9: another process created it first; 10: /etc/passwd is locked, try again.
    const made = spawnSync(
      "useradd",
      ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
      { encoding: "utf8" },
    );
    if (made.status !== 0 && made.status !== 9 && made.status !== 10) {
      throw new Error(`useradd ${name} failed (${made.status}): ${made.stderr.trim()}`);
    }
    if (made.status === 10) spawnSync("sleep", ["0.2"]);
  }
  throw new Error(`could not create user ${name}`);
}

/** Whether every directory above `path` lets others search it, and `path` lets them `mode`. */
function othersMay(path: string, mode: number): boolean {
  try {
    for (let p = dirname(path); p !== dirname(p); p = dirname(p)) {
      if (!(statSync(p).mode & 0o001)) return false;
    }
    return (statSync(path).mode & mode) === mode;
  } catch {
    return false;
  }
}

let cached: OsUsers | undefined;

/**
 * The victim and the attacker, created on first use; or `available: false` with the reason
 * (not root, not Linux, not opted in, a node binary or checkout they cannot read).
 */
export function osUsers(): OsUsers {
  cached ??= findOsUsers();
  return cached;
}

function findOsUsers(): OsUsers {
  if (process.platform !== "linux") return { available: false, reason: "needs Linux" };
  if (process.geteuid?.() !== 0) {
    return { available: false, reason: "needs root to create users and run processes as them" };
  }
  if (process.env.CI !== "true" && process.env[OPT_IN] !== "1") {
    return {
      available: false,
      reason: `creates local users: runs under CI=true or with ${OPT_IN}=1`,
    };
  }
  if (spawnSync("useradd", ["--help"]).error) {
    return { available: false, reason: "useradd is not installed" };
  }
  if (!othersMay(process.execPath, 0o005)) {
    return { available: false, reason: `other users cannot run ${process.execPath}` };
  }
  const here = fileURLToPath(import.meta.url);
  if (!othersMay(here, 0o004)) {
    return { available: false, reason: `other users cannot read the checkout (${here})` };
  }
  const victim = ensureUser("arl-victim");
  const mallory = ensureUser("arl-mallory");
  // The proof that they can load this checkout: a module import as the victim.
  const probe = spawnSync(process.execPath, ["-e", `import(${JSON.stringify(here)})`], {
    uid: victim.uid,
    gid: victim.gid,
    cwd: tmpdir(),
    encoding: "utf8",
  });
  if (probe.status !== 0) {
    return {
      available: false,
      reason: `${victim.name} cannot load the checkout: ${probe.stderr.trim().split("\n")[0]}`,
    };
  }
  return { available: true, victim, mallory };
}

/** A fresh directory under the system temp directory, owned by `user`, with `mode`. */
export function tempDirOwnedBy(user: OsUser, prefix: string, mode = 0o700): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chownSync(dir, user.uid, user.gid);
  chmodSync(dir, mode);
  return dir;
}

/**
 * Run `process.execPath args…` (or `options.file args…`) as `user`, with a minimal
 * environment (PATH, HOME = the temp directory, and `options.env`); resolves when done.
 */
export function runAs(
  user: OsUser,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; timeoutMs?: number; file?: string } = {},
): Promise<RunAsResult> {
  const spawnOptions: SpawnOptions = {
    uid: user.uid,
    gid: user.gid,
    cwd: options.cwd ?? tmpdir(),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: tmpdir(), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  };
  return new Promise((resolve, reject) => {
    const child = spawn(options.file ?? process.execPath, args, spawnOptions);
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 30_000);
    child.once("error", reject);
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** One file-system or cache step of an {@link actAs} script. */
export type ActorStep =
  | { do: "mkdir"; path: string; mode: number }
  | { do: "chmod"; path: string; mode: number }
  | { do: "write"; path: string; text: string; mode?: number }
  | { do: "read"; path: string }
  | { do: "readdir"; path: string }
  | { do: "symlink"; target: string; path: string }
  | { do: "rename"; from: string; to: string }
  | { do: "unlink"; path: string }
  | {
      do: "cache";
      /** Absolute path of a module exporting `factory(args)` → a cache. */
      module: string;
      factory: string;
      args: unknown;
      method: "get" | "set" | "has" | "delete" | "lock";
      key: string;
      /** The second argument: the entry of `set`, the options of `lock`. */
      arg?: unknown;
    };

/** The outcome of one step: its value, or the error's name, code and message. */
export type ActorOutcome =
  | { ok: true; value?: unknown }
  | { ok: false; name: string; code?: string; message: string };

const ACTOR = fileURLToPath(new URL("./actor.js", import.meta.url));

/** Run `steps` in order as `user` (each runs whatever the previous ones did); their outcomes. */
export async function actAs(user: OsUser, steps: ActorStep[]): Promise<ActorOutcome[]> {
  const run = await runAs(user, [ACTOR, JSON.stringify(steps)]);
  if (run.code !== 0) throw new Error(`actor as ${user.name} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as ActorOutcome[];
}
