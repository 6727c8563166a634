/**
 * Checking what a caller passes to `new JSONFileCache(dir, options)`: a mistake here must be
 * a clear error at construction, not a cache in the current directory (an empty `dir`) or
 * files that this cache would then refuse to read (a group-writable `fileMode`).
 */
import { AssumeRoleValidationError, type ValidationIssue } from "@assume-role-lib/core/errors";

/** Options of {@link JSONFileCache}. */
export interface JSONFileCacheOptions {
  /**
   * Mode of entry files. Default `0o600`: they hold secrets. Must give the owner read and
   * write, and must not let group or others write (such entries are refused on read).
   */
  fileMode?: number;
  /**
   * Mode of the cache directory when this cache creates it. Default `0o700`. Must not let
   * group or others write (such a directory is refused).
   */
  dirMode?: number;
  /** First poll interval while another process holds a lock. Default 20 ms. */
  lockPollMinMs?: number;
  /** Longest poll interval while another process holds a lock. Default 100 ms. */
  lockPollMaxMs?: number;
  /**
   * Called when another process broke a lock this process still held (it looked stale:
   * this process was suspended or its event loop blocked for longer than the stale time).
   * The only consequence is a possible duplicate STS call. Default: a process warning.
   */
  onLockCompromised?: (key: string, error: Error) => void;
}

const isMode = (value: unknown): value is number =>
  Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0o777;

function modeIssue(value: unknown, ownerBits: number, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (!isMode(value)) return "must be a file mode: an integer from 0 to 0o777";
  if ((value & ownerBits) !== ownerBits) {
    return `must give the owner ${what} (0o${ownerBits.toString(8)})`;
  }
  if ((value & 0o022) !== 0) {
    return "must not let group or others write: this cache refuses such files";
  }
  return undefined;
}

const isPositive = (value: unknown) =>
  typeof value === "number" && Number.isFinite(value) && value > 0;

/** Throw AssumeRoleValidationError naming every bad argument of the constructor. */
export function checkCacheArguments(dir: unknown, options: unknown): void {
  const issues: ValidationIssue[] = [];
  if (typeof dir !== "string") {
    issues.push({ field: "dir", message: `must be a directory path (got ${typeof dir})` });
  } else if (dir.trim() === "") {
    issues.push({
      field: "dir",
      message: "must not be empty (write '.' for the current directory)",
    });
  } else if (dir.includes("\0")) {
    issues.push({ field: "dir", message: "must not contain a NUL character" });
  }
  if (options !== undefined && (typeof options !== "object" || options === null)) {
    issues.push({ field: "options", message: "must be an object" });
  } else if (options) {
    const o = options as Record<keyof JSONFileCacheOptions, unknown>;
    const fileMode = modeIssue(o.fileMode, 0o600, "read and write");
    if (fileMode) issues.push({ field: "fileMode", message: fileMode });
    const dirMode = modeIssue(o.dirMode, 0o700, "read, write and search");
    if (dirMode) issues.push({ field: "dirMode", message: dirMode });
    for (const field of ["lockPollMinMs", "lockPollMaxMs"] as const) {
      if (o[field] !== undefined && !isPositive(o[field])) {
        issues.push({ field, message: "must be a positive number of milliseconds" });
      }
    }
    if (o.onLockCompromised !== undefined && typeof o.onLockCompromised !== "function") {
      issues.push({ field: "onLockCompromised", message: "must be a function" });
    }
  }
  if (issues.length > 0) throw new AssumeRoleValidationError(undefined, issues);
}
