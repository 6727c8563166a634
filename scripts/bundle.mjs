#!/usr/bin/env node
// Bundle a package's entry points with esbuild, after `tsc` has written the declarations.
//
//   node ../../scripts/bundle.mjs [--inline zod,…|--inline-all] [--sourcemap] src/a.ts=dist/a.js …
//
// Why: Node resolves and compiles every file of an import graph one by one. Importing zod
// alone loads 95 files (65 of them locales nothing here uses), and a cache hit of the CLI
// loaded 182. One file per entry point, with the dependencies named by --inline tree-shaken
// into it, loads in a fraction of that. Dynamic `import()`s become chunks (dist/*-HASH.js),
// loaded only when the code path that needs them runs: the STS client on a cache hit never.
//
// --inline lists the packages to bundle in; every other package stays an import, resolved
// from node_modules as before (the package's dependencies). --inline-all bundles every
// package (the CLI, whose start-up time is paid on every credential_process call).
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const packagesDir = join(dirname(fileURLToPath(import.meta.url)), "..", "packages");

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
};
const inlineAll = args.includes("--inline-all");
const sourcemap = args.includes("--sourcemap");
const inline = new Set((flag("--inline") ?? "").split(",").filter(Boolean));
const entries = args.filter((a) => !a.startsWith("--"));
if (entries.length === 0) {
  console.error("usage: bundle.mjs [--inline a,b|--inline-all] [--sourcemap] src/x.ts=dist/x.js …");
  process.exit(2);
}

const packageName = (specifier) => {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
};

/**
 * This monorepo's packages are bundled from their sources (their `exports` map with dist/x.js
 * read as src/x.ts), not from their own bundles: one copy of each module, tree-shaken once.
 */
function workspaceSource(specifier) {
  const match = /^@assume-role-lib\/([^/]+)(\/.*)?$/.exec(specifier);
  if (!match) return undefined;
  const dir = join(packagesDir, match[1]);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const target = manifest.exports?.[`.${match[2] ?? ""}`]?.default;
  if (!target) return undefined;
  return join(dir, target.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"));
}

/** Keep every package import that is not inlined as an import of the output. */
const externals = {
  name: "externals",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (resolved) => {
      if (inlineAll) {
        const source = workspaceSource(resolved.path);
        if (source) return { path: source };
      }
      if (resolved.path.startsWith("node:")) return { path: resolved.path, external: true };
      if (inlineAll || inline.has(packageName(resolved.path))) return undefined;
      return { path: resolved.path, external: true };
    });
  },
};

/**
 * node-redis's table of every command (`@redis/client/dist/lib/commands/index.js`), wherever
 * its own modules load it, is replaced by the few commands KeyvCache uses
 * (packages/keyv-cache/src/redis-commands.ts, which says why). Applies wherever the Redis
 * client is bundled in: keyv-cache, and the CLI through it. A node-redis whose modules moved
 * fails the build here instead of shipping its whole table unnoticed.
 */
const redisCommandTable = join(packagesDir, "keyv-cache", "src", "redis-commands.ts");
let redisTableSwapped = 0;
const slimRedisCommands = {
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

// The chunks are this script's own output (name-HASH.js): none of an earlier build may
// linger. They sit beside the entry points, so that a path a module takes relative to
// import.meta.url (../package.json) means the same in a chunk as in tsc's dist/x.js.
const CHUNK = /^[\w-]+-[A-Z0-9]{8}\.js(\.map)?$/;
for (const f of readdirSync("dist", { withFileTypes: true })) {
  if (f.isFile() && CHUNK.test(f.name)) rmSync(`dist/${f.name}`);
}
const result = await build({
  entryPoints: entries.map((e) => {
    const [input, output] = e.split("=");
    return { in: input, out: output.replace(/^dist\//, "").replace(/\.js$/, "") };
  }),
  outdir: "dist",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20.19",
  chunkNames: "[name]-[hash]",
  // Packages' ES module builds where they ship one (the SDK does): only those can be
  // tree-shaken and split at their dynamic imports.
  mainFields: ["module", "main"],
  conditions: ["module"],
  sourcemap: sourcemap ? "linked" : false,
  // Bundled CommonJS (commander, the Redis client) calls require() for Node's modules.
  banner:
    inlineAll || inline.size > 0
      ? {
          js: 'import { createRequire as __bundleRequire } from "node:module";\nconst require = __bundleRequire(import.meta.url);',
        }
      : undefined,
  plugins: [externals, slimRedisCommands],
  logLevel: "warning",
  metafile: true,
});
const inputs = Object.keys(result.metafile.inputs);
// One node-redis: the swapped table's commands resolve from packages/keyv-cache, node-redis's
// own modules from wherever @keyv/redis sits; two versions would mix them.
const redisVersions = new Set(inputs.flatMap((i) => /@redis\+client@([^/]+)/.exec(i)?.[1] ?? []));
if (
  inputs.some((i) => /@redis[\\/+]client/.test(i)) &&
  (redisTableSwapped === 0 ||
    redisVersions.size > 1 ||
    inputs.some((i) => /@redis[\\/]client[\\/]dist[\\/]lib[\\/]commands[\\/]index\.js$/.test(i)))
) {
  console.error(
    `bundle: node-redis's command table was not replaced by one of the same version (did @redis/client move its modules? versions: ${[...redisVersions].join(", ")})`,
  );
  process.exit(1);
}
// BUNDLE_ANALYZE=1: what went into each output file, largest first.
if (process.env.BUNDLE_ANALYZE) {
  const { analyzeMetafile } = await import("esbuild");
  console.log(await analyzeMetafile(result.metafile));
}
