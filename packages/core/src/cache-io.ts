/**
 * Every cache operation the core awaits, under a deadline. A cache that fails or hangs is
 * reported (`cache-error`) and treated as a miss: the caller still gets credentials from
 * STS. After the first timeout the rest of that refresh leaves the cache alone, so a hung
 * backend costs one deadline per refresh, not one per step.
 */
import type { CredentialCache, LockOptions, ReleaseLock } from "./cache.js";
import type { CacheEntry } from "./cache-entry.js";
import { type AssumeRoleEvent, type CacheOperation, sanitizeError } from "./events.js";
import type { FailureRecord } from "./shared-failure.js";

/** A cache operation did not settle within its deadline. */
export class CacheTimeoutError extends Error {
  override readonly name = "CacheTimeoutError";
  /** Node-style code, kept by the error sanitizer. */
  readonly code = "ETIMEDOUT";
  constructor(operation: CacheOperation, timeoutMs: number) {
    super(`cache ${operation} did not settle within ${timeoutMs} ms`);
  }
}

/** What `get` returns when the cache failed or timed out (already reported): not a miss. */
export const UNAVAILABLE: unique symbol = Symbol("cache unavailable");

/** What the cache I/O of one session needs. */
export interface CacheIoOptions {
  cache: CredentialCache;
  roleArn: string;
  /** Deadline of each get, set, delete, release and renewal; a lock attempt gets its wait on top. */
  timeoutMs: number;
  emit: (event: AssumeRoleEvent) => void;
  /** Secrets to scrub from cache errors (a backend's parse error can quote what it read). */
  knownSecrets?: () => Array<string | undefined>;
}

/** The cache as one refresh sees it. Start a new one for every refresh. */
export class CacheIo {
  readonly #o: CacheIoOptions;
  #hung = false;

  constructor(options: CacheIoOptions) {
    this.#o = options;
    this.notices = options.cache.waitForChange !== undefined;
  }

  /** The stored value; UNAVAILABLE when the cache failed, timed out or hung earlier. */
  async get(key: string): Promise<unknown> {
    let failed = this.#hung;
    const value = await this.#run(key, "get", () => this.#o.cache.get(key), {
      onError: () => {
        failed = true;
      },
    });
    return failed ? UNAVAILABLE : value;
  }

  /** Store a document; failures are reported with `secrets` scrubbed. */
  async set(key: string, value: CacheEntry | FailureRecord, secrets: string[] = []): Promise<void> {
    await this.#run(key, "set", () => this.#o.cache.set(key, value), { secrets });
  }

  /** Delete a key; false when nothing was deleted or the cache failed. */
  async delete(key: string): Promise<boolean> {
    return (await this.#run(key, "delete", () => this.#o.cache.delete(key))) === true;
  }

  /**
   * One lock attempt. Resolves the release handle, undefined when another holder kept it,
   * or "failed" when the cache failed (the caller then goes on without the lock). A lock
   * granted after its deadline is released at once.
   */
  async lock(key: string, options: LockOptions): Promise<ReleaseLock | undefined | "failed"> {
    const lock = this.#o.cache.lock;
    if (!lock || this.#hung) return "failed";
    let failed = false;
    const release = await this.#run(key, "lock", () => lock.call(this.#o.cache, key, options), {
      extraMs: options.waitMs,
      onLate: (late) => void Promise.resolve(late?.()).catch(() => {}),
      onError: () => {
        failed = true;
      },
    });
    return failed ? "failed" : release;
  }

  /** Whether waits get change notices from the cache (false once one was refused). */
  notices: boolean;

  /**
   * Arm a wait for the cache to say `key` may have changed, or for `timeoutMs` to pass: a
   * change from now on ends it, even one made before `wait` is awaited. `cancel()` ends it
   * at once (its timer must not hold a process that has what it needs). A cache without
   * change notices, or whose notice fails, just waits the time out.
   */
  changeNotice(key: string, timeoutMs: number): { wait: Promise<void>; cancel(): void } {
    const notice = this.#o.cache.waitForChange;
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      abort.signal.addEventListener("abort", () => resolve(), { once: true });
    });
    let noticed: Promise<void> = timeout;
    if (notice && this.notices && !this.#hung) {
      const lost = () => {
        // The cache cannot notice changes (now): poll on the short timer from here on,
        // starting now rather than at the end of a slice sized for notices.
        this.notices = false;
      };
      try {
        // Bounded by our own timer too: a notice that never comes must not hold the waiter.
        noticed = Promise.resolve(notice.call(this.#o.cache, key, timeoutMs, abort.signal)).catch(
          lost,
        );
      } catch {
        lost();
        noticed = Promise.resolve();
      }
    }
    const cancel = () => {
      clearTimeout(timer);
      abort.abort();
    };
    return { wait: Promise.race([noticed, timeout]).finally(cancel), cancel };
  }

  /**
   * Release a lock: stops its renewal, then calls the cache's release (under a deadline,
   * even after a hang: a lock left held blocks the fleet until its lease runs out).
   */
  async release(key: string, release: ReleaseLock): Promise<void> {
    await this.#run(key, "unlock", () => release(), { evenIfHung: true });
  }

  /**
   * Extend a lease; false when the lock was lost (reported while `held()` still says we
   * hold it: a renewal that crosses our own release is not news), undefined when unknown.
   */
  async renew(
    key: string,
    release: ReleaseLock,
    held: () => boolean,
  ): Promise<boolean | undefined> {
    const renew = release.renew;
    if (!renew) return undefined;
    const renewed = await this.#run(key, "renew", () => renew.call(release), { evenIfHung: true });
    if (renewed === false && held())
      this.#report(key, "renew", new Error("the lock was taken over"));
    return renewed === undefined ? undefined : renewed !== false;
  }

  async #run<T>(
    key: string,
    operation: CacheOperation,
    work: () => T | Promise<T>,
    how: {
      secrets?: string[];
      /** Added to the deadline (a lock attempt's own wait). */
      extraMs?: number;
      onLate?: (late: T) => void;
      onError?: () => void;
      /** Run even after a hang: releasing and renewing locks matters to other processes. */
      evenIfHung?: boolean;
    } = {},
  ): Promise<T | undefined> {
    if (this.#hung && !how.evenIfHung) return undefined;
    try {
      return await withDeadline(
        work,
        this.#o.timeoutMs + (how.extraMs ?? 0),
        operation,
        how.onLate,
      );
    } catch (error) {
      if (error instanceof CacheTimeoutError) this.#hung = true;
      how.onError?.();
      this.#report(key, operation, error, how.secrets);
      return undefined;
    }
  }

  #report(key: string, operation: CacheOperation, error: unknown, secrets: string[] = []): void {
    const known = this.#o.knownSecrets?.() ?? [];
    this.#o.emit({
      type: "cache-error",
      roleArn: this.#o.roleArn,
      key,
      operation,
      error: sanitizeError(error, [...secrets, ...known]),
    });
  }
}

