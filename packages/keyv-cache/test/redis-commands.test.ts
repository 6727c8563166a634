import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import slim from "../src/redis-commands.js";

// The bundle gives KeyvCache's Redis client this table instead of node-redis's (see
// src/redis-commands.ts). These pin what that swap must keep, against the installed
// node-redis, so that an upgrade which starts using another command fails here.
const require = createRequire(import.meta.url);
const clientRoot = dirname(require.resolve("@redis/client/package.json"));
const lib = join(clientRoot, "dist", "lib");
const full = require(join(lib, "commands", "index.js")) as Record<string, unknown> & {
  default: Record<string, unknown>;
};

describe("the command table of KeyvCache's Redis client", () => {
  it("has every command node-redis's client, cluster and sentinel modules take from the table", () => {
    const used = new Set<string>();
    for (const dir of ["client", "cluster", "sentinel"]) {
      for (const file of readdirSync(join(lib, dir)).filter((f) => f.endsWith(".js"))) {
        const source = readFileSync(join(lib, dir, file), "utf8");
        for (const m of source.matchAll(/commands_1\.default\.([A-Z_]+)/g))
          used.add(m[1] as string);
      }
    }
    expect(used.size).toBeGreaterThan(0);
    for (const name of used) expect(slim, name).toHaveProperty(name);
  });

  it("has what @keyv/redis and the lock call, under node-redis's own definitions", () => {
    for (const name of [
      "get",
      "set",
      "del",
      "unlink",
      "exists",
      "scan",
      "mGet",
      "flushDb",
      "eval",
      "clusterSlots",
    ]) {
      expect(slim[name as keyof typeof slim], name).toBe(full.default[name]);
    }
  });

  it("exports the constants node-redis's modules read from the table", async () => {
    const table = (await import("../src/redis-commands.js")) as Record<string, unknown>;
    for (const name of [
      "CLIENT_KILL_FILTERS",
      "FAILOVER_MODES",
      "CLUSTER_SLOT_STATES",
      "COMMAND_LIST_FILTER_BY",
      "REDIS_FLUSH_MODES",
      "NON_STICKY_COMMANDS",
    ]) {
      expect(table[name], name).toBeDefined();
      if (name !== "NON_STICKY_COMMANDS") expect(table[name], name).toEqual(full[name]);
    }
  });

  it("is what the bundle carries: node-redis's full table is not in it", () => {
    const bundle = readFileSync(join(import.meta.dirname, "..", "dist", "index.js"), "utf8");
    expect(bundle).toContain("redis-commands.ts");
    expect(bundle).not.toMatch(/@redis\/client\/dist\/lib\/commands\/index\.js/);
    expect(bundle).not.toContain("HOTKEYS_START");
  });
});
