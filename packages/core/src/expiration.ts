/**
 * Parse the Expiration timestamps that the writers of shared cache entries produce:
 * ISO-8601 with `Z` (the SDKs, us), `+00:00` or another offset (Python's isoformat), a bare
 * `UTC` suffix (botocore's JSONFileCache writes `%Y-%m-%dT%H:%M:%S%Z`), fractional seconds,
 * or a Date / epoch-milliseconds number from an in-memory cache. Returns undefined for
 * anything else, so that a bad entry is a cache miss and never a crash.
 */
export function parseExpiration(value: unknown): Date | undefined {
  let date: Date | undefined;
  if (value instanceof Date) date = new Date(value.getTime());
  else if (typeof value === "number") date = new Date(value);
  else if (typeof value === "string") date = parseTimestamp(value.trim());
  return date && Number.isFinite(date.getTime()) ? date : undefined;
}

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|UTC|GMT|[+-]\d{2}:?\d{2})?$/i;

function parseTimestamp(text: string): Date | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = "", zone = "Z"] = m;
  // A timestamp with no zone is taken as UTC: botocore's cache writes UTC, and guessing the
  // local zone would make a shared entry mean different things on different hosts.
  let offsetMinutes = 0;
  if (/^[+-]/.test(zone)) {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    offsetMinutes = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  }
  const ms = Number(`0.${frac || "0"}`) * 1000;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const date = new Date(utc + Math.floor(ms) - offsetMinutes * 60_000);
  // Reject rolled-over dates like 2026-02-31 rather than silently moving them.
  if (new Date(utc).getUTCDate() !== Number(d)) return undefined;
  return date;
}

/** Format an Expiration the way the AWS SDKs and botocore's readers expect: ISO-8601, `Z`. */
export function formatExpiration(date: Date): string {
  return date.toISOString().replace(/\.000Z$/, "Z");
}