/**
 * Run `work` (sync or async; a sync throw is a rejection) and reject with CacheTimeoutError
 * if it has not settled after `ms`. The work is not cancelled: a late value goes to `onLate`.
 */
function withDeadline<T>(
  work: () => T | Promise<T>,
  ms: number,
  operation: CacheOperation,
  onLate?: (late: T) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      reject(new CacheTimeoutError(operation, ms));
    }, ms);
    Promise.resolve()
      .then(work)
      .then(
        (value) => {
          if (settled) return onLate?.(value);
          settled = true;
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          reject(error);
        },
      );
  });
}

/** A held lock whose lease is renewed: call it to release; `confirm()` renews it now. */
export interface HeldLease {
  (): Promise<void>;
  /** When the lock was asked for (performance.now()): the lease is at most this old. */
  readonly askedAt: number;
  /** Renew now: false when the lock was taken over, undefined when the cache cannot tell. */
  confirm(): Promise<boolean | undefined>;
}

/**
 * Hold a lock for as long as the work under it takes: renew the lease every third of its
 * ttl while held, so a holder whose STS call outlives the lease keeps it and the waiters
 * do not call STS in turn. Locks without `renew` simply expire after their ttl.
 */
export function holdLease(
  io: CacheIo,
  key: string,
  release: ReleaseLock,
  ttlMs: number,
  askedAt: number,
): HeldLease {
  let timer: NodeJS.Timeout | undefined;
  let released: Promise<void> | undefined;
  const held = () => released === undefined;
  if (release.renew && ttlMs > 0) {
    timer = setInterval(
      () => {
        io.renew(key, release, held).then((renewed) => {
          if (renewed === false) clearInterval(timer); // taken over: nothing left to renew
        });
      },
      Math.max(10, ttlMs / 3),
    );
    timer.unref?.();
  }
  const releaseLease = () => {
    clearInterval(timer);
    released ??= io.release(key, release);
    return released;
  };
  return Object.assign(releaseLease, {
    askedAt,
    confirm: () => io.renew(key, release, () => false),
  });
}
