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
import { type CacheEntry, parseCacheEntry } from "./cache-entry.js";
import { type AssumeRoleEvent, sanitizeError } from "./events.js";
import type { ExpiringIdentity, Fetched } from "./refresh.js";

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
  /** Computed lazily: validation and the session name must exist first. */
  key: () => string;
  lock: LockOptions;
  /** Lifetime to scale windows to for cached entries (the requested DurationSeconds). */
  lifetimeSeconds: number;
  /** True when an entry expiring at this time can be served now (outside the advisory window). */
  isFresh: (expiration: number, lifetimeSeconds: number) => boolean;
  callSts: () => Promise<StsResult>;
  emit: (event: AssumeRoleEvent) => void;
  clock: () => number;
}

/** Build the fetch function the refresh engine calls. */
export function sharedCacheFetch(options: SharedCacheFetchOptions): () => Promise<Fetched> {
  const { roleArn, cache, emit } = options;

  const fromSts = async (): Promise<StsResult> => options.callSts();
  if (!cache) {
    return async () => ({ ...(await fromSts()), source: "sts" });
  }

  const reportError = (
    key: string,
    operation: "get" | "set" | "lock" | "unlock",
    e: unknown,
    secrets: string[] = [],
  ) => emit({ type: "cache-error", roleArn, key, operation, error: sanitizeError(e, secrets) });

  const read = async (key: string): Promise<Fetched | undefined> => {
    let raw: unknown;
    try {
      raw = await cache.get(key);
    } catch (e) {
      reportError(key, "get", e);
      return undefined;
    }
    if (raw === undefined || raw === null) {
      emit({ type: "cache-miss", roleArn, key, why: "absent" });
      return undefined;
    }
    const entry = parseCacheEntry(raw);
    if (!entry) {
      emit({ type: "cache-miss", roleArn, key, why: "invalid" });
      return undefined;
    }
    const expiration = entry.Credentials.Expiration;
    if (!options.isFresh(expiration.getTime(), options.lifetimeSeconds)) {
      emit({ type: "cache-miss", roleArn, key, why: "expiring" });
      return undefined;
    }
    emit({ type: "cache-hit", roleArn, key });
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

  const acquire = async (key: string): Promise<ReleaseLock | undefined> => {
    if (!cache.lock) return undefined;
    const started = options.clock();
    try {
      const release = await cache.lock(key, options.lock);
      const waitedMs = options.clock() - started;
      if (waitedMs > 0 || !release) {
        emit({ type: "lock-waited", roleArn, key, waitedMs, acquired: Boolean(release) });
      }
      return release;
    } catch (e) {
      reportError(key, "lock", e);
      return undefined;
    }
  };

  return async () => {
    const key = options.key();
    const cached = await read(key);
    if (cached) return cached;

    const release = await acquire(key);
    try {
      // Whoever held the lock before us has probably just written fresh credentials.
      if (cache.lock) {
        const written = await read(key);
        if (written) return written;
      }
      const result = await fromSts();
      try {
        await cache.set(key, result.entry);
      } catch (e) {
        const { SecretAccessKey, SessionToken } = result.entry.Credentials;
        reportError(key, "set", e, [SecretAccessKey, SessionToken]);
      }
      return { identity: result.identity, lifetimeSeconds: result.lifetimeSeconds, source: "sts" };
    } finally {
      if (release) {
        try {
          await release();
        } catch (e) {
          reportError(key, "unlock", e);
        }
      }
    }
  };
}
