/**
 * `--cache DIR`, `--cache redis://…` and `--no-cache`: which shared cache the assumed-role
 * credentials go through, and `--cache-encryption-key-file` / `--cache-encryption-key-env`
 * for a Redis cache. The default is the AWS CLI's own cache directory, so entries are
 * shared with the AWS CLI, boto3 and the Python library.
 *
 * Mistakes are usage errors (exit 2) before anything is read or connected: an empty value
 * (which would have meant the current directory), a URL scheme other than redis:// and
 * rediss:// (which would have become a directory named `redis+sentinel:`), a malformed URL,
 * `~<another user>`, an encryption key for a directory, a key that is missing or not 32
 * bytes.
 */
import type { CredentialCache } from "@assume-role-lib/core";
import { InvalidArgumentError } from "commander";
import { UsageError } from "./errors/exit-codes.js";
import { readKeyFile } from "./key-file.js";

/** An opened cache and how to let go of it (a Redis connection keeps the process alive). */
export interface OpenedCache {
  cache: CredentialCache | undefined;
  /** Where the entries go, for `--debug`. */
  description: string;
  /** Close connections (a Redis client would keep the process alive). */
  close(): Promise<void>;
}

/** The `--cache` option value: a directory, a Redis URL, false (`--no-cache`) or unset. */
export type CacheOptionValue = string | false | undefined;

/** The cache options of a command: `--cache` and where its encryption key comes from. */
export interface CacheOptions {
  cache?: CacheOptionValue;
  /** `--cache-encryption-key-file`: a file holding the 32-byte key (hex or base64). */
  cacheEncryptionKeyFile?: string;
  /** `--cache-encryption-key-env`: the environment variable holding the key. */
  cacheEncryptionKeyEnv?: string;
}

const REDIS_URL = /^rediss?:\/\//i;
const ANY_URL = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/** True when the value names a Redis server rather than a directory. */
export function isRedisUrl(value: string): boolean {
  return REDIS_URL.test(value);
}

/**
 * `--cache`'s parser: a directory, or a redis:// or rediss:// URL that parses. Throws
 * commander's InvalidArgumentError (exit 2) otherwise.
 */
export function parseCacheOption(value: string): string {
  if (value.trim() === "") {
    throw new InvalidArgumentError(
      "must not be empty: give a directory or a redis:// URL (or --no-cache for none)",
    );
  }
  if (!ANY_URL.test(value)) return value;
  const scheme = value.slice(0, value.indexOf(":"));
  if (!isRedisUrl(value)) {
    throw new InvalidArgumentError(
      `the scheme ${scheme}:// is not supported: give a directory, or a redis:// or rediss:// URL`,
    );
  }
  try {
    new URL(value);
  } catch {
    throw new InvalidArgumentError("is not a valid URL (redis://[user:password@]host[:port][/db])");
  }
  return value;
}

/**
 * Open the cache the options name. Modules are loaded only for the cache in use. It takes
 * all the cache options, never `--cache` alone: a caller that dropped the key options
 * would store entries in clear.
 */
export async function openCache(options: CacheOptions): Promise<OpenedCache> {
  const { cache: value, ...keySource } = options;
  const wantsKey = keySource.cacheEncryptionKeyFile ?? keySource.cacheEncryptionKeyEnv;
  if (wantsKey !== undefined && !(typeof value === "string" && isRedisUrl(value))) {
    throw new UsageError(
      "--cache-encryption-key-file and --cache-encryption-key-env need --cache redis://…",
    );
  }
  if (value === false) {
    return { cache: undefined, description: "no cache", close: async () => {} };
  }
  if (value !== undefined && isRedisUrl(value)) {
    const encryptionKey = await encryptionKeyFrom(keySource);
    const { KeyvCache } = await import("@assume-role-lib/keyv-cache");
    const cache = asUsageError("--cache", () =>
      KeyvCache.redis(value, encryptionKey === undefined ? {} : { encryptionKey }),
    );
    return {
      cache,
      description: `Redis ${redactUrl(value)}${cache.encrypted ? " (encrypted)" : ""}`,
      close: async () => {
        await cache.close();
      },
    };
  }
  const { JSONFileCache, AWS_CLI_CACHE_DIR } = await import("@assume-role-lib/file-cache");
  const dir = value ?? AWS_CLI_CACHE_DIR;
  return {
    cache: asUsageError("--cache", () => new JSONFileCache(dir)),
    description: `directory ${dir}`,
    close: async () => {},
  };
}

/** The key `--cache-encryption-key-file` or `--cache-encryption-key-env` names, if any. */
async function encryptionKeyFrom(source: Omit<CacheOptions, "cache">): Promise<string | undefined> {
  const { cacheEncryptionKeyFile: file, cacheEncryptionKeyEnv: name } = source;
  if (file !== undefined && name !== undefined) {
    throw new UsageError("give either --cache-encryption-key-file or --cache-encryption-key-env");
  }
  let key: string | undefined;
  let flag: string;
  if (file !== undefined) {
    flag = "--cache-encryption-key-file";
    key = await readKeyFile(file);
  } else if (name !== undefined) {
    flag = "--cache-encryption-key-env";
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new UsageError(`${flag}: ${JSON.stringify(name)} is not an environment variable name`);
    }
    key = process.env[name]?.trim();
    if (!key) throw new UsageError(`${flag}: ${name} is not set or empty`);
  } else {
    return undefined;
  }
  const { decodeEncryptionKey } = await import("@assume-role-lib/keyv-cache");
  asUsageError(flag, () => decodeEncryptionKey(key));
  return key;
}

/**
 * Run `make`; a library's validation error becomes a usage error about `flag` (the issue's
 * message, never the value: it may be a key or hold a password).
 */
function asUsageError<T>(flag: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    const issues = (error as { name?: unknown; issues?: Array<{ message: string }> }).issues;
    if ((error as Error)?.name === "AssumeRoleValidationError" && issues) {
      throw new UsageError(`${flag}: ${issues.map((i) => i.message).join("; ")}`);
    }
    throw error;
  }
}

/** A Redis URL without its password, for messages. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    return url.toString();
  } catch {
    return "(invalid URL)";
  }
}
