/**
 * The fleet proof: 32 real worker processes, 20 concurrent callers each, one throwaway
 * Redis, one sts-local. STS must see one AssumeRole call per refresh for the whole fleet;
 * a Redis crash must cost extra STS calls but no failed request; a crashed lock holder
 * must be replaced within the lock TTL. One fleet is reused across the steps, in order.
 */
import { type Fleet, startFleet } from "@assume-role-lib/cache-conformance";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ask, expectOneKey, fleetConfig, LIFETIME_S, STEP_MS, shiftSts } from "./fleet-helpers.js";
import { type RawRedis, rawRedis, uniqueNamespace, waitFor } from "./helpers.js";
import { RedisServer, redisCommand, stopAllRedis } from "./redis-harness.js";

const FLEET = 32;
const CALLERS = 20;
const ROLE = "arn:aws:iam::123456789012:role/Demo";
const LOCK_TTL_MS = 3000;

describe(`fleet of ${FLEET} processes × ${CALLERS} callers on one Redis`, () => {
  let sts: StsLocal;
  let redis: RedisServer;
  let fleet: Fleet;
  let raw: RawRedis;
  let offset = 0;
  const namespace = uniqueNamespace("fleet");
  const calls = () => sts.stats.calls("AssumeRole", ROLE);
  /** Move every clock to the next refresh point (the blocking window) and resolve. */
  const refresh = async () => {
    offset += STEP_MS;
    shiftSts(sts, offset);
    return fleet.resolveAll({ count: CALLERS, concurrency: CALLERS, clockOffsetMs: offset });
  };

  beforeAll(async () => {
    [sts, redis] = await Promise.all([startStsLocal(), RedisServer.start()]);
    raw = await rawRedis(redis.url);
    fleet = await startFleet(
      FLEET,
      fleetConfig(
        sts,
        ROLE,
        redis.url,
        // Generous deadline: 32 Node processes share 2 cores here; a Redis that is down
        // still fails fast (commands are rejected, not queued).
        { namespace, operationTimeoutMs: 5000, reconnectMaxDelayMs: 300 },
        { waitMs: 20_000, ttlMs: LOCK_TTL_MS },
      ),
    );
  }, 90_000);

  afterAll(async () => {
    await fleet?.close();
    await raw?.close().catch(() => {});
    await sts?.close();
    await stopAllRedis();
  });

  it("cold start: exactly 1 AssumeRole call for the fleet", async () => {
    const replies = await fleet.resolveAll({ count: CALLERS, concurrency: CALLERS });
    expectOneKey(replies);
    expect(calls()).toBe(1);
    // The entry is in Redis with a TTL that ends at its Expiration.
    const [entryKey] = await raw.keys(`${namespace}:[0-9a-f]*`);
    const pttl = await raw.pTTL(entryKey as string);
    expect(pttl).toBeGreaterThan((LIFETIME_S - 60) * 1000);
  });

  it("blocking refresh point: 1 call for the fleet", async () => {
    const before = calls();
    expectOneKey(await refresh());
    expect(calls() - before).toBe(1);
  });

  it("advisory refresh point (background refreshes, jittered): 1 call for the fleet", async () => {
    const before = calls();
    // Inside every worker's advisory window (jitter ≤ 5 s) but before the blocking one.
    const advisory = offset + (LIFETIME_S - 200) * 1000;
    shiftSts(sts, advisory);
    const old = expectOneKey(
      await fleet.resolveAll({ count: CALLERS, concurrency: CALLERS, clockOffsetMs: advisory }),
    );
    let current = old;
    await waitFor(async () => {
      const replies = await fleet.resolveAll({ count: 1, clockOffsetMs: advisory });
      const keys = new Set(replies.flatMap((r) => r.accessKeyIds));
      current = [...keys][0] as string;
      return keys.size === 1 && current !== old;
    }, 20_000);
    expect(calls() - before).toBe(1);
    offset = advisory; // the next step is STEP_MS after these credentials were issued
  });

  it("Redis killed mid-run: no request fails, STS calls rise; restarted: 1 call again", async () => {
    let before = calls();
    // Killed while the fleet is refreshing.
    const during = refresh();
    await redis.kill();
    expect((await during).flatMap((r) => r.errors)).toEqual([]);
    expect(calls() - before).toBeGreaterThanOrEqual(1);

    // A whole refresh while Redis is down: every worker falls back to STS, none fails.
    before = calls();
    const down = await refresh();
    expect(down.flatMap((r) => r.errors)).toEqual([]);
    expect(calls() - before).toBe(FLEET);

    // Same port, empty: every worker reconnects by itself.
    await redis.restart();
    await waitFor(async () => {
      const list = await redisCommand(redis.port, "CLIENT", "LIST").catch(() => "");
      return list.split("\n").filter((l) => l.includes("addr=")).length > FLEET;
    }, 20_000);
    await raw.close().catch(() => {});
    raw = await rawRedis(redis.url);
    before = calls();
    expectOneKey(await refresh());
    expect(calls() - before).toBe(1);
  });

  it("lock holder SIGKILLed while STS is slow: another worker takes over within the TTL", async () => {
    sts.faults.latency(1500, { action: "AssumeRole" });
    const before = calls();
    offset += STEP_MS;
    shiftSts(sts, offset);
    const replies = fleet.workers.map((w) =>
      ask(w, { id: "kill-step", count: CALLERS, concurrency: CALLERS, clockOffsetMs: offset }),
    );
    const lockValue = async () => {
      const [lockKey] = await raw.keys(`${namespace}:lock:*`);
      return lockKey ? ((await raw.get(lockKey)) ?? undefined) : undefined;
    };
    let holder: string | undefined;
    await waitFor(async () => {
      holder = await lockValue();
      return holder !== undefined;
    }, 10_000);
    const pid = Number(holder?.split(":").at(-1));
    const victim = fleet.workers.find((w) => w.pid === pid);
    expect(victim).toBeDefined();
    victim?.kill("SIGKILL");
    const killedAt = Date.now();
    let next: string | undefined;
    await waitFor(async () => {
      next = await lockValue();
      return next !== undefined && next !== holder;
    }, 10_000);
    // The lease bounds the takeover; the slack covers polling on a loaded 2-core machine.
    expect(Date.now() - killedAt).toBeLessThan(LOCK_TTL_MS + 1500);
    expect(Number(next?.split(":").at(-1))).not.toBe(pid);

    const survivors = (await Promise.all(replies)).filter((r) => r !== undefined);
    expect(survivors).toHaveLength(FLEET - 1);
    expectOneKey(survivors);
    // The victim's call (if it was sent) and the one by the worker that took over.
    expect(calls() - before).toBeGreaterThanOrEqual(1);
    expect(calls() - before).toBeLessThanOrEqual(2);
    sts.faults.clear();
  });
});
