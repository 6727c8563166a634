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

  it("a failed background refresh is reported, not thrown, and retried later", async () => {
    const { s, log } = child({ refresh: { jitterSeconds: 0, retrySeconds: 30 } });
    const first = await s.credentials();
    sts.clock.advance(46 * MIN);
    sts.faults.throttleNext(1);
    const failed = log.next("refresh-failed");
    expect(await s.credentials()).toBe(first);
    const event = await failed;
    expect(event).toMatchObject({ reason: "advisory", thrown: false });
    expect((event.error as AssumeRoleError).code).toBe("Throttling");
    // Within retrySeconds: no new attempt, still the current credentials.
    expect(await s.credentials()).toBe(first);
    expect(assumeRoleCalls()).toBe(2);
    sts.clock.advance(31_000);
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

describe("mandatory window: callers wait for the one refresh", () => {
  it("never serves credentials inside the mandatory window", async () => {
    const { s } = child();
    const first = await s.credentials();
    sts.clock.advance(51 * MIN); // 9 min left
    sts.faults.latency(50);
    const all = await Promise.all(Array.from({ length: 30 }, () => s.credentials()));
    for (const c of all) {
      expect(c.accessKeyId).not.toBe(first.accessKeyId);
      expect((c.expiration?.getTime() ?? 0) - sts.now()).toBeGreaterThan(10 * MIN);
    }
    expect(assumeRoleCalls()).toBe(2);
  });

  it("throws the refresh's error with the role ARN and STS code to every waiter", async () => {
    const { s, log } = child();
    await s.credentials();
    sts.clock.advance(55 * MIN);
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
    // The next caller tries again.
    expect((await s.credentials()).accessKeyId).toMatch(/^ASIA/);
  });

  it("never returns expired credentials, even when STS is failing", async () => {
    const { s } = child();
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
  it("900-second credentials are not refreshed on every call (windows scale to 225/150 s)", async () => {
    const { s, log } = child({ DurationSeconds: 900 });
    const first = await s.credentials();
    sts.clock.advance(600_000); // 300 s left: botocore would refresh on every call here
    for (let i = 0; i < 50; i++) expect(await s.credentials()).toBe(first);
    expect(assumeRoleCalls()).toBe(1);
    sts.clock.advance(100_000); // 200 s left: advisory
    const refreshed = log.next("refresh-succeeded");
    expect(await s.credentials()).toBe(first);
    expect((await refreshed).reason).toBe("advisory");
    expect(assumeRoleCalls()).toBe(2);
  });
});

describe("advisoryFraction", () => {
  it("with 1/2 and a 1200 s advisory window, 1-hour credentials are replaced 20 minutes ahead", async () => {
    const { s, log } = child({
      refresh: {
        advisorySeconds: 1200,
        mandatorySeconds: 300,
        jitterSeconds: 0,
        advisoryFraction: 0.5,
      },
    });
    const first = await s.credentials();
    sts.clock.advance(39 * MIN); // 21 min left: still fresh (the default would be fresh until 15)
    expect(await s.credentials()).toBe(first);
    expect(assumeRoleCalls()).toBe(1);
    sts.clock.advance(2 * MIN); // 19 min left: advisory
    const refreshed = log.next("refresh-succeeded");
    expect(await s.credentials()).toBe(first);
    expect((await refreshed).reason).toBe("advisory");
    expect(assumeRoleCalls()).toBe(2);
  });

  it("still scales down for short lifetimes: 900-second credentials get half their life", async () => {
    const { s, log } = child({
      DurationSeconds: 900,
      refresh: {
        advisorySeconds: 1200,
        mandatorySeconds: 300,
        jitterSeconds: 0,
        advisoryFraction: 0.5,
      },
    });
    const first = await s.credentials();
    sts.clock.advance(449_000); // 451 s left: fresh
    expect(await s.credentials()).toBe(first);
    sts.clock.advance(2_000); // 449 s left: advisory (450 = 900 / 2)
    const refreshed = log.next("refresh-succeeded");
    expect(await s.credentials()).toBe(first);
    expect((await refreshed).reason).toBe("advisory");
  });

  it("a fraction below the mandatory one leaves no advisory window, never an inverted one", async () => {
    const { s, log } = child({
      DurationSeconds: 900,
      refresh: { advisoryFraction: 0.01, jitterSeconds: 0 },
    });
    const first = await s.credentials();
    sts.clock.advance(749_000); // 151 s left: fresh (mandatory = 900 / 6 = 150)
    expect(await s.credentials()).toBe(first);
    sts.clock.advance(2_000); // 149 s left: mandatory, the caller waits
    const next = await s.credentials();
    expect(next.accessKeyId).not.toBe(first.accessKeyId);
    expect(log.of("refresh-succeeded").at(-1)?.reason).toBe("mandatory");
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
    const { s } = child();
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
  it("times out after 10 s (the SDK default is no timeout): a retryable AssumeRoleError", async () => {
    const { createServer } = await import("node:net");
    const sockets: import("node:net").Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket)); // accepts, never replies
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    const port = (silent.address() as import("node:net").AddressInfo).port;
    try {
      const s = rootSession(sts).assumeRole(role("Demo"), {
        stsClientConfig: { endpoint: `http://127.0.0.1:${port}`, maxAttempts: 1 },
      });
      const started = performance.now();
      const error = await s.credentials().catch((e) => e);
      expect(error).toBeInstanceOf(AssumeRoleError);
      expect(error.retryable).toBe(true);
      expect(performance.now() - started).toBeLessThan(30_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  }, 40_000);
});
