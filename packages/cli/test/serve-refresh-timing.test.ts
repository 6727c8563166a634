/**
 * Item 4: what the server hands out always has more life left than the clients' own
 * refresh windows (botocore: 15 minutes, JavaScript: 5), outside an STS outage. Hours of
 * credential lifetimes on sts-local's frozen clock, shared with the session, over HTTP.
 */
import { Session } from "@assume-role-lib/core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_REFRESH_WINDOW_SECONDS } from "../src/server/served-credentials.js";
import {
  type FrozenSts,
  fetchCredentials,
  httpGet,
  type InProcessServer,
  ROLE_ARN,
  serveInProcess,
  startFrozenSts,
} from "./server-helpers.js";

const MIN = 60_000;
const HOUR = 60 * MIN;
/**
 * What the server aims for while in use: botocore's 15 minutes plus 5. The request that
 * starts a refresh still gets the credentials held (nobody waits for STS), which have
 * 20 minutes less the fraction of a second that Expiration (whole seconds) rounds off.
 */
const SERVED_MINIMUM_SECONDS = 20 * 60 - 1;

let sts: FrozenSts;
let running: InProcessServer | undefined;

beforeAll(async () => {
  sts = await startFrozenSts();
  return () => sts.close();
});

afterEach(async () => {
  await running?.close();
  running = undefined;
  sts.faults.clear();
});

/** Seconds between the served Expiration and sts-local's (and the session's) clock. */
async function secondsLeft(server: InProcessServer) {
  const doc = await fetchCredentials(server);
  const expiration = Date.parse(doc.Expiration);
  return { key: doc.AccessKeyId, expiration, left: (expiration - sts.now()) / 1000 };
}

/** Ask every `stepMs` for `totalMs`; the smallest time left seen, and the keys. */
async function walk(server: InProcessServer, totalMs: number, stepMs: number) {
  let least = Number.POSITIVE_INFINITY;
  const keys = new Set<string>();
  for (let t = 0; t <= totalMs; t += stepMs) {
    const { key, left } = await secondsLeft(server);
    least = Math.min(least, left);
    keys.add(key);
    sts.clock.advance(stepMs);
  }
  return { least, keys };
}

describe("served credentials outlive the clients' refresh windows", () => {
  it("1-hour credentials, over 3 hours: always 20 minutes left, 1 STS call per refresh", async () => {
    const role = ROLE_ARN("Demo");
    const before = sts.stats.calls("AssumeRole", role);
    running = await serveInProcess(sts, role);
    const { least, keys } = await walk(running, 3 * HOUR, 30_000);
    expect(least).toBeGreaterThanOrEqual(SERVED_MINIMUM_SECONDS);
    expect(least).toBeGreaterThan(CLIENT_REFRESH_WINDOW_SECONDS);
    // Each credential is served for 38-40 minutes: 5 sets in 3 hours, one STS call each.
    expect(keys.size).toBeGreaterThanOrEqual(5);
    expect(keys.size).toBeLessThanOrEqual(6);
    expect(sts.stats.calls("AssumeRole", role) - before).toBe(keys.size);
  });

  it("role chaining (STS's 1-hour limit): the same, while the parent role refreshes on its own", async () => {
    const root = Session.fromCredentials(sts.rootCredentials, {
      region: sts.region,
      stsClientConfig: { endpoint: sts.endpoint, maxAttempts: 1 },
      clock: sts.now,
    });
    const parent = root.assumeRole(ROLE_ARN("RoleA"));
    running = await serveInProcess(sts, ROLE_ARN("RoleB"), { parent });
    const { least, keys } = await walk(running, 3 * HOUR, 30_000);
    // The child's background refresh waits for the parent's own (chained) refresh, so one
    // more 30 s step can pass before it lands: still well beyond botocore's 15 minutes.
    expect(least).toBeGreaterThanOrEqual(SERVED_MINIMUM_SECONDS - 60);
    expect(keys.size).toBeGreaterThanOrEqual(5);
  });

  it("12-hour credentials, over 26 hours: replaced 20-22 minutes before they expire", async () => {
    running = await serveInProcess(sts, ROLE_ARN("Long"), { DurationSeconds: 43200 });
    const { least, keys } = await walk(running, 26 * HOUR, 5 * MIN);
    expect(least).toBeGreaterThanOrEqual(SERVED_MINIMUM_SECONDS);
    expect(keys.size).toBe(3);
  });

  it("credentials shorter than 40 minutes cannot leave 20: they are served for half their life", async () => {
    running = await serveInProcess(sts, ROLE_ARN("Demo"), { DurationSeconds: 900 });
    const { least } = await walk(running, HOUR, 10_000);
    expect(least).toBeGreaterThanOrEqual(449);
  });
});

