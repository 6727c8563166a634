import { AssumeRoleError, type AssumeRoleOptions, type Session } from "@assume-role-lib/core";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { beforeAll, describe, expect, it } from "vitest";
import { EventLog, type FrozenSts, role, rootSession, useFrozenSts } from "./helpers.js";

const getSts = useFrozenSts();
let sts: FrozenSts;
beforeAll(() => {
  sts = getSts();
});

const MIN = 60_000;
const noJitter = { refresh: { jitterSeconds: 0 } };
const assumeRoleCalls = () => sts.stats.calls("AssumeRole");

function child(options: AssumeRoleOptions = {}, maxAttempts = 1): { s: Session; log: EventLog } {
  const log = new EventLog();
  const s = rootSession(sts, log, { maxAttempts }).assumeRole(role("Demo"), {
    ...noJitter,
    ...options,
  });
  return { s, log };
}

describe("fresh credentials come from memory", () => {
  it("one STS call, then the same object with no I/O", async () => {
    const { s } = child();
    const first = await s.credentials();
    for (let i = 0; i < 100; i++) expect(await s.credentials()).toBe(first);
    sts.clock.advance(44 * MIN); // still before the advisory window (45 min for 1 h)
    expect(await s.credentials()).toBe(first);
    expect(assumeRoleCalls()).toBe(1);
  });

  it("100 concurrent callers on a cold start make exactly 1 AssumeRole call", async () => {
    sts.faults.latency(100);
    const { s } = child();
    const results = await Promise.all(Array.from({ length: 100 }, () => s.credentials()));
    expect(new Set(results.map((c) => c.accessKeyId)).size).toBe(1);
    expect(assumeRoleCalls()).toBe(1);
  });
});

describe("advisory window: serve current credentials, refresh once in the background", () => {
  it("returns the current credentials at once and swaps in new ones", async () => {
    const { s, log } = child();
    const first = await s.credentials();
    sts.clock.advance(46 * MIN); // 14 min left: advisory (15), not mandatory (10)
    const refreshed = log.next("refresh-succeeded");
    const during = await Promise.all(Array.from({ length: 20 }, () => s.credentials()));
    for (const c of during) expect(c).toBe(first);
    expect((await refreshed).reason).toBe("advisory");
    const after = await s.credentials();
    expect(after.accessKeyId).not.toBe(first.accessKeyId);
    expect(assumeRoleCalls()).toBe(2);
  });

  it("a failed background refresh is reported, not thrown, and retried 5-10 min later", async () => {
    const { s, log } = child({ refresh: { jitterSeconds: 0, random: () => 0.5 } });
    const first = await s.credentials();
    sts.clock.advance(46 * MIN);
    sts.faults.throttleNext(1);
    const failed = log.next("refresh-failed");
    expect(await s.credentials()).toBe(first);
    const event = await failed;
    expect(event).toMatchObject({ reason: "advisory", thrown: false, permanent: false });
    expect((event.error as AssumeRoleError).code).toBe("Throttling");
    // random 0.5: the middle of 5-10 min.
    expect(event.nextAttemptAt.getTime() - sts.now()).toBe(7.5 * MIN);
    expect(event.servingUntil?.getTime()).toBe((first.expiration?.getTime() ?? 0) - 30_000);
    // Within the backoff: no new attempt, still the current credentials.
    sts.clock.advance(7 * MIN);
    expect(await s.credentials()).toBe(first);
    expect(assumeRoleCalls()).toBe(2);
    sts.clock.advance(MIN);
    const succeeded = log.next("refresh-succeeded");
    expect(await s.credentials()).toBe(first);
    await succeeded;
    expect((await s.credentials()).accessKeyId).not.toBe(first.accessKeyId);
    expect(assumeRoleCalls()).toBe(3);
  });

  it("jitter moves the advisory refresh earlier, never later", async () => {
    const earlyLog = new EventLog();
    const lateLog = new EventLog();
    const early = rootSession(sts, earlyLog).assumeRole(role("Demo"), {
      refresh: { jitterSeconds: 120, random: () => 1 },
    });
    const late = rootSession(sts, lateLog).assumeRole(role("Demo"), {
      refresh: { jitterSeconds: 120, random: () => 0 },
    });
    await early.credentials();
    await late.credentials();
    sts.clock.advance(60 * MIN - 16 * MIN); // 16 min left: inside 15 min + 2 min of jitter only
    const earlyRefreshed = earlyLog.next("refresh-succeeded");
    await early.credentials();
    await late.credentials();
    expect((await earlyRefreshed).reason).toBe("advisory");
    expect(lateLog.count("refresh-started")).toBe(1); // only its cold start
  });
});

