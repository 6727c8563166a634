/**
 * `node:crypto`, loaded on first use. A cache hit without encryption never needs it, and
 * loading it is ~2 ms of every worker's start (the file cache's workers no longer load it).
 */
let loaded: typeof import("node:crypto") | undefined;

/** The `node:crypto` module (loaded now if this is the first use). */
export function nodeCrypto(): typeof import("node:crypto") {
  loaded ??= process.getBuiltinModule("node:crypto");
  return loaded;
}
