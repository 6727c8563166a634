/**
 * A lease on one Redis key, for cross-process single-flight of STS calls:
 *
 *   acquire: SET lockKey token NX PX ttl      (retried with backoff + jitter until waitMs)
 *   renew:   compare-and-PEXPIRE in Lua        (the holder extends its own lease only)
 *   release: compare-and-delete in Lua         (only the holder's own token is deleted)
 *
 * It is a lease, not Redlock: one Redis (or one cluster primary per key), no fencing. A
 * failover can lose it, and a holder paused longer than its TTL can overlap the next one.
 * The worst case is a duplicate AssumeRole call, never wrong credentials: whatever a
 * holder writes is a complete, valid entry.
 */
import { hostname } from "node:os";
import type { LockOptions, ReleaseLock } from "@assume-role-lib/core/cache";
import { nodeCrypto } from "./node-crypto.js";
import { sleep, withTimeout } from "./timeouts.js";

/**
 * The two commands the lock needs; a node-redis v5 client, cluster or sentinel has both
 * (cluster commands are routed by their key).
 */
export interface RedisLockClient {
  /** `SET key value NX PX ttl`: take the lock if free. */
  set(
    key: string,
    value: string,
    options: { condition: "NX"; expiration: { type: "PX"; value: number } },
  ): Promise<unknown>;
  /** Run the compare-and-delete release script. */
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

/** Tuning of {@link RedisLock}. */
export interface RedisLockOptions {
  /** Resolves the client to send lock commands to (may connect first). */
  client: () => Promise<RedisLockClient>;
  /** Deadline of each Redis command, in ms. */
  operationTimeoutMs: number;
  /** First delay between attempts while the lock is held elsewhere, in ms. Default 10. */
  retryMinMs?: number;
  /** Longest delay between attempts, in ms. Default 100. */
  retryMaxMs?: number;
}

/** Deletes the key only if it still holds our token. */
export const RELEASE_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** Extends the lease (ARGV[2] ms) only if the key still holds our token; 1 if extended. */
export const RENEW_SCRIPT =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/**
 * A lock value: 128 random bits, then the holder's host and pid (for operators asking
 * "who holds this lock?"; only the random part makes it unguessable).
 */
export function lockToken(): string {
  return `${nodeCrypto().randomBytes(16).toString("hex")}:${hostname()}:${process.pid}`;
}

/** Distributed locks on Redis keys. */
export class RedisLock {
  readonly #options: Required<RedisLockOptions>;

  constructor(options: RedisLockOptions) {
    this.#options = { retryMinMs: 10, retryMaxMs: 100, ...options };
  }

  /**
   * Take the lock on `key`, trying until `waitMs` has passed (at least once). Resolves a
   * release function, or undefined if another holder kept it; rejects on Redis errors.
   */
  async acquire(key: string, { waitMs, ttlMs }: LockOptions): Promise<ReleaseLock | undefined> {
    const { operationTimeoutMs, retryMinMs, retryMaxMs } = this.#options;
    const token = lockToken();
    const leaseMs = Math.max(1, Math.ceil(ttlMs));
    const deadline = Date.now() + Math.max(0, waitMs);
    for (let attempt = 0; ; attempt++) {
      let reply: unknown;
      try {
        reply = await withTimeout("lock", operationTimeoutMs, async () => {
          const client = await this.#options.client();
          return client.set(key, token, {
            condition: "NX",
            expiration: { type: "PX", value: leaseMs },
          });
        });
      } catch (error) {
        // The SET may have reached Redis before the error (a timeout): give it back.
        this.#release(key, token).catch(() => {});
        throw error;
      }
      if (reply === "OK") return this.#releaser(key, token, leaseMs);
      const left = deadline - Date.now();
      if (left <= 0) return undefined;
      const backoff = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(attempt, 16));
      await sleep(Math.min(left, backoff * (0.5 + Math.random())));
    }
  }

  #releaser(key: string, token: string, leaseMs: number): ReleaseLock {
    let released: Promise<void> | undefined;
    const release = () => {
      released ??= this.#release(key, token);
      return released;
    };
    // A holder whose work outlives the lease renews it; false once another holder has it.
    const renew = async () => {
      if (released) return false;
      const reply = await withTimeout("renew", this.#options.operationTimeoutMs, async () => {
        const client = await this.#options.client();
        return client.eval(RENEW_SCRIPT, { keys: [key], arguments: [token, String(leaseMs)] });
      });
      return Number(reply) === 1;
    };
    return Object.assign(release, { renew });
  }

  async #release(key: string, token: string): Promise<void> {
    await withTimeout("unlock", this.#options.operationTimeoutMs, async () => {
      const client = await this.#options.client();
      await client.eval(RELEASE_SCRIPT, { keys: [key], arguments: [token] });
    });
  }
}