describe("blocking window (the last minute): callers wait for the one refresh", () => {
  it("never serves credentials from memory inside the blocking window when STS answers", async () => {
    const { s } = child();
    const first = await s.credentials();
    sts.clock.advance(59.5 * MIN); // 30 s left
    sts.faults.latency(50);
    const all = await Promise.all(Array.from({ length: 30 }, () => s.credentials()));
    for (const c of all) {
      expect(c.accessKeyId).not.toBe(first.accessKeyId);
      expect((c.expiration?.getTime() ?? 0) - sts.now()).toBeGreaterThan(50 * MIN);
    }
    expect(assumeRoleCalls()).toBe(2);
  });

  it("a failed refresh still serves the unexpired credentials, with no error (static stability)", async () => {
    const { s, log } = child();
    const first = await s.credentials();
    sts.clock.advance(59 * MIN + 10_000); // 50 s left: blocking, still usable
    sts.faults.throttleNext(1);
    const all = await Promise.all(Array.from({ length: 5 }, () => s.credentials()));
    for (const c of all) expect(c).toBe(first);
    expect(assumeRoleCalls()).toBe(2);
    const failed = log.of("refresh-failed")[0];
    expect(failed).toMatchObject({ reason: "mandatory", thrown: false });
    // The next attempt is when they stop being usable (30 s before expiry), not sooner.
    expect(failed?.nextAttemptAt.getTime()).toBe((first.expiration?.getTime() ?? 0) - 30_000);
    expect(await s.credentials()).toBe(first);
    expect(assumeRoleCalls()).toBe(2);
  });

  it("throws the error with the role ARN and STS code once nothing usable is held", async () => {
    const { s, log } = child({ refresh: { jitterSeconds: 0, maxWaitSeconds: 0.2 } });
    await s.credentials();
    sts.clock.advance(59.75 * MIN); // 15 s left: inside the 30 s margin, not usable
    sts.faults.throttleNext(1);
    const errors = await Promise.all(
      Array.from({ length: 5 }, () => s.credentials().catch((e) => e)),
    );
    for (const e of errors) {
      expect(e).toBeInstanceOf(AssumeRoleError);
      expect(e.code).toBe("Throttling");
      expect(e.roleArn).toBe(role("Demo"));
      expect(e.message).toContain(role("Demo"));
      expect(e.message).toContain("Throttling");
      expect(e.retryable).toBe(true);
    }
    expect(assumeRoleCalls()).toBe(2);
    expect(log.of("refresh-failed")[0]).toMatchObject({ reason: "mandatory", thrown: true });
    // After the short backoff (at most 1 s for a first failure) the next caller tries again.
    sts.clock.advance(1000);
    expect((await s.credentials()).accessKeyId).toMatch(/^ASIA/);
  });

  it("never returns expired credentials, even when STS is failing", async () => {
    const { s } = child({ refresh: { maxWaitSeconds: 0.2 } });
    await s.credentials();
    sts.clock.advance(61 * MIN);
    sts.faults.serverErrorNext(1, 503);
    await expect(s.credentials()).rejects.toMatchObject({
      code: "ServiceUnavailable",
      statusCode: 503,
    });
  });
});

describe("short-lived credentials", () => {
  it("900-second credentials are fresh for 10 min (advisory window 5 min, AWS's table)", async () => {
    const { s, log } = child({ DurationSeconds: 900 });
    const first = await s.credentials();
    sts.clock.advance(590_000); // 310 s left: botocore would refresh on every call here
    for (let i = 0; i < 50; i++) expect(await s.credentials()).toBe(first);
    expect(assumeRoleCalls()).toBe(1);
    sts.clock.advance(20_000); // 290 s left: advisory
    const refreshed = log.next("refresh-succeeded");
    expect(await s.credentials()).toBe(first);
    expect((await refreshed).reason).toBe("advisory");
    expect(assumeRoleCalls()).toBe(2);
  });
});

describe("faults survived", () => {
  it("the SDK's retries ride out throttling and 5xx", async () => {
    const { s } = child({}, 4);
    sts.faults.throttleNext(2);
    sts.faults.serverErrorNext(1);
    await expect(s.credentials()).resolves.toMatchObject({
      accessKeyId: expect.stringMatching(/^ASIA/),
    });
    expect(sts.stats.succeeded("AssumeRole")).toBe(1);
  });

  it("a dropped connection is a retryable AssumeRoleError", async () => {
    const { s } = child({ refresh: { maxWaitSeconds: 0.2 } });
    sts.faults.dropNext(1);
    const error = await s.credentials().catch((e) => e);
    expect(error).toBeInstanceOf(AssumeRoleError);
    expect(error.retryable).toBe(true);
    expect(error.statusCode).toBeUndefined();
  });
});

describe("inside an SDK client", () => {
  it("starts the advisory refresh on time although the SDK memoizes only 5 minutes ahead", async () => {
    const { s, log } = child();
    const client = s.client(STSClient, { endpoint: sts.endpoint });
    await client.send(new GetCallerIdentityCommand({}));
    sts.clock.advance(46 * MIN);
    const started = log.next("refresh-started");
    await client.send(new GetCallerIdentityCommand({}));
    expect((await started).reason).toBe("advisory");
  });

  it("control: a provider without the memoized mark is not asked again by the SDK", async () => {
    const { s, log } = child();
    const plain = () => s.credentials(); // hides our `memoized` mark from the SDK
    const client = new STSClient({
      region: sts.region,
      endpoint: sts.endpoint,
      credentials: plain,
    });
    await client.send(new GetCallerIdentityCommand({}));
    sts.clock.advance(46 * MIN);
    await client.send(new GetCallerIdentityCommand({}));
    // The SDK compares with the real clock: it saw 1 h of validity and did not ask again.
    expect(log.count("refresh-started")).toBe(1);
  });
});

describe("an STS that never answers", () => {
  it("a caller gives up after maxWaitSeconds with a retryable TimeoutError, not never", async () => {
    const { createServer } = await import("node:net");
    const sockets: import("node:net").Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket)); // accepts, never replies
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as import("node:net").AddressInfo).port;
    try {
      const s = rootSession(sts).assumeRole(role("Demo"), {
        stsClientConfig: { endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 },
        refresh: { maxWaitSeconds: 1 },
      });
      const started = performance.now();
      const error = await s.credentials().catch((e) => e);
      expect(error).toBeInstanceOf(AssumeRoleError);
      expect(error.code).toBe("TimeoutError");
      expect(error.retryable).toBe(true);
      expect(performance.now() - started).toBeLessThan(5000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});
