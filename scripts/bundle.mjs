#!/usr/bin/env node
// Bundle a package's entry points with esbuild, after `tsc` has written the declarations.
//
//   node ../../scripts/bundle.mjs [--inline zod,…|--inline-all] [--lazy pkg,…] [--bin] [--sourcemap] src/a.ts=dist/a.js …
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
//
// --lazy (the CLI): each entry point becomes one file, with no chunks, except for the listed
// packages, which the code only imports dynamically (the AWS SDK, the Redis cache): a second
// build bundles them, split in chunks, into dist/lazy/, and the entry imports them from there.
// Node resolves, reads and links each file of an ES module graph in turn (~1.4 ms a file
// here): a credential_process hit that loaded 13 chunks loads one file. An entry named
// x.cjs is built as CommonJS: Node starts a CommonJS main file with less machinery (~6 ms
// less for the CLI). The cost: what a lazy package shares with the entry is a second copy in
// dist/lazy/ (keyv-cache's use of core's cache helpers and errors), so the code must not
// tell those apart by identity (the CLI matches errors by name).
//
// --bin: the entries are executables (mode 755), and tsc's own unbundled dist/x.js and
// dist/x.d.ts of them are removed.
import { chmodSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import {
  lazyBuiltins,
  missingSubstitutions,
  noUnusedRedisClients,
  slimRedisCommands,
} from "./bundle-substitutions.mjs";

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
const bin = args.includes("--bin");
const inline = new Set((flag("--inline") ?? "").split(",").filter(Boolean));
const lazy = new Set((flag("--lazy") ?? "").split(",").filter(Boolean));
const entries = args
  .filter((a) => !a.startsWith("--"))
  .map((e) => {
    const [input, output] = e.split("=");
    return { input, output };
  });
if (entries.length === 0) {
  console.error(
    "usage: bundle.mjs [--inline a,b|--inline-all] [--lazy a,b] [--bin] [--sourcemap] src/x.ts=dist/x.js …",
  );
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

/** Where a --lazy package's bundle goes, relative to dist/: lazy/aws-sdk-client-sts.js. */
const lazyFile = (specifier) => `lazy/${specifier.replace(/^@/, "").replace(/\//g, "-")}.js`;
/** The directory each --lazy package was imported from (pnpm: only there does it resolve). */
const lazyImporters = new Map();
/** A --lazy package imported other than with `import()` (it would load on every start). */
const eagerLazy = [];

/**
 * In the entry build, a --lazy package's dynamic import becomes an import of its file in
 * dist/lazy/ (the output sits in dist/, so `./lazy/…`).
 */
const lazyExternals = {
  name: "lazy-externals",
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (resolved) => {
      if (!lazy.has(resolved.path)) return undefined;
      if (resolved.kind !== "dynamic-import")
        eagerLazy.push(`${resolved.path} (${resolved.importer})`);
      lazyImporters.set(resolved.path, resolved.resolveDir);
      return { path: `./${lazyFile(resolved.path)}`, external: true };
    });
  },
};

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

// The chunks are this script's own output (name-HASH.js): none of an earlier build may
// linger. They sit beside the entry points, so that a path a module takes relative to
// import.meta.url (../package.json) means the same in a chunk as in tsc's dist/x.js.
const CHUNK = /^[\w-]+-[A-Z0-9]{8}\.js(\.map)?$/;
for (const f of readdirSync("dist", { withFileTypes: true })) {
  if (f.isFile() && CHUNK.test(f.name)) rmSync(`dist/${f.name}`);
}
rmSync("dist/lazy", { recursive: true, force: true });

