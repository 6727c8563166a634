/**
 * The error a cache backend throws from `get` when it has something stored under the key
 * but will not hand it over: undecryptable, tampered with, or in a place it does not trust.
 * The core reports it as a `cache-miss` with that `why` (not as a backend failure), and the
 * next write replaces the entry.
 */
import type { CacheMissReason } from "./entry-trust.js";

/** The reasons a backend may give (the others are the core's own checks). */
export type RejectedEntryReason = Extract<
  CacheMissReason,
  "undecryptable" | "tampered" | "untrusted-location" | "invalid"
>;

const REASONS: ReadonlySet<string> = new Set([
  "undecryptable",
  "tampered",
  "untrusted-location",
  "invalid",
]);

/** Thrown by a cache's `get` for an entry it refuses to return. Carries no entry data. */
export class CacheEntryRejectedError extends Error {
  override readonly name = "CacheEntryRejectedError";
  readonly reason: RejectedEntryReason;
  /** A stable code for logs, e.g. `ENTRY_UNDECRYPTABLE`. */
  readonly code: string;

  constructor(reason: RejectedEntryReason, detail: string) {
    super(`Cache entry rejected (${reason}): ${detail}`);
    this.reason = reason;
    this.code = `ENTRY_${reason.toUpperCase().replace(/-/g, "_")}`;
  }
}

/**
 * The reason of a rejected-entry error, by shape rather than `instanceof`: a cache package
 * may have been built against another copy of the core.
 */
export function rejectionReason(error: unknown): RejectedEntryReason | undefined {
  const e = error as { name?: unknown; reason?: unknown } | null;
  return e?.name === "CacheEntryRejectedError" &&
    typeof e.reason === "string" &&
    REASONS.has(e.reason)
    ? (e.reason as RejectedEntryReason)
    : undefined;
}
