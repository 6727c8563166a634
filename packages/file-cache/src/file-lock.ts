/**
 * Cross-process locks on files, for single-flight refreshes: of all the processes on a host
 * that need new credentials for one key, one calls STS and the others read its entry.
 *
 * Two layers: an in-process {@link LocalLocks} table first, so sessions of one process
 * queue in memory instead of polling the file system against each other, then a
 * generation lock in `<key>.json.lock/` shared with other processes (generation-lock.ts:
 * why it is not proper-lockfile, and why exactly one process breaks a dead holder's lock).
 *
 * Timing, for a lock taken with `{ waitMs, ttlMs }`:
 * - stale = max(ttlMs, 2000): a holder that died (even by SIGKILL, which runs no exit
 *   handler) stops touching its lock; others break it once it is this old.
 * - heartbeat = stale / 3: a live holder touches the lock that often, so a slow STS call is
 *   never mistaken for a dead holder, even with a timer or two delayed on a busy machine.
 * - lease = ttlMs: a live holder that never releases (a bug, a hung await) gives the lock up
 *   after ttlMs, unless it renews the lease (`release.renew()`, which the core calls while
 *   its STS call runs).
 */
import { LocalLocks, type LockOptions, type ReleaseLock } from "@assume-role-lib/core/cache";
import { type HeldGeneration, prepareLockDir, tryLock } from "./generation-lock.js";

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
  /** The lock directory (`<key>.json.lock`). */
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
   * directory is missing and cannot be created, is read-only, is a file, is a link, …).
   */
  async acquire(
    target: LockTarget,
    { waitMs, ttlMs }: LockOptions,
  ): Promise<ReleaseLock | undefined> {
    const deadline = Date.now() + waitMs;
    // The local lease is only a backstop (ours below ends first and gives the file lock up).
    const releaseLocal = await this.#local.acquire(target.key, { waitMs, ttlMs: ttlMs + 1000 });
    if (!releaseLocal) return undefined;
    try {
      const held = await this.#acquireFile(target, Math.max(ttlMs, 2000), deadline);
      if (!held) {
        releaseLocal();
        return undefined;
      }
      return this.#lease(target.key, held, releaseLocal, ttlMs);
    } catch (error) {
      releaseLocal();
      throw error;
    }
  }

  async #acquireFile(
    target: LockTarget,
    staleMs: number,
    deadline: number,
  ): Promise<{ lock: HeldGeneration; staleMs: number } | undefined> {
    await target.prepare();
    await prepareLockDir(target.lockDir);
    let preparedAgain = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const lock = await tryLock(target.lockDir, staleMs);
        if (lock) return { lock, staleMs };
      } catch (error) {
        if (codeOf(error) !== "ENOENT" || preparedAgain) throw error;
        // The directory was removed after prepare(): recreate it once, as a write would.
        preparedAgain = true;
        await target.prepare();
        await prepareLockDir(target.lockDir);
        continue;
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
    key: string,
    { lock, staleMs }: { lock: HeldGeneration; staleMs: number },
    releaseLocal: () => void | Promise<void>,
    ttlMs: number,
  ): ReleaseLock {
    let released = false;
    const beat = setInterval(() => {
      lock.heartbeat().then(
        (stillOurs) => {
          if (stillOurs || released) return;
          clearInterval(beat);
          this.#reportCompromised(key, lock.generation);
        },
        () => {
          // A failed touch is retried on the next beat; the lock only goes stale after three.
        },
      );
    }, staleMs / 3);
    beat.unref();
    const release = async () => {
      if (released) return;
      released = true;
      clearInterval(beat);
      clearTimeout(lease);
      try {
        await lock.release();
      } finally {
        await releaseLocal();
      }
    };
    const startLease = () => {
      const timer = setTimeout(() => {
        release().catch(() => {
          // Nobody to report to from a timer; the next holder breaks the lock once stale.
        });
      }, ttlMs);
      timer.unref();
      return timer;
    };
    let lease = startLease();
    // A holder whose STS call outlives the lease extends it (the core calls this while it
    // waits for STS): true while the lock is still ours, false once another process broke it.
    const renew = async (): Promise<boolean> => {
      if (released || !(await lock.heartbeat())) return false;
      clearTimeout(lease);
      lease = startLease();
      await (releaseLocal as { renew?: () => unknown }).renew?.();
      return true;
    };
    return Object.assign(release, { renew });
  }

  #reportCompromised(key: string, generation: number): void {
    try {
      this.#options.onCompromised(
        key,
        new Error(`lock generation ${generation} was broken by another process`),
      );
    } catch {
      // A reporting hook must not take the process down.
    }
  }
}
