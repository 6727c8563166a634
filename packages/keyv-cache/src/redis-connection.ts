/**
 * The Redis connection behind `KeyvCache.redis()`: one node-redis v5 client (or cluster)
 * configured to fail fast instead of queueing while Redis is away, reconnecting forever
 * with capped backoff, shared by the Keyv store (entries) and the lock (SET NX / EVAL).
 */
import KeyvRedis, {
  createClient,
  createCluster,
  type RedisClientOptions,
  type RedisClusterOptions,
} from "@keyv/redis";
import { Keyv } from "keyv";
import { accessCodeOf, RedisAccessError } from "./redis-errors.js";
import type { RedisLockClient } from "./redis-lock.js";
import { withTimeout } from "./timeouts.js";

/** How `KeyvCache.redis()` connects. */
export interface RedisConnectionOptions {
  /** The URL(s) are root nodes of a Redis Cluster (use the cluster client). Default false. */
  cluster?: boolean;
  /** Deadline of each TCP connect attempt, in ms. Default 1000. */
  connectTimeoutMs?: number;
  /** Longest pause between reconnect attempts, in ms (exponential from 50 ms). Default 2000. */
  reconnectMaxDelayMs?: number;
  /** Extra node-redis client options (for a cluster: applied to every node). */
  clientOptions?: RedisClientOptions;
  /** Extra node-redis cluster options (with `cluster: true`). */
  clusterOptions?: Partial<RedisClusterOptions>;
}

/** The minimum this module needs from a node-redis client or cluster. */
interface Connectable {
  connect(): Promise<unknown>;
  close(): Promise<unknown>;
  destroy(): unknown;
  on(event: "error", listener: (error: unknown) => void): unknown;
  on(event: "ready", listener: () => void): unknown;
  readonly isOpen: boolean;
}

/** A connected-on-demand Redis client, a Keyv over it, and its lifecycle. */
export interface RedisConnection {
  keyv: Keyv;
  /**
   * Resolves once the first connection is up; later outages fail commands fast instead.
   * Rejects at once with a {@link RedisAccessError} while Redis refuses the credentials.
   */
  ready(): Promise<void>;
  /** The refusal of the last connection attempt (WRONGPASS, …), until one succeeds. */
  accessFailure(): RedisAccessError | undefined;
  /** The client for lock commands (after `ready()`). */
  lockClient(): Promise<RedisLockClient>;
  /** Close gracefully (pending commands finish, bounded), then drop the socket. */
  close(): Promise<void>;
}

/** Build the client, the Keyv store and the Keyv for `KeyvCache.redis()`. */
export function connectRedis(
  url: string | string[],
  options: RedisConnectionOptions,
  onError: (error: unknown) => void,
): RedisConnection {
  // Checked by KeyvCache.redis (cache-arguments.ts): non-empty, redis:// or rediss://.
  const urls = Array.isArray(url) ? url : [url];
  const maxDelay = options.reconnectMaxDelayMs ?? 2000;
  let closed = false;
  const socket = {
    connectTimeout: options.connectTimeoutMs ?? 1000,
    // Always a number while open: node-redis gives up for good on some errors under its
    // default. Once closed, an Error: stop reconnecting, or the process never exits.
    reconnectStrategy: (retries: number) =>
      closed
        ? new Error("KeyvCache is closed")
        : Math.min(maxDelay, 50 * 2 ** Math.min(retries, 10)) + Math.floor(Math.random() * 50),
  };
  const nodeOptions = {
    ...options.clientOptions,
    // Reject commands while disconnected instead of queueing them until Redis is back.
    disableOfflineQueue: true,
    socket: { ...socket, ...options.clientOptions?.socket },
  } as RedisClientOptions;

  const client = options.cluster
    ? createCluster({
        ...options.clusterOptions,
        rootNodes: urls.map((u) => ({ url: u })),
        defaults: { ...nodeOptions, ...options.clusterOptions?.defaults },
      } as RedisClusterOptions)
    : createClient({ ...nodeOptions, url: urls[0] as string });
  const connectable = client as unknown as Connectable;
  // node-redis retries a refused AUTH for ever: without this, every operation would wait
  // for its deadline and be reported as a timeout.
  let accessFailure: RedisAccessError | undefined;
  const refused = new Set<(error: RedisAccessError) => void>();
  connectable.on("error", (error: unknown) => {
    const code = accessCodeOf(error);
    if (code) {
      accessFailure = new RedisAccessError(code, "connect");
      for (const reject of refused) reject(accessFailure);
      refused.clear();
    }
    onError(error);
  });
  connectable.on("ready", () => {
    accessFailure = undefined;
  });

  const store = new KeyvRedis(client, { throwOnErrors: true, throwOnConnectError: true });
  const keyv = new Keyv(store, { namespace: undefined, useKeyPrefix: false, throwOnErrors: true });
  keyv.on("error", onError);

  let everReady = false;
  let connecting: Promise<void> | undefined;
  const ready = (): Promise<void> => {
    if (everReady) return Promise.resolve();
    if (closed) return Promise.reject(new Error("KeyvCache is closed"));
    if (accessFailure) return Promise.reject(accessFailure);
    connecting ??= connectable.connect().then(
      () => {
        everReady = true;
        accessFailure = undefined;
      },
      (error: unknown) => {
        // A single client retries by itself; a cluster whose root nodes are all down
        // rejects: try again on the next operation.
        connecting = undefined;
        throw error;
      },
    );
    const attempt = connecting;
    return new Promise<void>((resolve, reject) => {
      refused.add(reject);
      attempt.then(resolve, reject).finally(() => refused.delete(reject));
    });
  };
  // Connect now, so the first credential request does not pay for it.
  ready().catch(() => {});

  return {
    keyv,
    ready,
    accessFailure: () => accessFailure,
    lockClient: async () => {
      await ready();
      return client as unknown as RedisLockClient;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      if (!everReady) {
        // Never connected: close() would wait for a connection that may never come, and
        // node-redis keeps reconnecting (keeping the process alive). Stop it outright.
        try {
          connectable.destroy();
        } catch {
          // already closed
        }
        return;
      }
      if (!connectable.isOpen) return;
      try {
        await withTimeout("close", 1000, () => connectable.close());
      } catch {
        try {
          connectable.destroy();
        } catch {
          // already closed
        }
      }
    },
  };
}
