/**
 * `@assume-role-lib/keyv-cache`: share assumed-role credentials across processes and hosts
 * through Redis (or any Keyv store), so a fleet makes one AssumeRole call per refresh.
 *
 * @packageDocumentation
 */
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
export type { RedisConnectionOptions } from "./redis-connection.js";
export {
  lockToken,
  RELEASE_SCRIPT,
  RedisLock,
  type RedisLockClient,
  type RedisLockOptions,
} from "./redis-lock.js";
export { KeyvCacheTimeoutError, withTimeout } from "./timeouts.js";
