/**
 * Where entries and locks live, and which keys are allowed to name a file.
 */
import { homedir, userInfo } from "node:os";
import { join, resolve } from "node:path";
import { AssumeRoleValidationError } from "@assume-role-lib/core/errors";

/**
 * The AWS CLI's cache directory. Pass it to {@link JSONFileCache} to share assumed-role
 * credentials with the AWS CLI and boto3: they use the same key and the same document.
 */
export const AWS_CLI_CACHE_DIR = "~/.aws/cli/cache";

/** This process's user name, or undefined when it has none (a uid with no passwd entry). */
function currentUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/**
 * Expand a leading `~` or `~<own user name>` to the home directory and make the path
 * absolute. `~<another user>` is refused with an AssumeRoleValidationError on `dir`: Node
 * cannot look up another user's home directory, and taking it as a directory literally
 * named `~bob` in the current directory is never what was meant (write `./~bob` for that).
 */
export function expandHome(dir: string): string {
  const match = /^~([^/\\]*)(?:[/\\](.*))?$/s.exec(dir);
  if (!match) return resolve(dir);
  const [, user = "", rest = ""] = match;
  if (user !== "" && user !== currentUserName()) {
    throw new AssumeRoleValidationError(undefined, [
      {
        field: "dir",
        message: `${JSON.stringify(`~${user}`.slice(0, 60))} is not expanded: only ~ and ~<your own user name> are`,
      },
    ]);
  }
  return rest ? join(homedir(), rest) : homedir();
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

/**
 * The name of a temp file atomic-write.ts leaves when its writer dies between create and
 * rename (`<key>.json.<pid>.<12 hex digits>.tmp`); group 1 is the writer's pid.
 */
export const TEMP_FILE_NAME =
  /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}\.json\.([1-9][0-9]{0,9})\.[0-9a-f]{12}\.tmp$/;
