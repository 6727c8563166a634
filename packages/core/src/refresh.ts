/**
 * The refresh engine: serves assumed-role credentials from memory and decides when to get
 * new ones. Read top to bottom: the windows, then `provide()`, then how a refresh runs.
 *
 * Timeline of one set of credentials (defaults for one-hour credentials):
 *
 *   issued ─────────────── refreshAt ──────── mustRefreshAt ──────── expiration
 *          fresh: memory    advisory: serve     mandatory: wait for
 *          only, no I/O     current, refresh    the refresh; never
 *                           in the background   serve these
 *
 *   refreshAt     = expiration − advisory window (900 s) − this session's jitter
 *   mustRefreshAt = expiration − mandatory window (600 s)
 *
 * Windows shrink for short-lived credentials (at most 1/4, or `advisoryFraction`, and 1/6
 * of the lifetime), so 900-second credentials are served for 675 s before the first
 * refresh instead of being refreshed on every call as botocore does. The jitter is drawn
 * once per session: a fleet's processes reach refreshAt at different times, and the first
 * to refresh writes the shared cache for the others.
 */
import type { AwsCredentialIdentity } from "@smithy/types";
import { AssumeRoleValidationError, type ValidationIssue } from "./errors.js";
import type { AssumeRoleEvent, RefreshReason } from "./events.js";

/** Tuning for the refresh windows. Defaults suit one-hour credentials. */
export interface RefreshOptions {
  /** Refresh in the background this long before Expiration. Default 900. */
  advisorySeconds?: number;
  /** Callers wait for fresh credentials this long before Expiration. Default 600. */
  mandatorySeconds?: number;
  /**
   * Start the advisory refresh up to this much earlier, drawn once per session, to spread a
   * fleet's refreshes. Default 120; capped at half the gap between the two windows.
   */
  jitterSeconds?: number;
  /** After a failed background refresh, wait this long before trying again. Default 10. */
  retrySeconds?: number;
  /**
   * The advisory window is at most this fraction of the credentials' lifetime, so that
   * short-lived credentials are not refreshed on every call. Default 1/4; at most 1/2.
   * Raise it when the credentials are handed on to holders that keep them for a while (a
   * credentials server whose clients refresh only 15 minutes before Expiration): with 1/2
   * and `advisorySeconds: 1200`, one-hour credentials are replaced 20 minutes before they
   * expire instead of 15.
   */
  advisoryFraction?: number;
  /** Source of randomness for the jitter (tests pass a constant). Default Math.random. */
  random?: () => number;
}

/** Credentials as the engine holds them, with their expiration. */
export type ExpiringIdentity = AwsCredentialIdentity & { expiration: Date };

/** What a fetch returns: credentials, and the lifetime the windows are scaled to. */
export interface Fetched {
  identity: ExpiringIdentity;
  lifetimeSeconds: number;
  source: "sts" | "cache";
}

/** The two refresh points of one set of credentials, in epoch milliseconds. */
export interface RefreshPoints {
  refreshAt: number;
  mustRefreshAt: number;
}

/** The window arithmetic, shared with the cache check so both agree on "fresh enough". */
export class RefreshWindows {
  readonly #advisoryMs: number;
  readonly #mandatoryMs: number;
  readonly #jitterFraction: number;
  readonly #jitterMaxMs: number;
  readonly #advisoryFraction: number;
  readonly retryMs: number;

