/**
 * Getting new credentials through a shared cache, so that many processes make one STS call:
 *
 *   cache → lock (bounded wait) → cache again → STS → cache write → unlock
 *
 * Another process may have refreshed already (first read); while we waited for the lock its
 * holder may have written (second read). A cache that fails in any step is reported and
 * skipped: the caller still gets credentials from STS. A lock wait that times out calls STS
 * anyway: a duplicate call is better than a caller that never gets credentials.
 */
import type { CredentialCache, LockOptions, ReleaseLock } from "./cache.js";
import { type CacheEntry, type ParsedCacheEntry, parseCacheEntry } from "./cache-entry.js";
import type { CacheMissReason } from "./entry-trust.js";
import { type AssumeRoleEvent, sanitizeError } from "./events.js";
import { markedMissReason } from "./miss-marker.js";
import type { ExpiringIdentity, Fetched } from "./refresh.js";

/** How long one lock attempt waits before the cache is read again. */
const LOCK_SLICE_MS = 250;

/** The parts of an AssumeRole response the cache stores. */
export interface StsResult {
  entry: CacheEntry;
  identity: ExpiringIdentity;
  lifetimeSeconds: number;
}

/** What the cached fetch needs. */
export interface SharedCacheFetchOptions {
  roleArn: string;
  cache: CredentialCache | undefined;
  /** The cache key of this session's request. */
  key: string;
  /**
   * Secrets to scrub from cache errors: the credentials held now are probably the ones in
   * the cache, and a backend's parse error can quote what it read.
   */
  knownSecrets?: () => Array<string | undefined>;
  lock: LockOptions;
  /** Lifetime to scale windows to for cached entries (the requested DurationSeconds). */
  lifetimeSeconds: number;
  /** True when an entry expiring at this time can be served now (outside the advisory window). */
  isFresh: (expiration: number, lifetimeSeconds: number) => boolean;
  /**
   * What a parsed entry must prove (entry-trust.ts, parent-binding.ts): undefined when it
   * may be used, otherwise why not. Rejects only when the check itself failed.
   */
  trust: (entry: ParsedCacheEntry) => Promise<CacheMissReason | undefined>;
  /** The entry as it is written (with its parent binding); undefined: do not write it. */
  bind: (entry: CacheEntry) => Promise<CacheEntry | undefined>;
  callSts: () => Promise<StsResult>;
  emit: (event: AssumeRoleEvent) => void;
}

/** Build the fetch function the refresh engine calls. */
export function sharedCacheFetch(options: SharedCacheFetchOptions): () => Promise<Fetched> {
  const { roleArn, cache, emit } = options;

  if (!cache) {
    return async () => ({ ...(await options.callSts()), source: "sts" });
  }

  const reportError = (
    key: string,
    operation: "get" | "set" | "lock" | "unlock",
    e: unknown,
    secrets: string[] = [],
  ) =>
    emit({
      type: "cache-error",
      roleArn,
      key,
      operation,
      error: sanitizeError(e, [...secrets, ...(options.knownSecrets?.() ?? [])]),
    });

  const hit = (key: string) => emit({ type: "cache-hit", roleArn, key });

  const unlock = async (key: string, release: ReleaseLock | undefined) => {
    if (!release) return;
    try {
      await release();
    } catch (e) {
      reportError(key, "unlock", e);
    }
  };

  /**
   * Read and validate. `report` is false for re-reads while waiting for the lock: their
   * misses are expected, and their hit is reported by the caller after `lock-waited`.
   */
  const read = async (key: string, report: boolean): Promise<Fetched | undefined> => {
    const miss = (why: CacheMissReason) => {
      if (report) emit({ type: "cache-miss", roleArn, key, why });
      return undefined;
    };
    let raw: unknown;
    try {
      raw = await cache.get(key);
    } catch (e) {
      reportError(key, "get", e);
      return undefined;
    }
    if (raw === undefined || raw === null) return miss("absent");
    // A backend that cannot use what it holds (undecryptable, tampered) says so: a miss.
    const marked = markedMissReason(raw);
    if (marked) return miss(marked);
    const entry = parseCacheEntry(raw);
    if (!entry) return miss("invalid");
    let distrust: CacheMissReason | undefined;
    try {
      distrust = await options.trust(entry);
    } catch (e) {
      // The parent's principal could not be learned: the entry cannot be checked.
      reportError(key, "get", e);
      return undefined;
    }
    if (distrust) return miss(distrust);
    const expiration = entry.Credentials.Expiration;
    if (!options.isFresh(expiration.getTime(), options.lifetimeSeconds)) return miss("expiring");
    if (report) hit(key);
    const c = entry.Credentials;
    const identity: ExpiringIdentity = {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration,
      ...(c.AccountId ? { accountId: c.AccountId } : {}),
    };
    return { identity, lifetimeSeconds: options.lifetimeSeconds, source: "cache" };
  };

  /**
   * Wait for the lock, re-reading the cache between short lock attempts: the holder is
   * usually about to write, and a waiter that finds its entry never needs the lock at all
   * (otherwise every waiter would take the lock in turn just to re-read).
   */
  const acquireOrRead = async (
    key: string,
    lock: NonNullable<CredentialCache["lock"]>,
  ): Promise<{ release?: ReleaseLock; written?: Fetched; lockFailed?: boolean }> => {
    // Real time, not options.clock: a test's frozen clock must not make the wait endless.
    const started = performance.now();
    const deadline = started + options.lock.waitMs;
    let contended = false; // a free lock is not a wait, however long the backend took
    const done = (acquired: boolean) => {
      if (!contended) return;
      const waitedMs = Math.round(performance.now() - started);
      emit({ type: "lock-waited", roleArn, key, waitedMs, acquired });
    };
    for (;;) {
      const remaining = deadline - performance.now();
      let release: ReleaseLock | undefined;
      try {
        release = await lock.call(cache, key, {
          waitMs: Math.max(0, Math.min(LOCK_SLICE_MS, remaining)),
          ttlMs: options.lock.ttlMs,
        });
      } catch (e) {
        reportError(key, "lock", e);
        return { lockFailed: true };
      }
      if (release) {
        done(true);
        return { release };
      }
      contended = true;
      const written = await read(key, false);
      if (written) {
        done(false);
        hit(key);
        return { written };
      }
      if (performance.now() >= deadline) {
        done(false);
        return {};
      }
    }
  };

  return async () => {
    const key = options.key;
    const cached = await read(key, true);
    if (cached) return cached;

    let release: ReleaseLock | undefined;
    if (cache.lock) {
      const waited = await acquireOrRead(key, cache.lock);
      if (waited.written) return waited.written;
      release = waited.release;
      // Whoever held the lock before us has probably just written fresh credentials.
      if (!waited.lockFailed) {
        const written = await read(key, false);
        if (written) {
          hit(key);
          await unlock(key, release);
          return written;
        }
      }
    }
    try {
      const result = await options.callSts();
      try {
        const bound = await options.bind(result.entry);
        if (bound) await cache.set(key, bound);
      } catch (e) {
        const { SecretAccessKey, SessionToken } = result.entry.Credentials;
        reportError(key, "set", e, [SecretAccessKey, SessionToken]);
      }
      return { identity: result.identity, lifetimeSeconds: result.lifetimeSeconds, source: "sts" };
    } finally {
      await unlock(key, release);
    }
  };
}