describe("a refresh in flight", () => {
  it("holds nobody up while the credentials held still have 20 minutes", async () => {
    running = await serveInProcess(sts, ROLE_ARN("Demo"));
    const first = await secondsLeft(running);
    sts.clock.set(first.expiration - 19 * MIN); // the refresh starts
    sts.faults.latency(1_500, { action: "AssumeRole" });
    const started = performance.now();
    const during = await secondsLeft(running);
    expect(performance.now() - started).toBeLessThan(400);
    expect(during.key).toBe(first.key);
    expect(during.left).toBe(19 * 60);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect((await secondsLeft(running)).key).not.toBe(first.key);
  });

  it("after an idle 50 minutes, the first request gets new credentials, not the 10-minute-old ones", async () => {
    running = await serveInProcess(sts, ROLE_ARN("Demo"));
    const first = await secondsLeft(running);
    sts.clock.set(first.expiration - 10 * MIN); // inside botocore's blocking window
    const next = await secondsLeft(running);
    expect(next.key).not.toBe(first.key);
    expect(next.left).toBeGreaterThan(55 * 60);
  });

  it("but for at most 500 ms: a slow STS leaves the request with the credentials held", async () => {
    running = await serveInProcess(sts, ROLE_ARN("Demo"));
    const first = await secondsLeft(running);
    sts.clock.set(first.expiration - 12 * MIN); // the refresh starts, and is waited for
    sts.faults.latency(1_500, { action: "AssumeRole" });
    const started = performance.now();
    const during = await secondsLeft(running);
    expect(performance.now() - started).toBeLessThan(1_200);
    expect(during.key).toBe(first.key);
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect((await secondsLeft(running)).key).not.toBe(first.key);
  });
});

describe("during an STS outage (static stability)", () => {
  it("serves the current credentials until 30 s before they expire (static stability), then 503; recovers", async () => {
    running = await serveInProcess(sts, ROLE_ARN("Demo"));
    const first = await secondsLeft(running);
    sts.faults.serverErrorNext(1_000_000, 503, { action: "AssumeRole" });
    for (const leftMinutes of [19, 12, 8, 6]) {
      sts.clock.set(first.expiration - leftMinutes * MIN);
      const during = await secondsLeft(running).catch((e) => {
        throw new Error(`${leftMinutes} min left: ${e}`);
      });
      expect(during.key).toBe(first.key);
      expect(during.left).toBe(leftMinutes * 60);
    }
    sts.clock.set(first.expiration - 4 * MIN);
    expect((await secondsLeft(running)).key).toBe(first.key);
    sts.clock.set(first.expiration - 20_000);
    const refused = await httpGet(running.server.url, { Authorization: running.token });
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body)).toMatchObject({ Code: "CredentialsUnavailable" });
    sts.faults.clear();
    // The next attempt comes after the core's backoff (at most 30 s with nothing held; on a
    // busy machine a few more attempts may have failed meanwhile, so allow a few periods).
    let after: Awaited<ReturnType<typeof secondsLeft>> | undefined;
    for (let period = 0; period < 5 && !after; period++) {
      sts.clock.advance(31_000);
      after = await secondsLeft(running).catch(() => undefined);
    }
    if (!after) throw new Error("the server did not recover within 5 backoff periods");
    expect(after.key).not.toBe(first.key);
    expect(after.left).toBeGreaterThan(55 * 60);
  });
});
