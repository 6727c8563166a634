/**
 * Getting new credentials through a shared cache, so that many processes make one STS call
 * per refresh, and back off together when STS fails:
 *
 *   read → lock (bounded wait, renewed while held) → read again → STS → write → unlock
 *
 * A read looks at the entry and, unless it is fresh, at the failure record beside it
 * (shared-failure.ts). Another process may have refreshed already (first read), or while
 * we waited for the lock (second read); or it may have failed, and until its record's next
 * attempt nobody calls STS. An entry inside its refresh window is not fresh, but it is
 * still usable: if the refresh fails it is what callers get. Every cache operation has a
 * deadline (cache-io.ts); a cache that fails is reported and skipped, and the caller still
 * gets credentials from STS. A lock wait that times out calls STS anyway: a duplicate call
 * is better than a caller that never gets credentials.
 */
import type { CredentialCache, LockOptions } from "./cache.js";
import { type CacheEntry, parseCacheEntry } from "./cache-entry.js";
import { CacheIo, type HeldLease, holdLease, UNAVAILABLE } from "./cache-io.js";
import { type Snapshot, type SnapshotOptions, snapshotReader } from "./cache-snapshot.js";
import { AssumeRoleError, ClockSkewError } from "./errors.js";
import { sanitizeError } from "./events.js";
import {
  type AttemptContext,
  type ExpiringIdentity,
  type Fetched,
  RefreshFailure,
} from "./refresh-attempt.js";
import { failureKey, type SharedFailure, toFailureRecord } from "./shared-failure.js";

/**
 * How long a waiter waits between reads of the cache (and lock attempts), doubling from
 * the first slice to the last. A cache that sends change notices (waitForChange) wakes it
 * when the entry is written, so it reads rarely: the slice only finds a holder that let
 * the lock go without writing, or died, and a crowd of waiters that wakes while the holder
 * works takes the CPU the holder needs. A cache without them is read often, so the entry
 * is seen soon.
 */
const WAIT_SLICES_MS = { notified: [1000, 2000], polled: [5, 100] } as const;
/** Lock tries in one fetch: a lock lost while loading the STS client is waited for again. */
const LOCK_TRIES = 3;

/** The parts of an AssumeRole response the cache stores. */
export interface StsResult {
  entry: CacheEntry;
  identity: ExpiringIdentity;
  lifetimeSeconds: number;
}

/** What the cached fetch needs, beyond what a read needs (cache-snapshot.ts). */
export interface SharedCacheFetchOptions extends SnapshotOptions {
  cache: CredentialCache | undefined;
  lock: LockOptions;
  /** Deadline of each cache operation (a lock attempt: its wait plus this). */
  cacheTimeoutMs: number;
  /** Load what an STS call needs (the SDK's STS client): once the lock is ours, before STS. */
  prepareSts?: () => Promise<unknown>;
  /** The entry as it is written (with its parent binding). */
  bind: (entry: CacheEntry) => Promise<CacheEntry>;
  /** Call AssumeRole; `callersWaiting`: nothing usable is held, so quick retries are worth it. */
  callSts: (callersWaiting: boolean) => Promise<StsResult>;
}

/** The fetch the refresh engine calls, and the shared half of `Session.invalidate()`. */
export interface SharedCacheFetch {
  fetch(attempt: AttemptContext): Promise<Fetched>;
  /** Remove the shared entry if it still holds `accessKeyId`; true if removed. */
  invalidate(accessKeyId: string): Promise<boolean>;
}

