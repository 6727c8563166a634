import type { CacheEntry } from "./cache-entry.js";
import type { FailureRecord } from "./shared-failure.js";

/** Options the core passes to {@link CredentialCache.lock}. */
export interface LockOptions {
  /** Give up waiting after this long; the core then calls STS without the lock. */
  waitMs: number;
  /**
   * The lease: a holder that dies keeps the lock at most this long (stale time / lease
   * TTL). A live holder whose work takes longer renews it (see {@link ReleaseLock.renew}).
   */
  ttlMs: number;
}

/**
 * Releases a lock. Releasing twice, or after the lease expired, is harmless.
 *
 * A lock may also offer `renew()`: extend the lease to `ttlMs` from now, resolving true
 * while this holder still has the lock and false once another holder took it over. The
 * core calls it every third of `ttlMs` while its STS call runs, so a slow STS does not
 * hand the lock to a waiter (and a second STS call). Locks without it simply expire after
 * `ttlMs`; a plain function is a valid release handle.
 */
export interface ReleaseLock {
  (): void | Promise<void>;
  /** Extend the lease to `ttlMs` from now; false when the lock is no longer ours. */
  renew?(): boolean | Promise<boolean>;
}

/**
 * The cache interface: Map-like, each method sync or async, so a plain `new Map()` is a
 * valid cache. Values read back are parsed with the core's schema, so a cache may hold
 * anything: what does not parse is a miss.
 */
export interface CredentialCache {
  /** The value stored under `key` (any shape: the core parses it), or undefined/null. */
  get(key: string): unknown;
  /**
   * Store a document under `key`: an entry, or (under `failureKey(key)`) the record of a
   * failed refresh that the fleet shares. A TTL store can keep either until
   * `documentExpiration(value)`.
   */
  set(key: string, value: CacheEntry | FailureRecord): unknown;
  /** Whether anything is stored under `key`. */
  has(key: string): boolean | Promise<boolean>;
  /** Remove `key`; true when something was removed. */
  delete(key: string): boolean | Promise<boolean>;
  /**
   * Optional cross-process single-flight. Resolves to a release function once the lock is
   * held, or to `undefined` if it was not acquired within `waitMs`. Rejections are cache
   * errors: the core reports them and calls STS anyway.
   */
  lock?(key: string, options: LockOptions): Promise<ReleaseLock | undefined>;
  /**
   * Optional: resolve when what is stored under `key` (or `<key>.refresh-failure`) may have
   * changed, or after `timeoutMs`, or when `signal` aborts, whichever comes first; never
   * rejects for a timeout. The wait is armed when the method is called: a change made after
   * the call resolves it even if it comes before the promise is awaited (the core calls it,
   * then reads, then awaits). A process waiting for another's refresh then reads the new
   * entry as soon as it is written (JSONFileCache watches its directory). Without it the
   * core re-reads on a short timer. A wake-up without a change is harmless.
   */
  waitForChange?(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void>;
  /** Optional: release connections and handles. The core never calls it; owners do. */
  close?(): unknown;
}

/**
 * A process-local lock table: the in-memory lock of MemoryCache, and a building block for
 * caches that need in-process exclusion on top of a cross-process lock.
 */
export class LocalLocks {
  readonly #held = new Map<string, Array<() => void>>();

  /** Acquire `key`, waiting up to `waitMs`; resolves undefined on timeout. */
  acquire(key: string, { waitMs, ttlMs }: LockOptions): Promise<ReleaseLock | undefined> {
    const waiters = this.#held.get(key);
    if (!waiters) {
      this.#held.set(key, []);
      return Promise.resolve(this.#releaser(key, ttlMs));
    }
    return new Promise((resolve) => {
      const grant = () => {
        clearTimeout(timer);
        resolve(this.#releaser(key, ttlMs));
      };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(grant), 1);
        resolve(undefined);
      }, waitMs);
      waiters.push(grant);
    });
  }

  #releaser(key: string, ttlMs: number): ReleaseLock {
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      clearTimeout(lease);
      const next = this.#held.get(key)?.shift();
      if (next) next();
      else this.#held.delete(key);
    };
    // The lease bounds how long a holder that never releases (a bug, a hung await) blocks others.
    let lease = setTimeout(release, ttlMs);
    lease.unref?.();
    const renew = () => {
      if (released) return false;
      clearTimeout(lease);
      lease = setTimeout(release, ttlMs);
      lease.unref?.();
      return true;
    };
    return Object.assign(release, { renew });
  }
}

/**
 * The default cache: a Map with an in-process lock. Shares credentials between sessions of
 * one process that assume the same role with the same parameters.
 */
export class MemoryCache implements CredentialCache {
  readonly #entries = new Map<string, unknown>();
  readonly #locks = new LocalLocks();

  /** {@inheritDoc CredentialCache.get} */
  get(key: string): unknown {
    return this.#entries.get(key);
  }
  /** {@inheritDoc CredentialCache.set} */
  set(key: string, value: CacheEntry | FailureRecord): void {
    // A copy, so callers mutating their object cannot change what the cache holds.
    this.#entries.set(key, structuredClone(value));
  }
  /** {@inheritDoc CredentialCache.has} */
  has(key: string): boolean {
    return this.#entries.has(key);
  }
  /** {@inheritDoc CredentialCache.delete} */
  delete(key: string): boolean {
    return this.#entries.delete(key);
  }
  /** An in-process lock: MemoryCache is shared within one process only. */
  lock(key: string, options: LockOptions): Promise<ReleaseLock | undefined> {
    return this.#locks.acquire(key, options);
  }
  /** Number of entries (for tests and diagnostics). */
  get size(): number {
    return this.#entries.size;
  }
}
