/**
 * The refresh engine: when to get new credentials, and what callers get when that fails.
 * It follows the design AWS's SDKs moved to in 2026 (the Go v2 SDK's
 * aws/credential_cache.go), and extends it to a fleet: a failure and its next attempt are
 * shared through the cache (shared-cache-fetch.ts), so every process backs off together.
 * Read top to bottom: the windows, the failure policy, then `provide()` and one attempt.
 *
 * All times are STS's: the local clock corrected by the skew measured from STS's `Date`
 * header (sts-time.ts), since Expiration is an STS time.
 *
 *   issued ──────────── refreshAt ─────────── mustRefreshAt ─── usableUntil ── Expiration
 *     fresh: served       advisory: served;     blocking: callers wait
 *     from memory,        one background        for one attempt; if it
 *     no I/O              attempt at a time     fails, still served
 *
 *   advisory window  5 min for lifetimes up to 20 min, 15 min below 90 min, else 60 min
 *   blocking window  min(1 min, advisory window)
 *   refreshAt        Expiration − advisory window − jitter (up to 2 min, drawn per session)
 *   usableUntil      Expiration − 30 s (or − the blocking window, if smaller)
 *
 * After a failed attempt (errors.ts tells permanent from transient):
 *
 *   credentials usable       served, no error; next attempt in a random 5–10 min, and
 *   (memory or cache)        no later than usableUntil
 *   none, transient error    callers wait; next attempt after 1 s, doubling to 30 s
 *   (throttling, 5xx,        (jittered); a caller waits at most maxWaitSeconds, then gets
 *   timeout, network)        the last error
 *   none, permanent error    every caller gets the error at once, with no STS call, for
 *   (AccessDenied, …)        5 s; then one attempt
 */
import { AssumeRoleError, isPermanentFailure } from "./errors.js";
import type { AssumeRoleEvent, RefreshReason } from "./events.js";
import { after, type Moment, momentIn, reached, waitFor } from "./moment.js";
import {
  type AttemptContext,
  type ExpiringIdentity,
  type Fetched,
  RefreshFailure,
} from "./refresh-attempt.js";
import { type RefreshOptions, resolveRefreshOptions } from "./refresh-options.js";
import type { FailurePlan } from "./shared-failure.js";

export type { RefreshOptions };

const MINUTE = 60_000;
/** Held credentials stop being served this long before they expire (a request in flight). */
const EXPIRY_MARGIN_MS = 30_000;

/** The three points of one set of credentials, in STS epoch milliseconds. */
export interface RefreshPoints {
  refreshAt: number;
  mustRefreshAt: number;
  usableUntil: number;
}

/** The policy: windows by lifetime, and what to do after a failure. Options override both. */
export class RefreshPolicy {
  readonly #o: ReturnType<typeof resolveRefreshOptions>;
  readonly #jitterFraction: number;

  /** Throws AssumeRoleValidationError for options that are not finite, negative or inverted. */
  constructor(options: RefreshOptions = {}, roleArn?: string) {
    this.#o = resolveRefreshOptions(options, roleArn);
    this.#jitterFraction = Math.min(1, Math.max(0, this.#o.random()));
  }

  /** How long a caller with nothing usable waits, in real milliseconds. */
  get maxWaitMs(): number {
    return this.#o.maxWaitMs;
  }

  /** Whether failures are shared through the cache. */
  get shareFailures(): boolean {
    return this.#o.shareFailures;
  }

