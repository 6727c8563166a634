/**
 * KeyvCache: assumed-role credentials shared through any Keyv store, so a fleet of
 * processes makes one AssumeRole call per refresh. With a Redis store, `lock()` is a
 * distributed lease (redis-lock.ts); entries can be encrypted at rest (encryption.ts);
 * every operation is bounded in time (timeouts.ts).
 */
import {
  type CacheEntry,
  type CredentialCache,
  documentExpiration,
  type FailureRecord,
  LocalLocks,
  type LockOptions,
  type ReleaseLock,
} from "@assume-role-lib/core/cache";
import type { Keyv } from "keyv";
import {
  assertCacheKey,
  checkNamespace,
  checkRedisArguments,
  wantsEncryption,
} from "./cache-arguments.js";
import { type EncryptionKeyInput, EntryCipher, openStoredValue } from "./encryption.js";
import {
  connectRedis,
  type RedisConnection,
  type RedisConnectionOptions,
} from "./redis-connection.js";
import { classifyRedisError, RedisAccessError } from "./redis-errors.js";
import { RedisLock, type RedisLockClient } from "./redis-lock.js";
import { withTimeout } from "./timeouts.js";

/** Options of {@link KeyvCache}. */
export interface KeyvCacheOptions {
  /**
   * Prefix of every key this cache writes (`<namespace>:<cache key>`, locks
   * `<namespace>:lock:<cache key>`): apps with different namespaces never see each other's
   * entries or locks in one store. 1-128 characters of `A-Z a-z 0-9 . _ -` (no `:`, so
   * that no namespace can produce another's keys). Default `"assume-role-lib"`.
   */
  namespace?: string;
  /**
   * Encrypt entries at rest with AES-256-GCM: a 32-byte key (Buffer, 64 hex digits or
   * base64), or a key ring `{ current, keys: { [kid]: key } }` for rotation. Every process
   * sharing the cache needs the key. Leave the option out to store entries in clear; an
   * empty value (`""`, null, undefined, …) is an AssumeRoleValidationError, so that an
   * unset environment variable never turns encryption off.
   */
  encryptionKey?: EncryptionKeyInput;
  /**
   * Deadline of each store or Redis operation (get, set, has, delete, each lock attempt,
   * unlock), in ms; past it the operation rejects and the core falls back to STS.
   * Default 1000.
   */
  operationTimeoutMs?: number;
  /** First pause between lock attempts while another process holds it, in ms. Default 10. */
  lockRetryMinMs?: number;
  /** Longest pause between lock attempts (exponential backoff, ±50% jitter). Default 100. */
  lockRetryMaxMs?: number;
  /**
   * Where lock commands go. Default: the client of the Keyv store when it is a
   * `@keyv/redis` store (found through its `getClient()`); otherwise locks are in-process
   * only. Pass `false` to force in-process locks.
   */
  redisClient?: (() => Promise<RedisLockClient>) | false;
  /**
   * Receives errors the store emits (dropped connections, reconnect failures). They are
   * also reported, per operation, as the core's `cache-error` events. Default: ignored.
   */
  onError?: (error: unknown) => void;
  /** The clock TTLs are computed with (epoch ms). Default `Date.now`. */
  clock?: () => number;
}

/** Options of {@link KeyvCache.redis}: the cache's, plus how to connect. */
export interface RedisKeyvCacheOptions extends KeyvCacheOptions, RedisConnectionOptions {}

/** The store-independent part of a Redis-backed Keyv store, found by duck typing. */
interface RedisStoreLike {
  getClient(): Promise<unknown>;
}

const isRedisStore = (store: unknown): store is RedisStoreLike =>
  typeof (store as RedisStoreLike | undefined)?.getClient === "function";

/**
 * A {@link CredentialCache} over any Keyv instance. Entries are the core's document (or
 * its encrypted envelope), each stored with a TTL that ends at its Expiration. Values that
 * do not parse or decrypt are misses; store errors and timeouts reject, and the core
 * reports them and calls STS.
 *
 * @example
 * ```ts
 * const cache = KeyvCache.redis(process.env.REDIS_URL, { namespace: "billing" });
 * const session = assumeRole(Session.default(), roleArn, { cache });
 * // … on shutdown
 * await cache.close();
 * ```
 */
