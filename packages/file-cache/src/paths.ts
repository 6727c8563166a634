/**
 * Where entries and locks live, and which keys are allowed to name a file.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";

/**
 * The AWS CLI's cache directory. Pass it to {@link JSONFileCache} to share assumed-role
 * credentials with the AWS CLI and boto3: they use the same key and the same document.
 */
export const AWS_CLI_CACHE_DIR = "~/.aws/cli/cache";

/** Expand a leading `~` (not `~user`) to the home directory and make the path absolute. */
export function expandHome(dir: string): string {
  if (dir === "~") return homedir();
  if (dir.startsWith("~/") || dir.startsWith("~\\")) return join(homedir(), dir.slice(2));
  return resolve(dir);
}

// botocore's keys are 40 hex characters; other callers may pick their own names, so any
// plain file name is allowed, but nothing that could step out of the directory.
const SAFE_KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/** Thrown for a key that cannot safely name a file inside the cache directory. */
export class InvalidCacheKeyError extends TypeError {
  constructor(key: unknown) {
    const shown = typeof key === "string" ? JSON.stringify(key.slice(0, 60)) : typeof key;
    super(
      `Invalid cache key ${shown}: a key must be 1-200 characters of A-Z a-z 0-9 . _ - ` +
        "and not start with a dot (no path separators, no '..')",
    );
    this.name = "InvalidCacheKeyError";
  }
}

/** Throw {@link InvalidCacheKeyError} unless `key` is a safe file name. */
export function assertSafeKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || !SAFE_KEY.test(key)) throw new InvalidCacheKeyError(key);
}

/** The entry file of `key`: `<dir>/<key>.json`, the name botocore's JSONFileCache uses. */
export function entryPath(dir: string, key: string): string {
  assertSafeKey(key);
  return join(dir, `${key}.json`);
}

/** The lock directory of `key`, beside its entry (botocore ignores it). */
export function lockPath(dir: string, key: string): string {
  assertSafeKey(key);
  return join(dir, `${key}.json.lock`);
}

/** Temp files carry this suffix; nothing else in the directory does. */
export const TEMP_SUFFIX = ".tmp";