/** Build the fetch function the refresh engine calls. */
export function sharedCacheFetch(options: SharedCacheFetchOptions): SharedCacheFetch {
  const { roleArn, cache, emit, key, policy } = options;
  const share = policy.shareFailures;
  const newIo = (c: CredentialCache) =>
    new CacheIo({
      cache: c,
      roleArn,
      timeoutMs: options.cacheTimeoutMs,
      emit,
      ...(options.knownSecrets ? { knownSecrets: options.knownSecrets } : {}),
    });
  const hit = () => emit({ type: "cache-hit", roleArn, key });

  const { read, ourPrincipal } = snapshotReader(options, hit);

  /** The fleet failed recently: follow its plan instead of calling STS. */
  const fleetFailure = (seen: Snapshot & { failure: SharedFailure }) =>
    new RefreshFailure(seen.failure.error, seen.failure, "fleet", seen.usable);

  /**
   * Wait for the lock, or for the entry the holder is about to write (or its failure
   * record): a waiter that reads either never needs the lock. Waiters do not queue on the
   * lock, which would hand it from one to the next and make each read in turn; they try it
   * without waiting, read, and sleep until the cache says the key changed (or a short slice
   * passes). The lock is still tried on every round, so a holder that died is replaced as
   * soon as its lock goes stale.
   */
  const acquireOrRead = async (
    io: CacheIo,
    attempt: AttemptContext,
  ): Promise<{ release?: HeldLease; seen?: Snapshot }> => {
    // Real time, not the clock: a test's frozen clock must not make the wait endless.
    const started = performance.now();
    const deadline = started + options.lock.waitMs;
    let contended = false; // a free lock is not a wait, however long the backend took
    const done = (acquired: boolean) => {
      if (!contended) return;
      const waitedMs = Math.round(performance.now() - started);
      emit({ type: "lock-waited", roleArn, key, waitedMs, acquired });
    };
    for (let round = 0; ; round++) {
      // Chosen each round: a cache whose notices fail is polled from then on.
      const [first, last] = WAIT_SLICES_MS[io.notices ? "notified" : "polled"];
      // Jittered (±25 %), so a crowd of waiters does not read and try the lock in step.
      const slice = Math.min(last, first * 2 ** Math.min(round, 10)) * (0.75 + Math.random() / 2);
      const left = () => deadline - performance.now();
      const arm = () => io.changeNotice(key, Math.max(0, Math.min(slice, left())));
      /**
       * Read; what ends the wait (a fresh entry, the fleet's failure), or undefined.
       * `expectsMiss` after a failed lock try (the holder is still at work), not after a
       * notice (it has probably written).
       */
      const readDone = async (expectsMiss: boolean, notice?: { cancel(): void }) => {
        const seen = await read(io, attempt, false, expectsMiss);
        if (!seen.fresh && !seen.failure?.active) return undefined;
        notice?.cancel();
        done(false);
        if (seen.fresh) hit();
        return { seen };
      };
      // After the first round, read before trying the lock: a waiter woken by the holder's
      // write is done, without taking the lock the holder has just let go of (and reading
      // again under it), as a crowd of waiters otherwise would, one after another; and
      // without a change notice it would not need. In the first round the caller has just
      // read: the lock first, and a free lock is taken without arming a notice.
      const early = round > 0 ? await readDone(false) : undefined;
      if (early) return early;
      const askedAt = performance.now();
      const release = await io.lock(key, { waitMs: 0, ttlMs: options.lock.ttlMs });
      if (release === "failed") return {};
      if (release) {
        done(true);
        return { release: holdLease(io, key, release, options.lock.ttlMs, askedAt) };
      }
      contended = true;
      // Armed before the read: an entry written between the read and the wait still wakes
      // us. A wait without notices is only a timer, which misses nothing: the next round reads.
      const notified = io.notices;
      const notice = arm();
      const late = notified ? await readDone(true, notice) : undefined;
      if (late) return late;
      if (left() <= 0) {
        notice.cancel();
        done(false);
        return {};
      }
      await notice.wait;
    }
  };

  /** Call STS; on failure plan the next attempt, and share it while we still hold the lock. */
  const viaSts = async (
    io: CacheIo | undefined,
    attempt: AttemptContext,
    seen: Snapshot,
  ): Promise<Fetched> => {
    let result: StsResult;
    try {
      result = await options.callSts(attempt.callersWaiting && !seen.usable);
    } catch (e) {
      const error = e instanceof Error ? e : new Error(String(e));
      const plan = attempt.plan(error, {
        ...(seen.usable ? { usableUntil: seen.usable.usableUntil } : {}),
        ...(seen.failure ? { consecutive: seen.failure.consecutive } : {}),
      });
      // STS's answers concern everyone; a skewed clock or missing parent keys are ours alone.
      if (io && share && error instanceof AssumeRoleError && !(error instanceof ClockSkewError)) {
        const principal = await ourPrincipal();
        // A record nobody could tell apart from another principal's is not written.
        if (principal !== null) {
          await io.set(failureKey(key), toFailureRecord(error, plan, principal));
        }
      }
      throw new RefreshFailure(error, plan, "sts", seen.usable);
    }
    if (io) {
      const { SecretAccessKey, SessionToken } = result.entry.Credentials;
      let bound: CacheEntry | undefined;
      try {
        bound = await options.bind(result.entry);
      } catch (e) {
        // Without the parent's principal the entry is not written: no one could trust it.
        emit({
          type: "cache-error",
          roleArn,
          key,
          operation: "set",
          error: sanitizeError(e, [SecretAccessKey, SessionToken]),
        });
      }
      if (bound) await io.set(key, bound, [SecretAccessKey, SessionToken]);
      if (seen.failure) await io.delete(failureKey(key));
    }
    return { identity: result.identity, lifetimeSeconds: result.lifetimeSeconds, source: "sts" };
  };

  const fetch = async (attempt: AttemptContext): Promise<Fetched> => {
    if (!cache) return viaSts(undefined, attempt, {});
    const io = newIo(cache);
    let seen = await read(io, attempt, true);
    if (seen.fresh) return seen.fresh;
    if (seen.failure?.active) throw fleetFailure({ ...seen, failure: seen.failure });

    let release: HeldLease | undefined;
    for (let tries = 0; cache.lock && tries < LOCK_TRIES; tries++) {
      const waited = await acquireOrRead(io, attempt);
      if (waited.seen?.fresh) return waited.seen.fresh;
      if (waited.seen?.failure?.active) {
        throw fleetFailure({ ...waited.seen, failure: waited.seen.failure });
      }
      release = waited.release;
      if (!release) break; // no lock within the wait, or a failing cache: STS anyway
      // Whoever held the lock before us has probably just written (an entry or a failure).
      const again = await read(io, attempt, false, true);
      if (again.fresh || again.failure?.active) await release();
      if (again.fresh) {
        hit();
        return again.fresh;
      }
      if (again.failure?.active) throw fleetFailure({ ...again, failure: again.failure });
      seen = { ...again, usable: again.usable ?? seen.usable };
      // Only the holder loads the STS client: waiters never need it. Loading blocks the
      // event loop, on a busy machine long enough for the lock to go stale and be taken
      // over; then the new holder's entry is waited for instead of calling STS as well.
      await options.prepareSts?.().catch(() => {});
      // A lease younger than a third of its ttl cannot have been taken over (nobody breaks
      // a lock before its ttl): only a slow load is worth asking the cache about.
      if (performance.now() - release.askedAt < options.lock.ttlMs / 3) break;
      if ((await release.confirm()) !== false) break;
      await release();
      release = undefined;
    }
    try {
      return await viaSts(io, attempt, seen);
    } finally {
      await release?.();
    }
  };

  const invalidate = async (accessKeyId: string): Promise<boolean> => {
    if (!cache) return false;
    const io = newIo(cache);
    // Under the lock, so we never delete what a refreshing holder has just written. A lock
    // held by someone else means a refresh is under way: it replaces the entry anyway.
    const lock = await io.lock(key, { waitMs: 0, ttlMs: options.lock.ttlMs });
    if (lock === undefined) return false;
    try {
      const raw = await io.get(key);
      const entry = raw === UNAVAILABLE ? undefined : parseCacheEntry(raw);
      if (entry?.Credentials.AccessKeyId !== accessKeyId) return false;
      return await io.delete(key);
    } finally {
      if (lock !== "failed") await io.release(key, lock);
    }
  };

  return { fetch, invalidate };
}
