/**
 * A cache that has something stored under a key but cannot use it (undecryptable, tampered)
 * returns a marker from `get` instead of the value, so that the miss says why: a tampered
 * entry in a shared Redis is worth an alert, an absent one is not. The reason sits under a
 * registered symbol, so any cache can return one without depending on the core's classes
 * (KeyvCache does; see keyv-cache/src/miss-reason.ts).
 */
import type { CacheMissReason } from "./entry-trust.js";

/** The property of a marker value that carries the reason. */
export const CACHE_MISS_REASON: unique symbol = Symbol.for("assume-role-lib.cache-miss-reason");

/** The reasons a backend may report through a marker. */
export type MarkedMissReason = Extract<CacheMissReason, "undecryptable" | "tampered">;

const MARKED: ReadonlySet<string> = new Set(["undecryptable", "tampered"]);

/** The reason when `value` is a miss marker, else undefined. */
export function markedMissReason(value: unknown): MarkedMissReason | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const reason = (value as { [CACHE_MISS_REASON]?: unknown })[CACHE_MISS_REASON];
  return typeof reason === "string" && MARKED.has(reason)
    ? (reason as MarkedMissReason)
    : undefined;
}
