import { channel } from "node:diagnostics_channel";
import type { CacheMissReason } from "./entry-trust.js";
import { scrub } from "./errors.js";

/** Why a refresh started. */
export type RefreshReason = "cold" | "advisory" | "mandatory";

/** A cache operation the core performs (and reports failures of). */
export type CacheOperation = "get" | "set" | "delete" | "lock" | "unlock" | "renew";

/**
 * Everything the library reports. No event carries a SecretAccessKey or SessionToken;
 * `accessKeyId` (not secret) is there so refreshes can be correlated with CloudTrail.
 */
export type AssumeRoleEvent =
  | { type: "refresh-started"; roleArn: string; reason: RefreshReason }
  | {
      type: "refresh-succeeded";
      roleArn: string;
      reason: RefreshReason;
      source: "sts" | "cache";
      accessKeyId: string;
      expiration: Date;
    }
  | {
      type: "refresh-failed";
      roleArn: string;
      reason: RefreshReason;
      /** Callers get this error: no unexpired credentials were held, in memory or the cache. */
      thrown: boolean;
      error: Error;
      /** A retry cannot fix it: it is remembered and handed out until `nextAttemptAt`. */
      permanent: boolean;
      /** No attempt (by this session, or with shared failures by the fleet) before this. */
      nextAttemptAt: Date;
      /** `sts`: this session's STS call failed; `fleet`: another process's, read from the cache. */
      source: "sts" | "fleet";
      /** Held credentials are served until then (30 s before they expire); absent if none. */
      servingUntil?: Date;
    }
  | { type: "cache-hit"; roleArn: string; key: string }
  | {
      type: "cache-miss";
      roleArn: string;
      key: string;
      /**
       * `expiring`: inside its refresh window (still served if the refresh fails);
       * `rejected`: holds a key a service rejected (see `Session.invalidate`);
       * `implausible`: expires further ahead than its lifetime (the local clock is behind);
       * the trust checks (entry-trust.ts): `bad-characters`, `expiration-out-of-range`,
       * `role-mismatch`, `parent-mismatch`, `undecryptable`, `tampered`.
       */
      why: CacheMissReason;
    }
  | {
      type: "cache-error";
      roleArn: string;
      key: string;
      operation: CacheOperation;
      error: Error;
    }
  | { type: "lock-waited"; roleArn: string; key: string; waitedMs: number; acquired: boolean }
  | { type: "sts-call"; roleArn: string; durationMs: number; ok: boolean; code?: string }
  | {
      type: "clock-skew";
      roleArn: string;
      /** Local clock minus STS's, measured from STS's `Date` header (0: within 10 s). */
      skewMs: number;
    }
  | {
      type: "credentials-invalidated";
      roleArn: string;
      /** The key a service rejected (undefined: whatever was held). */
      accessKeyId: string | undefined;
      /** The session dropped the credentials it held. */
      dropped: boolean;
      /** The shared cache entry held that key and was removed. */
      sharedEntryRemoved: boolean;
    };

/** A function that receives events. Exceptions it throws are swallowed. */
export type EventListener = (event: AssumeRoleEvent) => void;

/**
 * Every event is also published on this `node:diagnostics_channel` channel, so an
 * application can observe all sessions (including ones a library created) in one place:
 * `diagnostics_channel.subscribe(EVENTS_CHANNEL, (event) => …)`.
 */
export const EVENTS_CHANNEL = "assume-role-lib:events";
const eventsChannel = channel(EVENTS_CHANNEL);

/** Build the emit function for one session: its `onEvent` listener plus the channel. */
export function createEmitter(onEvent: EventListener | undefined): EventListener {
  return (event) => {
    if (eventsChannel.hasSubscribers) eventsChannel.publish(event);
    if (onEvent) {
      try {
        onEvent(event);
      } catch {
        // A broken listener must not break credential resolution.
      }
    }
  };
}

/**
 * Reduce anything thrown by a cache backend to a plain Error with no payload: backend errors
 * can quote the value being written (a whole credential document).
 */
export function sanitizeError(error: unknown, secrets: Iterable<string | undefined> = []): Error {
  const e = error as { name?: unknown; code?: unknown; message?: unknown };
  const message = scrub(typeof e?.message === "string" ? e.message : String(error), secrets);
  const clean = new Error(message.length > 500 ? `${message.slice(0, 500)}…` : message);
  if (typeof e?.name === "string") clean.name = e.name;
  if (typeof e?.code === "string") (clean as Error & { code?: string }).code = e.code;
  return clean;
}