/** esbuild's options shared by both builds. */
const common = {
  bundle: true,
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
  logLevel: "warning",
  metafile: true,
};
// CommonJS output has no chunks: .cjs entries need --lazy.
const cjs = entries.some((e) => e.output.endsWith(".cjs"));
if (cjs && (lazy.size === 0 || !entries.every((e) => e.output.endsWith(".cjs")))) {
  console.error("bundle: .cjs entries need --lazy, and all entries must then be .cjs");
  process.exit(2);
}
const result = await build({
  ...common,
  entryPoints: entries.map(({ input, output }) => ({
    in: input,
    out: output.replace(/^dist\//, "").replace(/\.c?js$/, ""),
  })),
  outdir: "dist",
  splitting: lazy.size === 0,
  ...(cjs
    ? {
        format: "cjs",
        outExtension: { ".js": ".cjs" },
        define: { "import.meta.url": "__bundleImportMetaUrl" },
        banner: {
          js: 'const __bundleImportMetaUrl = require("node:url").pathToFileURL(__filename).href;',
        },
      }
    : {}),
  plugins: [
    ...(lazy.size > 0 ? [lazyExternals] : []),
    lazyBuiltins,
    externals,
    slimRedisCommands,
    noUnusedRedisClients,
  ],
});
if (eagerLazy.length > 0) {
  console.error(`bundle: --lazy packages must be imported with import(): ${eagerLazy.join(", ")}`);
  process.exit(1);
}
const metafiles = [result.metafile];
if (lazy.size > 0) {
  // Every --lazy package the entries import, each re-exported whole by one entry of a split
  // build (shared code, such as the SDK's core, in chunks beside them).
  const lazyEntry = {
    name: "lazy-entries",
    setup(b) {
      b.onResolve({ filter: /^lazy-entry:/ }, ({ path }) => ({ path, namespace: "lazy-entry" }));
      b.onLoad({ filter: /.*/, namespace: "lazy-entry" }, ({ path }) => {
        const specifier = path.slice("lazy-entry:".length);
        return {
          contents: `export * from ${JSON.stringify(specifier)};`,
          resolveDir: lazyImporters.get(specifier),
        };
      });
    },
  };
  const lazyResult = await build({
    ...common,
    entryPoints: [...lazyImporters.keys()].map((specifier) => ({
      in: `lazy-entry:${specifier}`,
      out: lazyFile(specifier).replace(/\.js$/, ""),
    })),
    outdir: "dist",
    chunkNames: "lazy/[name]-[hash]",
    splitting: true,
    plugins: [lazyEntry, lazyBuiltins, externals, slimRedisCommands, noUnusedRedisClients],
  });
  metafiles.push(lazyResult.metafile);
  // What the entries hold: none of the lazy packages' code (nor node-redis, keyv, the SDK:
  // of the SDK's packages, only @smithy/types's constants).
  const heavy =
    /node_modules[\\/](\.pnpm[\\/])?(@aws-sdk|@redis|keyv|@keyv|@smithy[\\/+](?!types))/;
  const eager = Object.keys(result.metafile.inputs).filter((i) => heavy.test(i));
  if (eager.length > 0) {
    console.error(
      `bundle: the entries hold code meant for dist/lazy/: ${eager.slice(0, 5).join(", ")}`,
    );
    process.exit(1);
  }
}
const inputs = metafiles.flatMap((m) => Object.keys(m.inputs));
const missing = missingSubstitutions(inputs);
if (missing.length > 0) {
  console.error(
    `bundle: substitutions that never applied (did the package move its modules?): ${missing.join("; ")}`,
  );
  process.exit(1);
}
// One node-redis: the swapped table's commands resolve from packages/keyv-cache, node-redis's
// own modules from wherever @keyv/redis sits; two versions would mix them.
const redisVersions = new Set(inputs.flatMap((i) => /@redis\+client@([^/]+)/.exec(i)?.[1] ?? []));
if (
  redisVersions.size > 1 ||
  inputs.some((i) => /@redis[\\/]client[\\/]dist[\\/]lib[\\/]commands[\\/]index\.js$/.test(i))
) {
  console.error(
    `bundle: node-redis's command table was not replaced by one of the same version (versions: ${[...redisVersions].join(", ")})`,
  );
  process.exit(1);
}
if (bin) {
  for (const { input, output } of entries) {
    chmodSync(output, 0o755);
    const tscOutput = input.replace(/^src\//, "dist/").replace(/\.ts$/, "");
    for (const ext of [".js", ".js.map", ".d.ts", ".d.ts.map"]) {
      if (`${tscOutput}${ext}` !== output) rmSync(`${tscOutput}${ext}`, { force: true });
    }
  }
}
// BUNDLE_ANALYZE=1: what went into each output file, largest first.
if (process.env.BUNDLE_ANALYZE) {
  const { analyzeMetafile } = await import("esbuild");
  for (const metafile of metafiles) console.log(await analyzeMetafile(metafile));
}
