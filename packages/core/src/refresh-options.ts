/**
 * The `refresh` option of `assumeRole()`: what can be tuned about the refresh policy
 * (refresh.ts), checked before any network call.
 */
import { AssumeRoleValidationError, type ValidationIssue } from "./errors.js";

/** Tuning of the refresh policy. Every field is optional; the defaults follow AWS's SDKs. */
export interface RefreshOptions {
  /**
   * Refresh in the background this long before Expiration. Default by lifetime: 300 for
   * credentials that last up to 20 min, 900 below 90 min, 3600 otherwise.
   */
  advisorySeconds?: number;
  /** Callers wait for fresh credentials this long before Expiration. Default min(60, advisory). */
  mandatorySeconds?: number;
  /**
   * Start the advisory refresh up to this much earlier, drawn once per session, to spread a
   * fleet's refreshes. Default 120; capped at half the gap between the two windows.
   */
  jitterSeconds?: number;
  /**
   * While unexpired credentials are held, a failed refresh waits a random time in this
   * range (and never past their expiry) before the next attempt. Default [300, 600].
   */
  backoffSeconds?: readonly [number, number];
  /**
   * With no usable credentials, a transient failure waits the first value, doubling with
   * each failure in a row up to the second (jittered down by up to half). Default [1, 30].
   */
  coldBackoffSeconds?: readonly [number, number];
  /** A permanent failure (AccessDenied, …) is handed to every caller for this long. Default 5. */
  permanentFailureSeconds?: number;
  /**
   * A caller with no usable credentials waits at most this long (by the clock or in real
   * time, whichever ends first) for the fleet's attempts, then gets the last error.
   * Default 120: long enough for 20 throttles in a row with the SDK's 3 attempts each
   * (7 attempts, about a minute of backoff).
   */
  maxWaitSeconds?: number;
  /**
   * Share a failed refresh and its next attempt through the cache, so a fleet backs off
   * together. Default true; with no cache there is nothing to share.
   */
  shareFailures?: boolean;
  /** Source of randomness for jitter (tests pass a constant). Default Math.random. */
  random?: () => number;
}

/** The options in milliseconds, checked. `advisoryMs`/`mandatoryMs` undefined: by lifetime. */
export interface ResolvedRefreshOptions {
  advisoryMs: number | undefined;
  mandatoryMs: number | undefined;
  jitterMaxMs: number;
  backoffMs: readonly [number, number];
  coldBackoffMs: readonly [number, number];
  permanentMs: number;
  maxWaitMs: number;
  shareFailures: boolean;
  random: () => number;
}

/** Check `options`; throws AssumeRoleValidationError naming every bad field. */
export function resolveRefreshOptions(
  options: RefreshOptions = {},
  roleArn?: string,
): ResolvedRefreshOptions {
  const issues: ValidationIssue[] = [];
  const bad = (name: string, message: string) => issues.push({ field: `refresh.${name}`, message });
  const isNumber = (v: unknown, min: number): v is number =>
    typeof v === "number" && Number.isFinite(v) && v >= min;
  const ms = (name: keyof RefreshOptions, fallback: number | undefined, min = 0) => {
    const value = options[name];
    if (value === undefined) return fallback;
    if (isNumber(value, min)) return value * 1000;
    bad(name, `must be a finite number >= ${min}`);
    return fallback;
  };
  const range = (name: keyof RefreshOptions, fallback: readonly [number, number]) => {
    const value = options[name];
    if (value === undefined) return fallback;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      isNumber(value[0], 0.001) &&
      isNumber(value[1], value[0])
    ) {
      return [value[0] * 1000, value[1] * 1000] as const;
    }
    bad(name, "must be [min, max] seconds with 0 < min <= max");
    return fallback;
  };

  const advisoryMs = ms("advisorySeconds", undefined);
  const mandatoryMs = ms("mandatorySeconds", undefined);
  if (advisoryMs !== undefined && mandatoryMs !== undefined && mandatoryMs > advisoryMs) {
    bad("mandatorySeconds", "must not exceed advisorySeconds");
  }
  const resolved: ResolvedRefreshOptions = {
    advisoryMs,
    mandatoryMs,
    jitterMaxMs: ms("jitterSeconds", 120_000) as number,
    backoffMs: range("backoffSeconds", [300_000, 600_000]),
    coldBackoffMs: range("coldBackoffSeconds", [1000, 30_000]),
    permanentMs: ms("permanentFailureSeconds", 5000, 0.001) as number,
    maxWaitMs: ms("maxWaitSeconds", 120_000, 0.001) as number,
    shareFailures: options.shareFailures ?? true,
    random: options.random ?? Math.random,
  };
  if (typeof resolved.shareFailures !== "boolean") bad("shareFailures", "must be a boolean");
  if (typeof resolved.random !== "function") bad("random", "must be a function");
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) bad(key, "is not a refresh option");
  }
  if (issues.length > 0) throw new AssumeRoleValidationError(roleArn, issues);
  return resolved;
}

const KNOWN = new Set<string>([
  "advisorySeconds",
  "mandatorySeconds",
  "jitterSeconds",
  "backoffSeconds",
  "coldBackoffSeconds",
  "permanentFailureSeconds",
  "maxWaitSeconds",
  "shareFailures",
  "random",
]);
