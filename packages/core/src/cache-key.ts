import { sha1 } from "@noble/hashes/legacy.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { pythonJsonDumps } from "./python-json.js";
import { pythonJsonLoads } from "./python-json-loads.js";

/** The AssumeRole arguments a cache key is computed from (the request, including RoleArn). */
export type CacheKeyArgs = Record<string, unknown> & { RoleArn: string };

/** Options for {@link cacheKey}. */
export interface CacheKeyOptions {
  /**
   * True when RoleSessionName was generated rather than chosen. botocore leaves a generated
   * name out of the key, so a fresh process (with a fresh generated name) still hits the cache.
   */
  generatedSessionName?: boolean;
}

/**
 * The cache key for an AssumeRole request: botocore's algorithm, so that entries are shared
 * with the AWS CLI, boto3 and the Python library.
 *
 * SHA-1 hex of {@link cacheKeyText}: Python's `json.dumps(args, sort_keys=True)`, where a
 * generated RoleSessionName is left out and a Policy string is read with Python's
 * `json.loads` first (so its formatting does not matter, and its numbers, key order and
 * escapes come out exactly as botocore writes them). TokenCode is always left out: a
 * one-time MFA code must not split the cache, and botocore adds it after computing the key
 * too. Parity with Python is tested against `python3` on generated policies.
 */
export function cacheKey(args: CacheKeyArgs, options: CacheKeyOptions = {}): string {
  // @noble/hashes (audited, pure JS), not node:crypto: a cache hit needs nothing else from
  // node:crypto, whose loading is ~2.5 ms of every credential_process call.
  return bytesToHex(sha1(utf8ToBytes(cacheKeyText(args, options))));
}

/**
 * The text {@link cacheKey} hashes: exactly what botocore's `_create_cache_key` passes to
 * SHA-1. Useful to see why two requests do (or do not) share a cache entry.
 */
export function cacheKeyText(args: CacheKeyArgs, options: CacheKeyOptions = {}): string {
  const keyArgs: Record<string, unknown> = { ...args };
  delete keyArgs.TokenCode;
  if (options.generatedSessionName) delete keyArgs.RoleSessionName;
  if (typeof keyArgs.Policy === "string") {
    try {
      keyArgs.Policy = pythonJsonLoads(keyArgs.Policy);
    } catch {
      // botocore raises on a policy json.loads refuses, so there is no key to match: hash
      // the text as it is (STS refuses it anyway).
    }
  }
  return pythonJsonDumps(keyArgs);
}
