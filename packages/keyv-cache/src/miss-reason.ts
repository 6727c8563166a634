/**
 * A value that is stored but cannot be used is not "absent": `KeyvCache.get` returns an
 * {@link UnreadableEntry} for it, so that the core can report why it missed (a tampered
 * entry in a shared Redis is worth an alert; an absent one is not).
 *
 * The reason is under a registered symbol, not a class: the core recognises it without
 * depending on this package, and any cache may return one. Until the core knows the
 * symbol, the value simply fails to parse, and the miss is reported as `invalid`.
 */

/** The property that carries an {@link UnreadableEntry}'s reason. */
export const CACHE_MISS_REASON: unique symbol = Symbol.for("assume-role-lib.cache-miss-reason");

/**
 * Why a stored value is not an entry:
 * - `tampered`: an encrypted entry failed authentication: its ciphertext, IV, tag or key id
 *   was changed, it was copied from another key, or it was sealed with another key under
 *   the same key id;
 * - `undecryptable`: an encrypted entry this cache has no key for (an unknown key id, or
 *   encryption is off here), a malformed envelope, or a plain-text value where encryption
 *   is on (whoever wrote it did not have the key).
 */
export type UnreadableReason = "tampered" | "undecryptable";

/** What `KeyvCache.get` returns for a stored value it cannot use. Holds no stored data. */
export interface UnreadableEntry {
  readonly [CACHE_MISS_REASON]: UnreadableReason;
  /** Which case of the reason, for logs (`unknown key id "2026-07"`, `not encrypted`, …). */
  readonly detail: string;
}

/** Build an {@link UnreadableEntry}. */
export function unreadable(reason: UnreadableReason, detail: string): UnreadableEntry {
  return Object.freeze({ [CACHE_MISS_REASON]: reason, detail });
}

/** The reason when `value` is an {@link UnreadableEntry}, else undefined. */
export function unreadableReason(value: unknown): UnreadableReason | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  return (value as Partial<UnreadableEntry>)[CACHE_MISS_REASON];
}
