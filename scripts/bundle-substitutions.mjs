/**
 * What scripts/bundle.mjs swaps in the bundles it builds: modules of dependencies that a
 * start pays for but this project never or rarely uses. Each substitution is pinned by a
 * test (the bundle's behaviour) and, where a dependency's layout could change under it, by
 * a check in bundle.mjs that fails the build.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const packagesDir = join(here, "..", "packages");

/**
 * node-redis's table of every command (`@redis/client/dist/lib/commands/index.js`), wherever
 * its own modules load it, is replaced by the few commands KeyvCache uses
 * (packages/keyv-cache/src/redis-commands.ts, which says why). Applies wherever the Redis
 * client is bundled in: keyv-cache, and the CLI through it. A node-redis whose modules moved
 * fails the build here instead of shipping its whole table unnoticed.
 */
const redisCommandTable = join(packagesDir, "keyv-cache", "src", "redis-commands.ts");
let redisTableSwapped = 0;
/** How many imports of node-redis's command table were swapped (none: the build fails). */
export const redisTableSwaps = () => redisTableSwapped;
export const slimRedisCommands = {
  name: "slim-redis-commands",
  setup(b) {
    b.onResolve({ filter: /^(\.\.\/commands|\.\/lib\/commands)$/ }, (resolved) => {
      const fromRedis =
        /[\\/]@redis[\\/]client[\\/]dist[\\/](lib[\\/](client|cluster|sentinel)[\\/][^\\/]+|index)\.js$/;
      if (!fromRedis.test(resolved.importer)) return undefined;
      redisTableSwapped++;
      return { path: redisCommandTable };
    });
  },
};

/**
 * Node modules that a bundled dependency requires at load time but uses only on a path this
 * project rarely or never takes, each ~2 ms of a start: the dependency gets them on first
 * use instead (a Proxy that requires the module when a property is read).
 * - commander: node:child_process (with dgram and net behind it), for executable subcommands,
 *   which this CLI has none of;
 * - node-redis's socket: node:tls, for rediss:// only;
 * - node-redis's maintenance manager: node:dns/promises, for Redis Enterprise's moves only;
 * - node-redis's Lua scripts: node:crypto, for the SHA-1 of a script defined with
 *   defineScript, which KeyvCache never calls.
 */
const stubs = join(here, "bundle-stubs");
const LAZY_BUILTINS = [
  { importer: /[\\/]commander[\\/]lib[\\/]command\.js$/, module: "child_process" },
  { importer: /[\\/]@redis[\\/]client[\\/]dist[\\/]lib[\\/]client[\\/]socket\.js$/, module: "tls" },
  {
    importer:
      /[\\/]@redis[\\/]client[\\/]dist[\\/]lib[\\/]client[\\/]enterprise-maintenance-manager\.js$/,
    module: "dns/promises",
  },
  { importer: /[\\/]@redis[\\/]client[\\/]dist[\\/]lib[\\/]lua-script\.js$/, module: "crypto" },
];
// node-redis's client/identity.js draws 4 random bytes per client, at creation, for an id in
// its telemetry registry: not lazy, but not a secret either. It gets Math.random's bytes
// (bundle-stubs/redis-client-id-crypto.cjs), so that creating a client loads no node:crypto.
const REDIS_CLIENT_ID = /[\\/]@redis[\\/]client[\\/]dist[\\/]lib[\\/]client[\\/]identity\.js$/;
export const lazyBuiltins = {
  name: "lazy-builtins",
  setup(b) {
    b.onResolve({ filter: /^(node:)?(child_process|tls|dns\/promises|crypto)$/ }, (resolved) => {
      const module = resolved.path.replace(/^node:/, "");
      if (module === "crypto" && REDIS_CLIENT_ID.test(resolved.importer)) {
        return { path: join(stubs, "redis-client-id-crypto.cjs") };
      }
      const lazily = LAZY_BUILTINS.some(
        (l) => l.module === module && l.importer.test(resolved.importer),
      );
      // bundle-stubs/lazy-<module>.cjs: a Proxy that requires the module when first read.
      return lazily ? { path: join(stubs, `lazy-${module.replace(/[/_]/g, "-")}.cjs`) } : undefined;
    });
  },
};

/**
 * node-redis's Sentinel client (~70 KB, evaluated when node-redis loads) and its client
 * pool (~14 KB, ~1 ms of a worker's start): KeyvCache builds a single client or a cluster
 * and hands it to @keyv/redis, which creates a Sentinel client only from connect options it
 * is never given, and nothing makes a pool. The bundle holds stubs that say so
 * (bundle-stubs/no-redis-sentinel.cjs, no-redis-pool.cjs).
 */
export const noUnusedRedisClients = {
  name: "no-unused-redis-clients",
  setup(b) {
    b.onResolve({ filter: /^\.\/lib\/sentinel$/ }, (resolved) =>
      /[\\/]@redis[\\/]client[\\/]dist[\\/]index\.js$/.test(resolved.importer)
        ? { path: join(stubs, "no-redis-sentinel.cjs") }
        : undefined,
    );
    // The client pool (createClientPool, client.createPool()): the same, for a pool.
    b.onResolve({ filter: /^\.\/(lib\/client\/)?pool$/ }, (resolved) =>
      /[\\/]@redis[\\/]client[\\/]dist[\\/](index|lib[\\/]client[\\/]index)\.js$/.test(
        resolved.importer,
      )
        ? { path: join(stubs, "no-redis-pool.cjs") }
        : undefined,
    );
  },
};
