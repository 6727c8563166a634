/**
 * One read of the shared cache, classified: a fresh entry ends the refresh; an entry in its
 * refresh window is kept as a fallback; and, unless the entry is fresh, the failure record
 * beside it says whether the fleet is backing off (shared-failure.ts). What is read is
 * untrusted: parsed (cache-entry.ts), then checked (entry-trust.ts, parent-binding.ts).
 */
import { type ParsedCacheEntry, parseCacheEntry } from "./cache-entry.js";
import { type CacheIo, UNAVAILABLE } from "./cache-io.js";
import type { CacheMissReason } from "./entry-trust.js";
import { type AssumeRoleEvent, sanitizeError } from "./events.js";
import { markedMissReason } from "./miss-marker.js";
import type { RefreshPolicy } from "./refresh.js";
import type { AttemptContext, ExpiringIdentity, Fetched } from "./refresh-attempt.js";
import { failureKey, parseFailureRecord, type SharedFailure } from "./shared-failure.js";

/** An entry may expire this much beyond its lifetime from now before our clock is suspect. */
const PLAUSIBLE_SLACK_MS = 5 * 60_000;

/** What reading the shared cache needs. */
export interface SnapshotOptions {
  roleArn: string;
  /** The cache key of this session's request. */
  key: string;
  /** Secrets to scrub from cache errors: the credentials held now are probably the cached ones. */
  knownSecrets?: () => Array<string | undefined>;
  /** Lifetime to scale windows to for cached entries (the requested DurationSeconds). */
  lifetimeSeconds: number;
  policy: RefreshPolicy;
  /** STS's time now. */
  now: () => number;
  /**
   * What a parsed entry must prove (entry-trust.ts, parent-binding.ts): undefined when it
   * may be used, otherwise why not. Rejects only when the check itself failed.
   */
  trust: (entry: ParsedCacheEntry) => Promise<CacheMissReason | undefined>;
  /**
   * The parent principal failure records are bound to (undefined: binding is off, records
   * are shared by every reader). Rejects when it cannot be learned.
   */
  principal: () => Promise<string | undefined>;
  emit: (event: AssumeRoleEvent) => void;
}

/** What one read of the shared cache found. */
export interface Snapshot {
  /** An entry outside its refresh window. */
  fresh?: Fetched;
  /** An entry inside its refresh window that can still be served if the refresh fails. */
  usable?: Fetched & { usableUntil: number };
  /** The fleet's last failure, if it left a record. */
  failure?: SharedFailure;
}

/** Reads of one session's key. */
export interface SnapshotReader {
  /**
   * Read and classify. `report`: emit cache-miss (and cache-hit) events; false for the
   * re-reads of a wait. `expectsMiss`: ask for the failure record beside the entry at once.
   */
  read(
    io: CacheIo,
    attempt: AttemptContext,
    report: boolean,
    expectsMiss?: boolean,
  ): Promise<Snapshot>;
  /** Our principal for failure records; null when it could not be learned. */
  ourPrincipal(): Promise<string | undefined | null>;
}

/** The reader of `options.key`; `hit` reports a fresh entry found by a reported read. */
export function snapshotReader(options: SnapshotOptions, hit: () => void): SnapshotReader {
  const { roleArn, emit, key, policy, now } = options;
  const share = policy.shareFailures;

  /**
   * What the entry must prove; UNAVAILABLE when that could not be checked (the parent's
   * principal could not be learned), reported as a cache error.
   */
  const checkTrust = async (
    entry: ParsedCacheEntry,
  ): Promise<CacheMissReason | undefined | typeof UNAVAILABLE> => {
    try {
      return await options.trust(entry);
    } catch (e) {
      emit({
        type: "cache-error",
        roleArn,
        key,
        operation: "get",
        error: sanitizeError(e, options.knownSecrets?.() ?? []),
      });
      return UNAVAILABLE;
    }
  };

  /** Our principal for failure records; null when it could not be learned. */
  const ourPrincipal = (): Promise<string | undefined | null> =>
    options.principal().catch(() => null);

  // Asking for the failure record with the entry when a miss is expected (under the lock, a
  // waiter's read): one round trip instead of two, on the holder's path and each waiter's.
  const read: SnapshotReader["read"] = async (io, attempt, report, expectsMiss = false) => {
    const seen: Snapshot = {};
    const miss = (why: CacheMissReason) => {
      if (report) emit({ type: "cache-miss", roleArn, key, why });
    };
    const reading = io.get(key);
    const recordRead = share && expectsMiss ? io.get(failureKey(key)) : undefined;
    const raw = await reading;
    const absent = raw === undefined || raw === null;
    // A backend that cannot use what it holds (undecryptable, tampered) says so: a miss.
    const marked = absent || raw === UNAVAILABLE ? undefined : markedMissReason(raw);
    const entry = absent || raw === UNAVAILABLE || marked ? undefined : parseCacheEntry(raw);
    const lifetimeMs = options.lifetimeSeconds * 1000;
    if (raw === UNAVAILABLE) return seen; // reported as a cache-error already; not a miss
    const distrust = entry ? await checkTrust(entry) : undefined;
    const t = now();
    if (distrust === UNAVAILABLE) {
      // The entry could not be checked (reported): not usable, not a miss either.
    } else if (marked) miss(marked);
    else if (!entry) miss(absent ? "absent" : "invalid");
    else if (distrust) miss(distrust);
    else if (attempt.rejected.has(entry.Credentials.AccessKeyId)) miss("rejected");
    else if (entry.Credentials.Expiration.getTime() - t > lifetimeMs + PLAUSIBLE_SLACK_MS) {
      miss("implausible"); // issued in our future: our clock is behind and not yet measured
    } else {
      const c = entry.Credentials;
      const identity: ExpiringIdentity = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
        ...(c.AccountId ? { accountId: c.AccountId } : {}),
      };
      const fetched: Fetched = {
        identity,
        lifetimeSeconds: options.lifetimeSeconds,
        source: "cache",
      };
      const points = policy.pointsFor(c.Expiration.getTime(), options.lifetimeSeconds);
      if (t < points.refreshAt) {
        if (report) hit();
        seen.fresh = fetched;
        return seen;
      }
      if (t < points.usableUntil) seen.usable = { ...fetched, usableUntil: points.usableUntil };
      miss("expiring");
    }
    if (share) {
      const record = await (recordRead ?? io.get(failureKey(key)));
      let failure = record === UNAVAILABLE ? undefined : parseFailureRecord(record, roleArn, t);
      // Another principal's failure (its AccessDenied, say) is not ours to follow.
      if (failure?.parentPrincipal && failure.parentPrincipal !== (await ourPrincipal())) {
        failure = undefined;
      }
      if (failure && failure.nextAttemptAt <= (attempt.waitedFor ?? Number.NEGATIVE_INFINITY)) {
        failure.active = false; // the backoff this attempt has already waited out
      }
      seen.failure = failure;
    }
    return seen;
  };

  return { read, ourPrincipal };
}