export class KeyvCache implements CredentialCache {
  /** The Keyv instance entries are stored in. */
  readonly keyv: Keyv;
  /** Prefix of this cache's keys. */
  readonly namespace: string;
  readonly #cipher: EntryCipher | undefined;
  readonly #timeoutMs: number;
  readonly #clock: () => number;
  readonly #locks = new LocalLocks();
  readonly #redisLock: RedisLock | undefined;
  #connection: RedisConnection | undefined;

  /**
   * Wrap a Keyv instance. An `error` listener is attached to it (without one, a dropped
   * connection would crash the process). Give `@keyv/redis` stores `throwOnErrors: true`
   * (and the Keyv too) so that Redis errors reach the core as errors rather than as
   * silent misses; {@link KeyvCache.redis} does that for you.
   */
  constructor(keyv: Keyv, options: KeyvCacheOptions = {}) {
    this.keyv = keyv;
    this.namespace = checkNamespace(options.namespace);
    this.#cipher = wantsEncryption(options)
      ? new EntryCipher(options.encryptionKey as EncryptionKeyInput)
      : undefined;
    this.#timeoutMs = options.operationTimeoutMs ?? 1000;
    this.#clock = options.clock ?? Date.now;
    const onError = options.onError ?? (() => {});
    keyv.on("error", (error: unknown) => onError(error));

    let client = options.redisClient;
    const store: unknown = keyv.store;
    if (client === undefined && isRedisStore(store)) {
      client = async () => (await store.getClient()) as RedisLockClient;
    }
    this.#redisLock = client
      ? new RedisLock({
          client,
          operationTimeoutMs: this.#timeoutMs,
          ...(options.lockRetryMinMs !== undefined ? { retryMinMs: options.lockRetryMinMs } : {}),
          ...(options.lockRetryMaxMs !== undefined ? { retryMaxMs: options.lockRetryMaxMs } : {}),
        })
      : undefined;
  }

  /**
   * The common case: a KeyvCache on Redis at `url` (`redis://[user:pass@]host:port[/db]`,
   * `rediss://` for TLS; with `cluster: true`, one or more root nodes of a cluster). It
   * connects in the background, fails fast while Redis is away, reconnects by itself, and
   * locks with `SET NX PX`. Call {@link KeyvCache.close} on shutdown. A missing or
   * malformed URL, another scheme, and bad options throw an AssumeRoleValidationError
   * before anything connects. Redis refusing the credentials or an ACL rejects operations
   * with a {@link RedisAccessError} (`WRONGPASS`, `NOAUTH`, `NOPERM`), not with timeouts.
   */
  static redis(url: string | string[], options: RedisKeyvCacheOptions = {}): KeyvCache {
    // Everything is checked before connecting: a throw from the constructor below would
    // leave a client reconnecting for ever.
    const urls = checkRedisArguments(url, options);
    const onError = options.onError ?? (() => {});
    const connection = connectRedis(urls, options, onError);
    const cache = new KeyvCache(connection.keyv, {
      ...options,
      onError: () => {}, // the connection already forwards the Keyv's errors
      redisClient: options.redisClient ?? connection.lockClient,
    });
    cache.#connection = connection;
    return cache;
  }

  /** True when `lock()` is a distributed lock on Redis (not only in-process). */
  get distributedLocks(): boolean {
    return this.#redisLock !== undefined;
  }

  /** True when entries are encrypted at rest. */
  get encrypted(): boolean {
    return this.#cipher !== undefined;
  }

  /**
   * The key an entry is stored under (before the Keyv's own prefix, if any):
   * `<namespace>:<key>`. Throws InvalidCacheKeyError for a key with `:`, spaces or
   * non-ASCII characters.
   */
  storeKey(key: string): string {
    assertCacheKey(key);
    return `${this.namespace}:${key}`;
  }

  /** The Redis key of the lock on an entry: `<namespace>:lock:<key>` (after the Keyv's prefix). */
  lockKey(key: string): string {
    assertCacheKey(key);
    const outer = this.keyv.namespace ? `${this.keyv.namespace}:` : "";
    return `${outer}${this.namespace}:lock:${key}`;
  }

