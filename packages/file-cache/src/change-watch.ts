/**
 * Change notices for JSONFileCache.waitForChange: one `fs.watch` of the cache directory
 * per cache object, open only while someone waits. An entry is written by renaming a temp
 * file to `<key>.json`, which the watch reports at once; a waiter then reads the entry
 * about a millisecond after it was written, instead of on its next poll. The lock
 * directory is not watched: every change of it (taking, touching, sweeping, releasing)
 * would wake every waiter of a large fleet to read and try the lock in vain, and the CPU
 * that herd takes slows the holder down. A holder that gives the lock up without writing
 * anything (its STS call failed, and failures are not shared) is noticed on the next
 * poll instead.
 *
 * Notices are a speed-up, never needed for correctness: every wait also ends at its time
 * out. A watch that cannot be opened (inotify's per-user limit of instances, 128 by
 * default, reached by a large fleet on one host; a file system without notices) makes
 * `wait` reject, and the core then re-reads on its short timer instead; a directory that
 * does not exist yet is waited on by time out and watched once it does.
 */
import { type FSWatcher, watch } from "node:fs";

interface Waiter {
  key: string;
  wake: () => void;
}

/** Waiters on the entries of one directory, woken by its watch. */
export class DirectoryWatch {
  readonly #dir: string;
  readonly #waiters = new Set<Waiter>();
  #watcher: FSWatcher | undefined;
  /** Set once a watch failed: waits on this directory then reject (the core polls). */
  #unavailable = false;
  #why = "";

  constructor(dir: string) {
    this.#dir = dir;
  }

  /**
   * Resolves when a file named after `key` changes in the directory, after `timeoutMs`, or
   * when `signal` aborts. Armed at the call: the watch is open before this returns.
   */
  wait(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#open();
      if (this.#unavailable) {
        reject(new Error(`cannot watch ${this.#dir} for changes: ${this.#why}`));
        return;
      }
      const waiter: Waiter = { key, wake: () => finish() };
      const timer = setTimeout(() => finish(), timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", finish);
        this.#waiters.delete(waiter);
        if (this.#waiters.size === 0) this.#close();
        resolve();
      };
      if (signal?.aborted) return finish();
      signal?.addEventListener("abort", finish, { once: true });
      this.#waiters.add(waiter);
    });
  }

  #open(): void {
    if (this.#watcher || this.#unavailable) return;
    try {
      // Not persistent: a watch must never keep a process alive (the waits' timers do).
      this.#watcher = watch(this.#dir, { persistent: false }, (_event, name) => this.#notice(name));
      this.#watcher.on("error", (error) => this.#fail(error));
    } catch (error) {
      this.#fail(error);
    }
  }

  /** `<key>.json` and `<key>.refresh-failure.json` wake the waiters of `key`. */
  #notice(name: string | Buffer | null): void {
    const file = name === null ? undefined : String(name);
    for (const waiter of [...this.#waiters]) {
      // A notice without a name (some platforms) may be anyone's: wake everyone.
      if (
        file === undefined ||
        file === `${waiter.key}.json` ||
        file === `${waiter.key}.refresh-failure.json`
      ) {
        waiter.wake();
      }
    }
  }

  #fail(error?: unknown): void {
    const code = (error as { code?: unknown } | undefined)?.code;
    // A directory not made yet will be, by the first write: watch it next time.
    if (code !== "ENOENT") {
      this.#unavailable = true;
      this.#why = typeof code === "string" ? code : String((error as Error | undefined)?.message);
    }
    this.#close();
  }

  #close(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }
}
