/**
 * `--cache DIR`, `--cache redis://…` and `--no-cache`: which shared cache the assumed-role
 * credentials go through. The default is the AWS CLI's own cache directory, so entries are
 * shared with the AWS CLI, boto3 and the Python library.
 */
import type { CredentialCache } from "@assume-role-lib/core";

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

const REDIS_URL = /^rediss?:\/\//i;

/** True when the value names a Redis server rather than a directory. */
export function isRedisUrl(value: string): boolean {
  return REDIS_URL.test(value);
}

/** Open the cache the option names. Modules are loaded only for the cache in use. */
export async function openCache(value: CacheOptionValue): Promise<OpenedCache> {
  if (value === false) {
    return { cache: undefined, description: "no cache", close: async () => {} };
  }
  if (value !== undefined && isRedisUrl(value)) {
    const { KeyvCache } = await import("@assume-role-lib/keyv-cache");
    const cache = KeyvCache.redis(value);
    return {
      cache,
      description: `Redis ${redactUrl(value)}`,
      close: async () => {
        await cache.close();
      },
    };
  }
  const { JSONFileCache, AWS_CLI_CACHE_DIR } = await import("@assume-role-lib/file-cache");
  const dir = value ?? AWS_CLI_CACHE_DIR;
  return {
    cache: new JSONFileCache(dir),
    description: `directory ${dir}`,
    close: async () => {},
  };
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
