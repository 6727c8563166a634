/**
 * Cross-process locks on files, for single-flight refreshes: of all the processes on a host
 * that need new credentials for one key, one calls STS and the others read its entry.
 *
 * Two layers: an in-process {@link LocalLocks} table first, so sessions of one process
 * queue in memory instead of polling the file system against each other, then a
 * proper-lockfile lock (an atomic `mkdir` of `<key>.json.lock`) shared with other processes.
 *
 * Timing, for a lock taken with `{ waitMs, ttlMs }`:
 * - stale = max(ttlMs, 2000): a holder that died (even by SIGKILL, which runs no exit
 *   handler) stops refreshing the lock's mtime; others break it once it is this old.
 *   proper-lockfile refuses stale times under 2 s.
 * - update = stale / 2: a live holder touches the lock that often, so a slow STS call is
 *   never mistaken for a dead holder.
 * - lease = ttlMs: a live holder that never releases (a bug, a hung await) gives the lock up
 *   after ttlMs. Its mtime is then at most stale / 2 old, so nobody has broken it yet and
 *   the unlock cannot remove someone else's lock.
 */
import { LocalLocks, type LockOptions, type ReleaseLock } from "@assume-role-lib/core/cache";
import lockfile from "proper-lockfile";

/** Tuning and reporting for {@link FileLocks}. */
export interface FileLockOptions {
  /** First poll interval while the lock is held elsewhere (ms). */
  pollMinMs: number;
  /** Longest poll interval (ms): bounds how late a waiter notices a release. */
  pollMaxMs: number;
  /** Called (never throwing) when another process broke a lock this process held. */
  onCompromised: (key: string, error: Error) => void;
}

/** What a lock needs to know about the files of one key. */
export interface LockTarget {
  key: string;
  /** The entry file the lock protects (it need not exist). */
  entryFile: string;
  /** The lock directory proper-lockfile creates. */
  lockDir: string;
  /** Make sure the cache directory exists (the lock directory is created inside it). */
  prepare: () => Promise<void>;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const codeOf = (e: unknown) => (e as { code?: unknown } | undefined)?.code;

/** A lock table over lock directories, with bounded waits and leases. */
export class FileLocks {
  readonly #local = new LocalLocks();
  readonly #options: FileLockOptions;

  constructor(options: FileLockOptions) {
    this.#options = options;
  }

  /**
   * Take the lock of `target`, waiting at most `waitMs`. Resolves a release function, or
   * undefined on timeout; rejects when the file system cannot hold a lock at all (the
   * directory is missing and cannot be created, is read-only, is a file, …).
   */
  async acquire(
    target: LockTarget,
    { waitMs, ttlMs }: LockOptions,
  ): Promise<ReleaseLock | undefined> {
    const deadline = Date.now() + waitMs;
    // The local lease is only a backstop (ours below ends first and unlocks the file).
    const releaseLocal = await this.#local.acquire(target.key, { waitMs, ttlMs: ttlMs + 1000 });
    if (!releaseLocal) return undefined;
    try {
      const held = await this.#acquireFile(target, ttlMs, deadline);
      if (!held) {
        releaseLocal();
        return undefined;
      }
      return this.#lease(held, releaseLocal, ttlMs);
    } catch (error) {
      releaseLocal();
      throw error;
    }
  }

  async #acquireFile(
    target: LockTarget,
    ttlMs: number,
    deadline: number,
  ): Promise<{ unlock: () => Promise<void>; compromised: () => boolean } | undefined> {
    const stale = Math.max(ttlMs, 2000);
    let compromised = false;
    const lockOptions: lockfile.LockOptions = {
      lockfilePath: target.lockDir,
      // The entry may not exist yet, and its directory's real path is already resolved.
      realpath: false,
      stale,
      update: stale / 2,
      retries: 0,
      // proper-lockfile's default throws from a timer, crashing the process.
      onCompromised: (error) => {
        compromised = true;
        try {
          this.#options.onCompromised(target.key, error);
        } catch {
          // A reporting hook must not take the process down either.
        }
      },
    };
    await target.prepare();
    let preparedAgain = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const unlock = await lockfile.lock(target.entryFile, lockOptions);
        return { unlock, compromised: () => compromised };
      } catch (error) {
        const code = codeOf(error);
        if (code === "ENOENT" && !preparedAgain) {
          // The directory was removed after prepare(): recreate it once, as a write would.
          preparedAgain = true;
          await target.prepare();
          continue;
        }
        if (code !== "ELOCKED") throw error;
      }
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      const { pollMinMs, pollMaxMs } = this.#options;
      // Exponential backoff with jitter, so a crowd of waiters does not poll in lockstep.
      const base = Math.min(pollMaxMs, pollMinMs * 2 ** Math.min(attempt, 16));
      await sleep(Math.min(left, base * (0.5 + Math.random() / 2)));
    }
  }

  #lease(
    held: { unlock: () => Promise<void>; compromised: () => boolean },
    releaseLocal: () => void | Promise<void>,
    ttlMs: number,
  ): ReleaseLock {
    let released = false;
    const release = async () => {
      if (released) return;
      released = true;
      clearTimeout(lease);
      try {
        // A compromised lock belongs to someone else now: leave their lock directory alone.
        if (!held.compromised()) await held.unlock();
      } catch (error) {
        if (codeOf(error) !== "ERELEASED" && codeOf(error) !== "ENOTACQUIRED") throw error;
      } finally {
        await releaseLocal();
      }
    };
    const lease = setTimeout(() => {
      release().catch(() => {
        // Nobody to report to from a timer; the next holder breaks the lock once stale.
      });
    }, ttlMs);
    lease.unref();
    return release;
  }
}
