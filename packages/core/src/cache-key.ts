import { createHash } from "node:crypto";
import { pythonJsonDumps } from "./python-json.js";

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
 * SHA-1 hex of Python's `json.dumps(args, sort_keys=True)`, where a generated RoleSessionName
 * is left out and a Policy string is parsed to an object first (so formatting does not
 * matter). TokenCode is always left out: a one-time MFA code must not split the cache, and
 * botocore adds it after computing the key too.
 */
export function cacheKey(args: CacheKeyArgs, options: CacheKeyOptions = {}): string {
  const keyArgs: Record<string, unknown> = { ...args };
  delete keyArgs.TokenCode;
  if (options.generatedSessionName) delete keyArgs.RoleSessionName;
  if (typeof keyArgs.Policy === "string") {
    try {
      keyArgs.Policy = JSON.parse(keyArgs.Policy);
    } catch {
      // An unparseable policy is hashed as the string it is; STS will reject it anyway.
    }
  }
  return createHash("sha1").update(pythonJsonDumps(keyArgs), "utf8").digest("hex");
}
