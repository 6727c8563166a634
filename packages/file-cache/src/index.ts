/**
 * `@assume-role-lib/file-cache`: a JSON file cache for assumed-role credentials with atomic
 * writes and cross-process locks, compatible with the AWS CLI's and boto3's cache.
 *
 * @packageDocumentation
 */
export { writeFileAtomic } from "./atomic-write.js";
export type { JSONFileCacheOptions } from "./cache-options.js";
export { JSONFileCache } from "./json-file-cache.js";
export { AWS_CLI_CACHE_DIR, expandHome, InvalidCacheKeyError } from "./paths.js";
export { type UntrustedCacheFileCode, UntrustedCacheFileError } from "./trust.js";
