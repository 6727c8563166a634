/**
 * Redis Cluster: a throwaway 3-master cluster. Entries and locks go to the node owning their
 * slot (the cluster client routes each command by its key); a fleet shares credentials
 * through it as through one Redis.
 */
import { type Fleet, sampleEntry, startFleet } from "@assume-role-lib/cache-conformance";
import { parseCacheEntry } from "@assume-role-lib/core";
import { KeyvCache } from "@assume-role-lib/keyv-cache";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectOneKey, fleetConfig, STEP_MS, shiftSts } from "./fleet-helpers.js";
import { uniqueNamespace } from "./helpers.js";
import {
  type RedisCluster,
  redisCommand,
  startRedisCluster,
  stopAllRedis,
} from "./redis-harness.js";

const FLEET = 8;
const CALLERS = 20;
const ROLE = "arn:aws:iam::123456789012:role/RoleA";

describe("Redis Cluster (3 masters)", () => {
  let cluster: RedisCluster;
  let sts: StsLocal;
  let fleet: Fleet | undefined;

  beforeAll(async () => {
    [cluster, sts] = await Promise.all([startRedisCluster(3), startStsLocal()]);
  }, 60_000);
  afterAll(async () => {
    await fleet?.close();
    await sts?.close();
    await stopAllRedis();
  });

  it("spreads entries over the masters, and locks each key on its own node", async () => {
    const namespace = uniqueNamespace("cluster");
    const cache = KeyvCache.redis(cluster.urls, { cluster: true, namespace });
    try {
      const keys = Array.from({ length: 30 }, (_, i) => `${i}`.padStart(40, "c"));
      const entries = keys.map(() => sampleEntry());
      await Promise.all(keys.map((k, i) => cache.set(k, entries[i] as never)));
      const sizes = await Promise.all(
        cluster.nodes.map(async (n) => Number((await redisCommand(n.port, "DBSIZE")).slice(1))),
      );
      expect(sizes.filter((s) => s > 0).length).toBeGreaterThanOrEqual(2);
      for (const [i, k] of keys.entries()) {
        expect(parseCacheEntry(await cache.get(k))?.Credentials.AccessKeyId).toBe(
          entries[i]?.Credentials.AccessKeyId,
        );
      }
      const releases = await Promise.all(
        keys.slice(0, 10).map((k) => cache.lock(k, { waitMs: 1000, ttlMs: 5000 })),
      );
      expect(releases.every((r) => typeof r === "function")).toBe(true);
      expect(await cache.lock(keys[0] as string, { waitMs: 100, ttlMs: 5000 })).toBeUndefined();
      await Promise.all(releases.map((r) => r?.()));
      const again = await cache.lock(keys[0] as string, { waitMs: 1000, ttlMs: 5000 });
      expect(again).toBeTypeOf("function");
      await again?.();
    } finally {
      await cache.close();
    }
  });

  it(`a fleet of ${FLEET} processes makes 1 call at cold start and 1 per refresh`, async () => {
    const namespace = uniqueNamespace("cluster-fleet");
    fleet = await startFleet(
      FLEET,
      fleetConfig(sts, ROLE, cluster.urls, { cluster: true, namespace, operationTimeoutMs: 5000 }),
    );
    const calls = () => sts.stats.calls("AssumeRole", ROLE);
    expectOneKey(await fleet.resolveAll({ count: CALLERS, concurrency: CALLERS }));
    expect(calls()).toBe(1);
    for (const step of [1, 2]) {
      shiftSts(sts, step * STEP_MS);
      const replies = await fleet.resolveAll({
        count: CALLERS,
        concurrency: CALLERS,
        clockOffsetMs: step * STEP_MS,
      });
      expectOneKey(replies);
      expect(calls()).toBe(1 + step);
    }
  }, 90_000);
});