  /** The points of credentials expiring at `expiration`, issued for `lifetimeSeconds`. */
  pointsFor(expiration: number, lifetimeSeconds: number): RefreshPoints {
    const lifetime = Math.max(0, lifetimeSeconds * 1000);
    const byLifetime = lifetime <= 20 * MINUTE ? 5 : lifetime < 90 * MINUTE ? 15 : 60;
    // At least a quarter of the lifetime is fresh, whatever the options say.
    const advisory = Math.min(this.#o.advisoryMs ?? byLifetime * MINUTE, lifetime * 0.75);
    // At most a sixth of the lifetime blocks: for short lifetimes an explicit window (a
    // server's 5 min) would otherwise make every refresh one that callers wait for.
    const blocking = Math.min(this.#o.mandatoryMs ?? MINUTE, advisory, lifetime / 6);
    // The jitter never eats into that fresh quarter either.
    const jitterMax = Math.min(
      this.#o.jitterMaxMs,
      (advisory - blocking) / 2,
      lifetime * 0.75 - advisory,
    );
    const jitter = this.#jitterFraction * Math.max(0, jitterMax);
    return {
      refreshAt: expiration - advisory - jitter,
      mustRefreshAt: expiration - blocking,
      usableUntil: expiration - Math.min(EXPIRY_MARGIN_MS, blocking),
    };
  }

  /**
   * When to try again after `error`: `usableUntil` is when the best credentials held (in
   * memory or the cache) stop being usable, undefined when there are none; `consecutive`
   * counts this failure.
   */
  planFailure(
    error: unknown,
    now: number,
    usableUntil: number | undefined,
    consecutive: number,
  ): FailurePlan {
    const permanent = isPermanentFailure(error);
    const between = ([min, max]: readonly [number, number]) => min + this.#o.random() * (max - min);
    let waitMs: number;
    if (usableUntil !== undefined) {
      // Static stability: keep serving; one more try before they stop being usable.
      waitMs = Math.min(between(this.#o.backoffMs), usableUntil - now);
    } else if (permanent) {
      waitMs = this.#o.permanentMs;
    } else {
      const [first, cap] = this.#o.coldBackoffMs;
      const step = Math.min(cap, first * 2 ** Math.min(consecutive - 1, 30));
      waitMs = step * (0.5 + 0.5 * this.#o.random());
    }
    return { permanent, nextAttemptAt: now + Math.max(1, waitMs), consecutive };
  }
}

/** Everything the engine needs from the session that owns it. */
export interface RefreshEngineOptions {
  roleArn: string;
  /** Get new credentials: the shared cache, then STS. Rejects with RefreshFailure. */
  fetch: (attempt: AttemptContext) => Promise<Fetched>;
  policy: RefreshPolicy;
  /** STS's time now (epoch ms). */
  now: () => number;
  /**
   * This host's clock (the session's `clock`, before the skew to STS is applied): what a
   * caller's wait is measured on. Default `now`.
   */
  localNow?: () => number;
  emit: (event: AssumeRoleEvent) => void;
}

interface Held {
  identity: ExpiringIdentity;
  /** The identity as an already-settled promise: the hot path hands it out, allocating nothing. */
  settled: Promise<ExpiringIdentity>;
  refreshAt: number;
  mustRefreshAt: number;
  usableUntil: number;
}

interface Failure extends FailurePlan {
  error: Error;
  /** nextAttemptAt as a Moment. */
  due: Moment;
}

/** Single-flight, window-aware credential memoization for one assumed-role session. */
export class RefreshEngine {
  readonly #o: RefreshEngineOptions;
  #held: Held | undefined;
  #inflight: Promise<void> | undefined;
  #failure: Failure | undefined;
  #consecutive = 0;
  readonly #rejected = new Set<string>();

  constructor(options: RefreshEngineOptions) {
    this.#o = options;
  }

  /** The credential provider's body: called for every request the SDK signs. */
  provide(): Promise<ExpiringIdentity> {
    const now = this.#o.now();
    const held = this.#held;

    // Fresh: the hot path. Memory only.
    if (held && now < held.refreshAt) return held.settled;

    // Advisory: keep serving; one background attempt when the backoff allows it.
    if (held && now < held.mustRefreshAt) {
      if (!this.#inflight && this.#attemptDue()) void this.#attempt("advisory");
      return held.settled;
    }

    // Blocking, expired or cold.
    return this.#waitForCredentials(held ? "mandatory" : "cold");
  }

  async #waitForCredentials(reason: RefreshReason): Promise<ExpiringIdentity> {
    const { now, policy } = this.#o;
    // A caller's deadline is on this host's clock: STS's time jumps when the first answer
    // measures the skew (50 min behind: the deadline would have passed at once).
    const localNow = this.#o.localNow ?? now;
    const local = momentIn(localNow(), policy.maxWaitMs);
    const waited = () => reached(local, localNow());
    /** The deadline as STS's time, to compare with a failure's next attempt. */
    const deadlineInSts = (): Moment => ({ at: local.at + now() - localNow(), real: local.real });
    let attempted = false;
    for (;;) {
      const held = this.#held;
      if (held && now() < held.mustRefreshAt) return held.identity;
      const usable = held && now() < held.usableUntil ? held.identity : undefined;
      const failure = this.#failure;

      if (this.#inflight || this.#attemptDue()) {
        if (attempted && !failure) {
          // An attempt succeeded, yet its credentials are not fresh: never loop on STS.
          if (usable) return usable;
          throw new Error(`Credentials for ${this.#o.roleArn} expired before they could be used`);
        }
        attempted = true;
        const attempt = this.#attempt(reason);
        let settled = false;
        void attempt.then(() => {
          settled = true;
        });
        await waitFor(() => settled || waited(), local, attempt);
        if (!settled) throw this.#gaveUp();
        continue;
      }

      // Backing off after a failure: static stability, fail fast, or wait for the next attempt.
      if (usable) return usable;
      if (!failure || failure.permanent || after(failure.due, deadlineInSts()) || waited()) {
        throw this.#gaveUp();
      }
      const due = failure.due;
      const over = () => this.#failure !== failure || reached(due, now()) || waited();
      await waitFor(over, {
        at: Math.min(due.at, deadlineInSts().at),
        real: Math.min(due.real, local.real),
      });
    }
  }

  /** True when no failure holds the next attempt back. */
  #attemptDue(): boolean {
    return !this.#failure || reached(this.#failure.due, this.#o.now());
  }

  /** The error a caller gets when it stops waiting. */
  #gaveUp(): Error {
    if (this.#failure) return this.#failure.error;
    const seconds = Math.round(this.#o.policy.maxWaitMs / 1000);
    return new AssumeRoleError(this.#o.roleArn, {
      code: "TimeoutError",
      message: `no credentials within ${seconds} s (maxWaitSeconds); a refresh is still running`,
    });
  }

  /** One attempt at a time; it never rejects: its outcome is in #held and #failure. */
  #attempt(reason: RefreshReason): Promise<void> {
    if (this.#inflight) return this.#inflight;
    const { roleArn, emit, policy, now } = this.#o;
    emit({ type: "refresh-started", roleArn, reason });
    const usableUntil = () => {
      const held = this.#held;
      return held && now() < held.usableUntil ? held.usableUntil : undefined;
    };
    const attempt: AttemptContext = {
      reason,
      callersWaiting: usableUntil() === undefined,
      waitedFor: this.#failure?.nextAttemptAt,
      rejected: this.#rejected,
      plan: (error, found = {}) => {
        const until = Math.max(usableUntil() ?? 0, found.usableUntil ?? 0);
        const count = Math.max(this.#consecutive, found.consecutive ?? 0) + 1;
        return policy.planFailure(error, now(), until > now() ? until : undefined, count);
      },
    };
    const inflight = this.#o
      .fetch(attempt)
      .then(
        (fetched) => this.#succeeded(reason, fetched),
        (error: unknown) =>
          this.#failed(
            reason,
            error instanceof RefreshFailure
              ? error
              : new RefreshFailure(asError(error), attempt.plan(error), "sts"),
          ),
      )
      .finally(() => {
        if (this.#inflight === inflight) this.#inflight = undefined;
      });
    this.#inflight = inflight;
    return inflight;
  }

  #succeeded(reason: RefreshReason, fetched: Fetched): void {
    const { identity, source } = fetched;
    this.#hold(fetched);
    this.#failure = undefined;
    this.#consecutive = 0;
    const { roleArn, emit } = this.#o;
    const { accessKeyId, expiration } = identity;
    emit({ type: "refresh-succeeded", roleArn, reason, source, accessKeyId, expiration });
  }

  #failed(reason: RefreshReason, failure: RefreshFailure): void {
    const now = this.#o.now();
    const { fallback, plan, error, source } = failure;
    // The cache may hold credentials that outlive ours (another process refreshed earlier).
    if (fallback && fallback.identity.expiration > (this.#held?.identity.expiration ?? 0)) {
      this.#hold(fallback);
    }
    this.#consecutive = plan.consecutive;
    const due = momentIn(now, Math.max(0, plan.nextAttemptAt - now));
    this.#failure = { ...plan, error, due };
    const held = this.#held;
    const serving = held && now < held.usableUntil ? new Date(held.usableUntil) : undefined;
    this.#o.emit({
      type: "refresh-failed",
      roleArn: this.#o.roleArn,
      reason,
      thrown: !serving,
      error,
      permanent: plan.permanent,
      nextAttemptAt: new Date(plan.nextAttemptAt),
      source,
      ...(serving ? { servingUntil: serving } : {}),
    });
  }

  #hold({ identity, lifetimeSeconds }: Fetched): void {
    const points = this.#o.policy.pointsFor(identity.expiration.getTime(), lifetimeSeconds);
    this.#held = { identity, settled: Promise.resolve(identity), ...points };
  }

  /** Credentials held right now, if any (no refresh). */
  peek(): ExpiringIdentity | undefined {
    return this.#held?.identity;
  }

  /**
   * A service rejected `accessKeyId` (or, without one, whatever is held): drop it if it is
   * what we hold, and treat cache entries holding it as misses. Returns true if dropped.
   */
  invalidate(accessKeyId?: string): boolean {
    const held = this.#held;
    const rejected = accessKeyId ?? held?.identity.accessKeyId;
    if (rejected !== undefined) {
      this.#rejected.add(rejected);
      // A few are enough: a rejected key is replaced at the next refresh.
      const oldest = this.#rejected.values().next().value;
      if (this.#rejected.size > 16 && oldest !== undefined) this.#rejected.delete(oldest);
    }
    if (!held || held.identity.accessKeyId !== rejected) return false;
    this.#held = undefined;
    // A long backoff was planned around credentials that are now gone.
    if (this.#failure && !this.#failure.permanent) this.#failure = undefined;
    return true;
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
