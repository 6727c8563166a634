import { MemoryCache } from "@assume-role-lib/core";
import { runCacheConformance } from "../src/index.js";

runCacheConformance(
  "MemoryCache",
  async () => {
    const cache = new MemoryCache();
    // MemoryCache copies documents; raw values go through its public set unchanged.
    return { cache, writeRaw: async (key, value) => void cache.set(key, value as never) };
  },
  { lock: true },
);

runCacheConformance("a plain Map", async () => {
  const cache = new Map<string, unknown>();
  return { cache, writeRaw: async (key, value) => void cache.set(key, value) };
});