  /**
   * What the store holds for `key` (decrypted, when encryption is on): the core validates
   * it. Absent and expired values are `undefined`. A value that is stored but cannot be
   * used is an {@link UnreadableEntry} saying why (`tampered`: it failed authentication;
   * `undecryptable`: no key for it, or plain text where encryption is on, or an encrypted
   * entry where it is off), so that it is reported apart from an absent one.
   */
  async get(key: string): Promise<unknown> {
    const storeKey = this.storeKey(key);
    const value = await this.#op("get", () => this.#read(storeKey));
    if (value === undefined || value === null) return undefined;
    return openStoredValue(this.#cipher, value, storeKey);
  }

  /**
   * Store a document until it expires (the TTL is the time left by this cache's clock): an
   * entry until its Credentials.Expiration, a failure record until its Expiration. One that
   * has already expired by this clock is not written at all, and nothing is deleted: with
   * a clock that runs ahead, a delete would throw away the fleet's valid entry.
   */
  async set(key: string, entry: CacheEntry | FailureRecord): Promise<void> {
    const storeKey = this.storeKey(key);
    const expiration = documentExpiration(entry);
    if (!expiration) throw new TypeError("cache document has no valid Expiration");
    const ttlMs = Math.ceil(expiration.getTime() - this.#clock());
    if (ttlMs <= 0) return;
    const value = this.#cipher ? this.#cipher.seal(JSON.stringify(entry), storeKey) : entry;
    await this.#op("set", () => this.keyv.set(storeKey, value, ttlMs));
  }

  /** True when anything is stored under `key` (what `get` returns is not `undefined`). */
  async has(key: string): Promise<boolean> {
    return (await this.get(key)) !== undefined;
  }

  /** Delete the entry; true if there was one. */
  async delete(key: string): Promise<boolean> {
    const storeKey = this.storeKey(key);
    return this.#op("delete", () => this.keyv.delete(storeKey));
  }

  /**
   * Single-flight for `key`: first an in-process lock (concurrent sessions of this process
   * queue here and do not poll Redis), then, with a Redis store, a lease on Redis
   * (`SET NX PX`, released by compare-and-delete). Waits at most `waitMs` in all, then
   * resolves undefined; the lease expires `ttlMs` after it was taken if never released.
   */
  async lock(key: string, options: LockOptions): Promise<ReleaseLock | undefined> {
    const started = Date.now();
    const lockKey = this.lockKey(key);
    const local = await this.#locks.acquire(lockKey, options);
    if (!local || !this.#redisLock) return local;
    let remote: ReleaseLock | undefined;
    try {
      const waitMs = Math.max(0, options.waitMs - (Date.now() - started));
      remote = await this.#redisLock.acquire(lockKey, { ...options, waitMs });
    } catch (error) {
      throw this.#classify(error, "lock");
    } finally {
      if (!remote) await local();
    }
    if (!remote) return undefined;
    const release = remote;
    let released: Promise<void> | undefined;
    return Object.assign(
      () => {
        released ??= (async () => {
          try {
            await release();
          } catch (error) {
            throw this.#classify(error, "unlock");
          } finally {
            await local();
          }
        })();
        return released;
      },
      {
        // Both leases: the in-process one would otherwise let this process's next session in.
        renew: async () => {
          local.renew?.();
          try {
            return (await release.renew?.()) ?? true;
          } catch (error) {
            throw this.#classify(error, "renew");
          }
        },
      },
    );
  }

  /**
   * Close the connection: the one `KeyvCache.redis()` opened, or else the Keyv's store
   * (`keyv.disconnect()`). Idempotent.
   */
  async close(): Promise<void> {
    if (this.#connection) {
      await this.#connection.close();
      return;
    }
    await this.keyv.disconnect();
  }

  /** Alias of {@link KeyvCache.close}. */
  disconnect(): Promise<void> {
    return this.close();
  }

  /** No keys or secrets in logs. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    const lock = this.distributedLocks ? "redis" : "local";
    return `KeyvCache { namespace: '${this.namespace}', lock: '${lock}', encrypted: ${this.encrypted} }`;
  }

  async #op<T>(operation: string, work: () => Promise<T>): Promise<T> {
    const connection = this.#connection;
    try {
      return await withTimeout(operation, this.#timeoutMs, async () => {
        await connection?.ready();
        return work();
      });
    } catch (error) {
      throw this.#classify(error, operation);
    }
  }

  /** Redis's refusals as RedisAccessError: in the error itself, or in the last reconnect. */
  #classify(error: unknown, operation: string): unknown {
    const refused = this.#connection?.accessFailure();
    if (refused && !(error instanceof RedisAccessError)) {
      return new RedisAccessError(refused.code, operation);
    }
    return classifyRedisError(error, operation);
  }

  async #read(storeKey: string): Promise<unknown> {
    try {
      return await this.keyv.get(storeKey);
    } catch (error) {
      // Keyv parses the stored text itself: what is not its JSON is a miss, not an error.
      if (error instanceof SyntaxError) return undefined;
      throw error;
    }
  }
}
