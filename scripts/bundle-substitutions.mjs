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
 * Each substitution, by the package whose code it changes: one that never applied in a
 * build that bundled that package means the package moved its modules, and the build fails
 * (see {@link missingSubstitutions}) instead of shipping the module unnoticed.
 */
const SUBSTITUTIONS = {
  "node-redis's command table": "@redis/client",
  "node-redis's Sentinel client": "@redis/client",
  "node-redis's client pool": "@redis/client",
  "node-redis's client id: node:crypto": "@redis/client",
  "node-redis's socket: node:tls": "@redis/client",
  "node-redis's maintenance manager: node:dns/promises": "@redis/client",
  "node-redis's Lua scripts: node:crypto": "@redis/client",
  "commander: node:child_process": "commander",
};
const applied = new Set();

/** The substitutions of packages among `inputs` (esbuild's metafile) that never applied. */
export function missingSubstitutions(inputs) {
  // pnpm's store: node_modules/.pnpm/@redis+client@5/node_modules/@redis/client/…
  const paths = inputs.map((i) => i.replaceAll("\\", "/"));
  const bundled = (pkg) => paths.some((p) => p.includes(`node_modules/${pkg}/`));
  return Object.entries(SUBSTITUTIONS)
    .filter(([label, pkg]) => bundled(pkg) && !applied.has(label))
    .map(([label]) => label);
}

/**
 * node-redis's table of every command (`@redis/client/dist/lib/commands/index.js`), wherever
 * its own modules load it, is replaced by the few commands KeyvCache uses
 * (packages/keyv-cache/src/redis-commands.ts, which says why). Applies wherever the Redis
 * client is bundled in: keyv-cache, and the CLI through it. A node-redis whose modules moved
 * fails the build here instead of shipping its whole table unnoticed.
 */
const redisCommandTable = join(packagesDir, "keyv-cache", "src", "redis-commands.ts");
export const slimRedisCommands = {
  name: "slim-redis-commands",
  setup(b) {
    b.onResolve({ filter: /^(\.\.\/commands|\.\/lib\/commands)$/ }, (resolved) => {
      const fromRedis =
        /[\\/]@redis[\\/]client[\\/]dist[\\/](lib[\\/](client|cluster|sentinel)[\\/][^\\/]+|index)\.js$/;
      if (!fromRedis.test(resolved.importer)) return undefined;
      applied.add("node-redis's command table");
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
  {
    label: "commander: node:child_process",
    importer: /[\\/]commander[\\/]lib[\\/]command\.js$/,
    module: "child_process",
  },
  {
    label: "node-redis's socket: node:tls",
    importer: /[\\/]@redis[\\/]client[\\/]dist[\\/]lib[\\/]client[\\/]socket\.js$/,
    module: "tls",
  },
  {
    label: "node-redis's maintenance manager: node:dns/promises",
    importer:
      /[\\/]@redis[\\/]client[\\/]dist[\\/]lib[\\/]client[\\/]enterprise-maintenance-manager\.js$/,
    module: "dns/promises",
  },
  {
    label: "node-redis's Lua scripts: node:crypto",
    importer: /[\\/]@redis[\\/]client[\\/]dist[\\/]lib[\\/]lua-script\.js$/,
    module: "crypto",
  },
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
        applied.add("node-redis's client id: node:crypto");
        return { path: join(stubs, "redis-client-id-crypto.cjs") };
      }
      const lazily = LAZY_BUILTINS.find(
        (l) => l.module === module && l.importer.test(resolved.importer),
      );
      if (!lazily) return undefined;
      applied.add(lazily.label);
      // bundle-stubs/lazy-<module>.cjs: a Proxy that requires the module when first read.
      return { path: join(stubs, `lazy-${module.replace(/[/_]/g, "-")}.cjs`) };
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
    b.onResolve({ filter: /^\.\/lib\/sentinel$/ }, (resolved) => {
      if (!/[\\/]@redis[\\/]client[\\/]dist[\\/]index\.js$/.test(resolved.importer))
        return undefined;
      applied.add("node-redis's Sentinel client");
      return { path: join(stubs, "no-redis-sentinel.cjs") };
    });
    // The client pool (createClientPool, client.createPool()): the same, for a pool.
    b.onResolve({ filter: /^\.\/(lib\/client\/)?pool$/ }, (resolved) => {
      const fromRedis = /[\\/]@redis[\\/]client[\\/]dist[\\/](index|lib[\\/]client[\\/]index)\.js$/;
      if (!fromRedis.test(resolved.importer)) return undefined;
      applied.add("node-redis's client pool");
      return { path: join(stubs, "no-redis-pool.cjs") };
    });
  },
};
