/**
 * What one refresh attempt and the fetch behind it (shared-cache-fetch.ts) tell each other.
 */
import type { AwsCredentialIdentity } from "@smithy/types";
import type { RefreshReason } from "./events.js";
import type { FailurePlan } from "./shared-failure.js";

/** Credentials as the engine holds them, with their expiration. */
export type ExpiringIdentity = AwsCredentialIdentity & { expiration: Date };

/** What a fetch returns: credentials, and the lifetime the windows are scaled to. */
export interface Fetched {
  identity: ExpiringIdentity;
  lifetimeSeconds: number;
  source: "sts" | "cache";
}

/** What one attempt tells the fetch (shared-cache-fetch.ts). */
export interface AttemptContext {
  reason: RefreshReason;
  /** Callers wait with nothing usable: the STS call may use the SDK's quick retries. */
  callersWaiting: boolean;
  /**
   * The next-attempt time this attempt has waited for: a shared record asking for no more
   * is not a reason to wait again (it matters when a test clock is frozen and the wait
   * ended in real time).
   */
  waitedFor: number | undefined;
  /** Keys a service rejected (Session.invalidate): a cache entry holding one is a miss. */
  rejected: ReadonlySet<string>;
  /** The plan after `error`, given usable credentials or a failure count found in the cache. */
  plan(error: unknown, found?: { usableUntil?: number; consecutive?: number }): FailurePlan;
}

/** How a fetch fails: the error, its plan, and credentials still usable from the cache. */
export class RefreshFailure extends Error {
  constructor(
    readonly error: Error,
    readonly plan: FailurePlan,
    readonly source: "sts" | "fleet",
    readonly fallback?: Fetched,
  ) {
    super(error.message);
  }
}
