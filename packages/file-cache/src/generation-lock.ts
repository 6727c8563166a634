/**
 * A cross-process lock in a directory of numbered files, which breaks a dead holder's lock
 * atomically: however the processes are scheduled, exactly one of them gets it.
 *
 * Why not proper-lockfile (or any remove-then-create lock): breaking a stale lock there is
 * two steps, remove it and create a new one, so two processes that both judged it stale
 * can each remove the other's fresh lock, and both call STS. Its unlock also removes the
 * lock whoever owns it by then.
 *
 * Here every change of owner is one exclusive create (`O_CREAT | O_EXCL`) of the next
 * number in the lock directory; the highest number is the lock's state:
 *
 *   <key>.json.lock/
 *     41   {"released":true}        free
 *     42   {"pid":…,"host":…}       held; its owner touches the mtime every stale/3
 *
 * - To take the lock, read the highest file n. If it is released, or held but its mtime is
 *   older than the stale time (the owner died, even by SIGKILL), create n + 1. Taking a
 *   free lock and breaking a stale one are the same step: every process that saw state n
 *   races for the one name n + 1, and the file system lets exactly one create it.
 * - To release, create n + 1 as released. If that name exists, our lock was broken (we were
 *   frozen for longer than the stale time) and belongs to someone else: leave it alone.
 * - Anyone removes files two or more below the highest. The highest is never removed, so a
 *   state is never seen twice and a slow process cannot act on an old one: if its number
 *   was removed and reused, a higher one exists, and the check after creating sees it.
 *
 * An empty or unreadable top file is a holder that died between create and write: held
 * until its mtime is stale. After release one small file is left in the lock directory;
 * that is what keeps the numbering monotonic.
 */
import { constants, type Stats } from "node:fs";
import { type FileHandle, lstat, mkdir, open, readdir, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { assertTrustedLockDirectory } from "./trust.js";

// Not on every platform (Windows has neither); the lock still works there, less strictly.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const READ_FLAGS = constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
const CREATE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;
const GENERATION = /^[1-9][0-9]{0,14}$/;
const RELEASED = '{"released":true}';

const codeOf = (e: unknown) => (e as { code?: unknown } | undefined)?.code;

/** Why a lock directory cannot be used (a file or a link in its place). */
export class UnusableLockError extends Error {
  constructor(lockDir: string, why: string) {
    super(`Cannot lock with ${lockDir}: ${why}`);
    this.name = "UnusableLockError";
  }
}

/** The numbers in `lockDir`, ascending; empty when the directory does not exist. */
async function generations(lockDir: string): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(lockDir);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return [];
    throw error;
  }
  return names
    .filter((n) => GENERATION.test(n))
    .map(Number)
    .sort((a, b) => a - b);
}

type TopState = "free" | "held" | "gone";

/**
 * Whether generation `n` leaves the lock free: released, or held by a stale owner. An lstat
 * answers for a live holder (the common case, for every waiter of a crowd): only a file of
 * the released marker's size is opened and read.
 */
async function stateOf(lockDir: string, n: number, staleMs: number): Promise<TopState> {
  const path = join(lockDir, String(n));
  let info: Stats;
  try {
    info = await lstat(path);
  } catch (error) {
    // Removed since we listed it: a higher number exists, so look again.
    if (codeOf(error) === "ENOENT") return "gone";
    throw error;
  }
  const notRegular = () => new UnusableLockError(lockDir, `${n} is not a regular file`);
  if (!info.isFile()) throw notRegular();
  const stale = Date.now() - info.mtimeMs > staleMs;
  // An owner's record is longer than the marker; an empty file is an owner that died
  // between create and write.
  if (stale || info.size !== RELEASED.length) return stale ? "free" : "held";
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    if (codeOf(error) === "ENOENT") return "gone";
    throw error;
  }
  try {
    // What is read is what the handle's fstat describes, even if the path changed since.
    const opened = await handle.stat();
    if (!opened.isFile()) throw notRegular();
    const buffer = Buffer.alloc(RELEASED.length + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (buffer.toString("utf8", 0, bytesRead) === RELEASED) return "free";
    return Date.now() - opened.mtimeMs > staleMs ? "free" : "held";
  } finally {
    await handle.close();
  }
}

