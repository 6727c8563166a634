/**
 * `@assume-role-lib/core/cache`: what a cache implementation needs (the interface, the entry
 * schema, the key, the local lock table), without loading the AWS SDK. Cache packages and
 * their worker processes import this entry point so a process that only reads a cache does
 * not pay for `@aws-sdk/client-sts`.
 */

export type { CredentialCache, LockOptions, ReleaseLock } from "./cache.js";
export { LocalLocks, MemoryCache } from "./cache.js";
export type { CacheEntry, ParsedCacheEntry } from "./cache-entry.js";
export { cacheEntrySchema, parseCacheEntry, toCacheEntry } from "./cache-entry.js";
export type { CacheKeyArgs, CacheKeyOptions } from "./cache-key.js";
export { cacheKey, cacheKeyText } from "./cache-key.js";
export type { CacheMissReason } from "./entry-trust.js";
export { formatExpiration, parseExpiration } from "./expiration.js";
export type { MarkedMissReason } from "./miss-marker.js";
export { CACHE_MISS_REASON } from "./miss-marker.js";
export type { PythonJsonOptions } from "./python-json.js";
export { PythonJsonError, pythonJsonDumps } from "./python-json.js";
export type { FailureRecord } from "./shared-failure.js";
export { documentExpiration, failureKey } from "./shared-failure.js";
