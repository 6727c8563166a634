/**
 * Storms on a host: 16 real worker processes on one cache directory, one sts-local, time
 * simulated (see cache-conformance's storms.ts). The processes share credentials through
 * the files, and their failures through `<key>.refresh-failure.json` beside the entries.
 */
import { readdir, readFile } from "node:fs/promises";
import {
  runDenied,
  runOutage,
  runSlow,
  runThrottled,
  type StormFleet,
  startStormFleet,
  THROTTLED_AT_60X,
} from "@assume-role-lib/cache-conformance";
import { JSONFileCache } from "@assume-role-lib/file-cache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, tempDir } from "./helpers.js";

const FLEET = 16;

describe(`storms: ${FLEET} processes on one cache directory`, () => {
  let storm: StormFleet;
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ dir, cleanup } = await tempDir("file-cache-storms-"));
    storm = await startStormFleet({
      size: FLEET,
      cacheModule: fixture("file-cache-factory.mjs"),
      cacheExport: "createFileCache",
      cacheArgs: { dir },
      sessionOptions: THROTTLED_AT_60X,
    });
  }, 90_000);

  afterAll(async () => {
    await storm?.close();
    await cleanup?.();
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
    expect(r.attempts).toBeLessThanOrEqual(1 + Math.floor(r.elapsedMs / 5000));
    // The record the fleet shared: beside the entry, STS's code and times, no secret.
    const names = await readdir(dir);
    const record = names.find((n) => /^[0-9a-f]{40}\.refresh-failure\.json$/.test(n));
    expect(record).toBeDefined();
    const doc = JSON.parse(await readFile(`${dir}/${record}`, "utf8"));
    expect(Object.keys(doc)).toEqual(["RefreshFailure"]);
    expect(doc.RefreshFailure).toMatchObject({ Code: "AccessDenied", Retryable: false });
    expect(JSON.stringify(doc)).not.toContain(storm.sts.rootCredentials.secretAccessKey);
  }, 60_000);

  it("20 throttles in a row at cold start: no caller error, one attempt at a time", async () => {
    const r = await runThrottled(storm);
    expect(r.callerErrors).toBe(0);
    expect(r.attempts).toBe(21);
  }, 90_000);

  // Runs once the file lock can renew its lease (ReleaseLock.renew): without renewal the
  // lease ends under the holder after 10 s and a waiter calls STS too (2 calls, 22 s).
  it("STS slower (12 s) than the 10 s lock lease: the holder renews it, 1 AssumeRole call serves all", async (ctx) => {
    const probe = new JSONFileCache(dir);
    const release = await probe.lock("renew-probe", { waitMs: 1000, ttlMs: 10_000 });
    await release?.();
    if (!release?.renew) return ctx.skip();
    const r = await runSlow(storm);
    expect(r.callerErrors).toBe(0);
    expect(r.served).toBe(FLEET);
    expect(r.attempts).toBe(1);
  }, 60_000);
});
