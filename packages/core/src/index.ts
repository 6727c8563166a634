/**
 * Assumed-role credentials with automatic refresh and pluggable caches for the AWS SDK for
 * JavaScript v3. Start with {@link assumeRole} and {@link Session}.
 *
 * @packageDocumentation
 */
export type { LambdaSessionNameOptions } from "./arns.js";
export { generateLambdaSessionName, getAssumedRoleSessionArn, getRoleArn } from "./arns.js";
export { assumeRole } from "./assume-role.js";
export type { AssumeRoleBehaviour } from "./assumed-role-credentials.js";
export type { CredentialCache, LockOptions, ReleaseLock } from "./cache.js";
export { LocalLocks, MemoryCache } from "./cache.js";
export type { CacheEntry, ParsedCacheEntry } from "./cache-entry.js";
export { cacheEntrySchema, parseCacheEntry, toCacheEntry } from "./cache-entry.js";
export { CacheTimeoutError } from "./cache-io.js";
export type { CacheKeyArgs, CacheKeyOptions } from "./cache-key.js";
export { cacheKey, cacheKeyText } from "./cache-key.js";
export type { CacheMissReason } from "./entry-trust.js";
export type { ValidationIssue } from "./errors.js";
export {
  AssumeRoleError,
  AssumeRoleValidationError,
  ClockSkewError,
  isPermanentFailure,
  NoParentCredentialsError,
} from "./errors.js";
export type { AssumeRoleEvent, CacheOperation, EventListener, RefreshReason } from "./events.js";
export { EVENTS_CHANNEL } from "./events.js";
export { formatExpiration, parseExpiration } from "./expiration.js";
export type { MemoizedProvider } from "./identity.js";
export type { MarkedMissReason } from "./miss-marker.js";
export { CACHE_MISS_REASON } from "./miss-marker.js";
export { paramSchemas } from "./param-schemas.js";
export type { AssumeRoleParams, Duration, NormalizedRequest, TokenCodeSource } from "./params.js";
export { AUTOMATIC_ROLE_SESSION_NAME } from "./params.js";
export type { ParentBindingMode, PrincipalStore } from "./parent-binding.js";
export type { ProfileFileOptions } from "./profile/config-files.js";
export type { ProfileFilePaths } from "./profile/errors.js";
export { MfaCodeRequiredError, ProfileConfigError, ProfileCycleError } from "./profile/errors.js";
export type { MfaCodeProvider } from "./profile/mfa.js";
export type { ProfileOptions } from "./profile/options.js";
export type { PythonJsonOptions } from "./python-json.js";
export { PythonJsonError, pythonJsonDumps } from "./python-json.js";
export type { RefreshOptions } from "./refresh-options.js";
export { REJECTED_CREDENTIALS_CODES } from "./rejected-credentials.js";
export type {
  AssumeRoleOptions,
  ClientConstructor,
  Parent,
  RegionInput,
  RegionSource,
  SessionOptions,
} from "./session.js";
export { Session } from "./session.js";
export type { FailureRecord } from "./shared-failure.js";
export { documentExpiration, failureKey } from "./shared-failure.js";
