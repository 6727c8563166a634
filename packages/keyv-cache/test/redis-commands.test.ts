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

/** Method names that `source` calls on a client or a MULTI (`client.get(`, `multi.set(`). */
const calledCommands = (source: string) =>
  [...source.matchAll(/\b(?:client|multi|[a-z]*[Cc]lient)\.([a-z]\w*)\(/g)]
    .map((m) => m[1] as string)
    .filter((name) => Object.hasOwn(full.default, name));
const keyvRedis = readFileSync(join(dirname(require.resolve("@keyv/redis")), "index.js"), "utf8");
const redisModules = ["client", "cluster", "sentinel"].flatMap((dir) =>
  readdirSync(join(lib, dir))
    .filter((f) => f.endsWith(".js"))
    .map((f) => readFileSync(join(lib, dir, f), "utf8")),
);

describe("the command table of KeyvCache's Redis client", () => {
  it("has every command node-redis's client, cluster and sentinel modules take from the table or call", () => {
    const used = new Set<string>();
    for (const source of redisModules) {
      for (const m of source.matchAll(/commands_1\.default\.([A-Z_]+)/g)) used.add(m[1] as string);
      for (const name of calledCommands(source)) used.add(name);
    }
    expect(used).toContain("AUTH");
    expect(used).toContain("clusterSlots");
    for (const name of used) expect(slim, name).toHaveProperty(name, full.default[name]);
  });

  it("has every command @keyv/redis calls on its client or queues on MULTI, and the lock's", () => {
    const used = new Set([...calledCommands(keyvRedis), "set", "eval"]);
    expect(used).toContain("mGet");
    for (const name of used) expect(slim, name).toHaveProperty(name, full.default[name]);
  });

  it("exports every other name node-redis's table exports, with the same values", async () => {
    const table = (await import("../src/redis-commands.js")) as Record<string, unknown>;
    for (const name of Object.keys(full).filter((n) => n !== "default" && n !== "__esModule")) {
      if (name === "NON_STICKY_COMMANDS") expect(table[name], name).toBe(slim);
      else expect(table[name], name).toEqual(full[name]);
    }
  });

  it("is what the bundle carries: node-redis's full table is not in it", () => {
    const bundle = readFileSync(join(import.meta.dirname, "..", "dist", "index.js"), "utf8");
    expect(bundle).toContain("redis-commands.ts");
    expect(bundle).not.toMatch(/@redis\/client\/dist\/lib\/commands\/index\.js/);
    expect(bundle).not.toContain("HOTKEYS_START");
  });

  it("is bundled without node-redis's Sentinel client (a stub that says so instead)", () => {
    const bundle = readFileSync(join(import.meta.dirname, "..", "dist", "index.js"), "utf8");
    expect(bundle).toContain("Redis Sentinel is not part of @assume-role-lib/keyv-cache");
    expect(bundle).not.toMatch(/@redis\/client\/dist\/lib\/sentinel\//);
    // @keyv/redis builds a Sentinel client only from connect options: KeyvCache hands it a
    // client it built (redis-connection.ts), so the stub is never reached.
    const connection = readFileSync(
      join(import.meta.dirname, "..", "src", "redis-connection.ts"),
      "utf8",
    );
    expect(connection).toMatch(/new KeyvRedis\(client,/);
    expect(connection).not.toMatch(/createSentinel|sentinelRootNodes/);
  });

  it("is bundled without node-redis's client pool (a stub that says so instead)", async () => {
    const bundle = readFileSync(join(import.meta.dirname, "..", "dist", "index.js"), "utf8");
    expect(bundle).toContain("Redis client pools are not part of @assume-role-lib/keyv-cache");
    expect(bundle).not.toMatch(/@redis\/client\/dist\/lib\/client\/pool\.js/);
    // Nothing of KeyvCache's makes a pool; a caller's own client is their own node-redis.
    const sources = ["redis-connection.ts", "redis-lock.ts", "keyv-cache.ts"].map((f) =>
      readFileSync(join(import.meta.dirname, "..", "src", f), "utf8"),
    );
    for (const source of sources) expect(source).not.toMatch(/createClientPool|createPool/);
  });
});
