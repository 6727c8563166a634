/**
 * Storms on a fleet: 32 real worker processes on one throwaway Redis, one sts-local, time
 * simulated (see cache-conformance's storms.ts). The fleet shares credentials, and also
 * its failures: one process calls STS, and the others follow its backoff.
 */
import {
  runDenied,
  runOutage,
  runSlow,
  runThrottled,
  type StormFleet,
  startStormFleet,
  THROTTLED_AT_60X,
} from "@assume-role-lib/cache-conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FACTORY } from "./fleet-helpers.js";
import { uniqueNamespace } from "./helpers.js";
import { RedisServer, stopAllRedis } from "./redis-harness.js";

const FLEET = 32;

describe(`storms: ${FLEET} processes on one Redis`, () => {
  let redis: RedisServer;
  let storm: StormFleet;

  beforeAll(async () => {
    redis = await RedisServer.start();
    storm = await startStormFleet({
      size: FLEET,
      cacheModule: FACTORY,
      cacheExport: "createCache",
      // Generous deadline: 32 Node processes share 2 cores here.
      cacheArgs: {
        url: redis.url,
        options: { namespace: uniqueNamespace("storms"), operationTimeoutMs: 5000 },
      },
      sessionOptions: THROTTLED_AT_60X,
    });
  }, 90_000);

  afterAll(async () => {
    await storm?.close();
    await stopAllRedis();
  });

  it("STS down for 20 simulated minutes inside the advisory window: no caller error, at most 6 attempts, one call recovers the fleet", async () => {
    const r = await runOutage(storm);
    expect(r.errorsBeforeExpiry + r.errorsAfterExpiry).toBe(0);
    expect(r.attemptsDuringOutage).toBeGreaterThanOrEqual(2);
    expect(r.attemptsDuringOutage).toBeLessThanOrEqual(6);
    expect(r.attemptsToRecover).toBe(1);
    expect(r.recoveryMs).toBeLessThanOrEqual(10 * 60_000 + 60_000); // one backoff period, plus the simulated duration of the round that sees it
  }, 90_000);

  it("a denied role at cold start: every caller gets AccessDenied, at most 1 STS call per 5 s", async () => {
    const r = await runDenied(storm);
    expect(r.other).toBe(0);
    expect(r.accessDenied).toBe(r.callers);
    expect(r.attempts).toBeGreaterThanOrEqual(1);
    expect(r.attempts).toBeLessThanOrEqual(1 + Math.floor(r.elapsedMs / 5000));
  }, 60_000);

  it("20 throttles in a row at cold start: no caller error, one attempt at a time", async () => {
    const r = await runThrottled(storm);
    expect(r.callerErrors).toBe(0);
    // With the SDK's 3 attempts each, 7 of ours: 21 requests, the last one answered.
    expect(r.attempts).toBe(21);
  }, 90_000);

  it("STS slower (12 s) than the 10 s lock lease: the holder renews it, 1 AssumeRole call serves all", async () => {
    const r = await runSlow(storm);
    expect(r.callerErrors).toBe(0);
    expect(r.served).toBe(FLEET);
    expect(r.attempts).toBe(1);
  }, 60_000);
});