  /** Throws AssumeRoleValidationError for windows that are not finite, negative or inverted. */
  constructor(options: RefreshOptions = {}, roleArn?: string) {
    const issues: ValidationIssue[] = [];
    const seconds = (name: keyof RefreshOptions, fallback: number, min: number): number => {
      const value = options[name] ?? fallback;
      if (typeof value !== "number" || !Number.isFinite(value) || value < min) {
        issues.push({ field: `refresh.${name}`, message: `must be a finite number >= ${min}` });
        return fallback;
      }
      return value;
    };
    this.#advisoryMs = seconds("advisorySeconds", 900, 0) * 1000;
    this.#mandatoryMs = seconds("mandatorySeconds", 600, 0) * 1000;
    this.#jitterMaxMs = seconds("jitterSeconds", 120, 0) * 1000;
    this.retryMs = seconds("retrySeconds", 10, 0.001) * 1000;
    this.#advisoryFraction = options.advisoryFraction ?? 1 / 4;
    if (
      typeof this.#advisoryFraction !== "number" ||
      !(this.#advisoryFraction > 0 && this.#advisoryFraction <= 1 / 2)
    ) {
      issues.push({ field: "refresh.advisoryFraction", message: "must be > 0 and <= 0.5" });
    }
    if (this.#mandatoryMs > this.#advisoryMs) {
      issues.push({
        field: "refresh.mandatorySeconds",
        message: "must not exceed advisorySeconds",
      });
    }
    if (options.random !== undefined && typeof options.random !== "function") {
      issues.push({ field: "refresh.random", message: "must be a function" });
    }
    if (issues.length > 0) throw new AssumeRoleValidationError(roleArn, issues);
    this.#jitterFraction = Math.min(1, Math.max(0, (options.random ?? Math.random)()));
  }

  /** When credentials expiring at `expiration`, issued for `lifetimeSeconds`, need refreshing. */
  pointsFor(expiration: number, lifetimeSeconds: number): RefreshPoints {
    const lifetimeMs = Math.max(0, lifetimeSeconds * 1000);
    const mandatory = Math.min(this.#mandatoryMs, lifetimeMs / 6);
    // A small advisoryFraction must not put the advisory point after the mandatory one.
    const advisory = Math.max(
      mandatory,
      Math.min(this.#advisoryMs, lifetimeMs * this.#advisoryFraction),
    );
    const jitter = this.#jitterFraction * Math.min(this.#jitterMaxMs, (advisory - mandatory) / 2);
    return { refreshAt: expiration - advisory - jitter, mustRefreshAt: expiration - mandatory };
  }
}

interface Held extends RefreshPoints {
  identity: ExpiringIdentity;
  /** The identity as an already-settled promise: the hot path hands it out, allocating nothing. */
  settled: Promise<ExpiringIdentity>;
}

/** Everything the engine needs from the session that owns it. */
export interface RefreshEngineOptions {
  roleArn: string;
  /** Get new credentials: the shared cache, then STS (see shared-cache-fetch.ts). */
  fetch: (reason: RefreshReason) => Promise<Fetched>;
  windows: RefreshWindows;
  clock: () => number;
  emit: (event: AssumeRoleEvent) => void;
}

/** Single-flight, window-aware credential memoization for one assumed-role session. */
export class RefreshEngine {
  readonly #options: RefreshEngineOptions;
  #held: Held | undefined;
  #inflight: Promise<Held> | undefined;
  #retryAfter = 0;

  constructor(options: RefreshEngineOptions) {
    this.#options = options;
  }

  /** The credential provider's body: called for every request the SDK signs. */
  provide(): Promise<ExpiringIdentity> {
    const now = this.#options.clock();
    const held = this.#held;

    // Fresh: the hot path. Memory only.
    if (held && now < held.refreshAt) return held.settled;

    // Advisory: keep serving what we have; one background refresh, failures only reported.
    if (held && now < held.mustRefreshAt) {
      if (!this.#inflight && now >= this.#retryAfter) {
        this.#refresh("advisory").catch(() => {
          // Reported by #refresh as an event; the next call after retrySeconds tries again.
        });
      }
      return held.settled;
    }

    // Mandatory, expired or cold: everyone waits for the one refresh, and sees its error.
    return this.#waitForRefresh(held ? "mandatory" : "cold");
  }

  async #waitForRefresh(reason: RefreshReason): Promise<ExpiringIdentity> {
    const fresh = await (this.#inflight ?? this.#refresh(reason));
    if (this.#options.clock() >= fresh.mustRefreshAt) {
      // Only possible if the clock jumped past the new credentials' window while we waited.
      throw new Error(`Credentials for ${this.#options.roleArn} expired before they could be used`);
    }
    return fresh.identity;
  }

  /** Credentials held right now, if any (no refresh). */
  peek(): ExpiringIdentity | undefined {
    return this.#held?.identity;
  }

  #refresh(reason: RefreshReason): Promise<Held> {
    const { roleArn, emit, fetch, windows, clock } = this.#options;
    emit({ type: "refresh-started", roleArn, reason });
    const attempt = fetch(reason).then(
      (fetched) => {
        const { identity } = fetched;
        const points = windows.pointsFor(identity.expiration.getTime(), fetched.lifetimeSeconds);
        const held: Held = { identity, settled: Promise.resolve(identity), ...points };
        this.#held = held;
        this.#retryAfter = 0;
        emit({
          type: "refresh-succeeded",
          roleArn,
          reason,
          source: fetched.source,
          accessKeyId: identity.accessKeyId,
          expiration: identity.expiration,
        });
        return held;
      },
      (error: Error) => {
        this.#retryAfter = clock() + windows.retryMs;
        // Thrown to callers unless this was a background refresh with credentials still usable.
        const thrown = reason !== "advisory" || clock() >= (this.#held?.mustRefreshAt ?? 0);
        emit({ type: "refresh-failed", roleArn, reason, thrown, error });
        throw error;
      },
    );
    const inflight = attempt.finally(() => {
      if (this.#inflight === inflight) this.#inflight = undefined;
    });
    this.#inflight = inflight;
    return inflight;
  }
}
