/**
 * `@assume-role-lib/keyv-cache`: share assumed-role credentials across processes and hosts
 * through Redis (or any Keyv store), so a fleet makes one AssumeRole call per refresh.
 *
 * @packageDocumentation
 */
export { InvalidCacheKeyError } from "./cache-arguments.js";
export {
  DEFAULT_KEY_ID,
  decodeEncryptionKey,
  type EncryptedEnvelope,
  type EncryptionKey,
  type EncryptionKeyInput,
  EntryCipher,
  type KeyRing,
} from "./encryption.js";
export { KeyvCache, type KeyvCacheOptions, type RedisKeyvCacheOptions } from "./keyv-cache.js";
export {
  CACHE_MISS_REASON,
  type UnreadableEntry,
  type UnreadableReason,
  unreadableReason,
} from "./miss-reason.js";
export type { RedisConnectionOptions } from "./redis-connection.js";
export { type RedisAccessCode, RedisAccessError } from "./redis-errors.js";
export {
  lockToken,
  RELEASE_SCRIPT,
  RedisLock,
  type RedisLockClient,
  type RedisLockOptions,
} from "./redis-lock.js";
export { KeyvCacheTimeoutError, withTimeout } from "./timeouts.js";