/** Create generation `n` with `text`; false when another process created it first. */
async function createGeneration(lockDir: string, n: number, text: string): Promise<boolean> {
  let handle: FileHandle;
  try {
    handle = await open(join(lockDir, String(n)), CREATE_FLAGS, 0o600);
  } catch (error) {
    if (codeOf(error) === "EEXIST") return false;
    throw error;
  }
  try {
    await handle.writeFile(text, "utf8");
  } finally {
    await handle.close();
  }
  return true;
}

/** Remove generations at least two below `top` (best effort: another process may be first). */
async function sweep(lockDir: string, numbers: number[], top: number): Promise<void> {
  await Promise.all(
    numbers
      .filter((n) => n <= top - 2)
      .map((n) => unlink(join(lockDir, String(n))).catch(() => {})),
  );
}

/** Create the lock directory if needed, and refuse anything but a trusted directory there. */
export async function prepareLockDir(lockDir: string): Promise<void> {
  // It exists after the first lock of a key: look before trying to create it.
  const info = await lstat(lockDir).catch(async (error) => {
    if (codeOf(error) !== "ENOENT") throw error;
    try {
      await mkdir(lockDir, { mode: 0o700 });
    } catch (e) {
      if (codeOf(e) !== "EEXIST") throw e;
    }
    return lstat(lockDir);
  });
  if (!info.isDirectory()) {
    throw new UnusableLockError(
      lockDir,
      info.isSymbolicLink() ? "it is a symbolic link" : "it is not a directory",
    );
  }
  // Another user's lock directory would let them hold our lock for ever, or break it.
  assertTrustedLockDirectory(lockDir, info);
}

/** A lock this process holds: its generation, until released or broken by another. */
export interface HeldGeneration {
  readonly generation: number;
  /** Touch the lock (keeps it from looking stale); false once another process broke it. */
  heartbeat(): Promise<boolean>;
  /** Give the lock up, unless another process broke it first. Idempotent. */
  release(): Promise<void>;
}

/**
 * One attempt to take the lock in `lockDir`: resolves the held generation, or undefined
 * when a live holder has it. The caller polls (and owns the waiting policy).
 */
export async function tryLock(
  lockDir: string,
  staleMs: number,
): Promise<HeldGeneration | undefined> {
  // A few rounds: losing a race for n + 1 means the state changed, and is worth a re-read.
  for (let round = 0; round < 8; round++) {
    const numbers = await generations(lockDir);
    const top = numbers.at(-1) ?? 0;
    void sweep(lockDir, numbers, top);
    const state = top === 0 ? "free" : await stateOf(lockDir, top, staleMs);
    if (state === "held") return undefined;
    if (state === "gone") continue;
    const mine = top + 1;
    const owner = JSON.stringify({ pid: process.pid, host: hostname(), at: Date.now() });
    if (!(await createGeneration(lockDir, mine, owner))) continue;
    // Our number may have been used and removed before, in which case a higher one exists
    // and the lock is not ours: that file sits below the top and is swept in time.
    if ((await generations(lockDir)).at(-1) === mine) return held(lockDir, mine);
  }
  return undefined;
}

function held(lockDir: string, generation: number): HeldGeneration {
  const file = join(lockDir, String(generation));
  let released = false;
  const isTop = async () => (await generations(lockDir)).at(-1) === generation;
  return {
    generation,
    async heartbeat() {
      if (released || !(await isTop())) return false;
      const now = new Date();
      // A touch after someone broke us would only delay their staleness check: harmless.
      await utimes(file, now, now).catch(() => {});
      return true;
    },
    async release() {
      if (released) return;
      released = true;
      // EEXIST: someone broke our lock and owns generation + 1; their lock stays theirs.
      await createGeneration(lockDir, generation + 1, RELEASED);
      await sweep(lockDir, await generations(lockDir), generation + 1);
    },
  };
}
