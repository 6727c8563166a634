import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { client, rejection, role } from "./helpers.js";

let sts: StsLocal;
beforeAll(async () => {
  sts = await startStsLocal();
});
afterAll(() => sts.close());
beforeEach(() => {
  sts.faults.clear();
  sts.stats.reset();
});

const whoAmI = () => client(sts).send(new GetCallerIdentityCommand({}));
const assume = () =>
  client(sts).send(new AssumeRoleCommand({ RoleArn: role("Demo"), RoleSessionName: "faults" }));

async function elapsed(call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await call();
  return performance.now() - start;
}

describe("faults", () => {
  it("latency delays answers by the configured amount", async () => {
    await whoAmI(); // warm up: connection, credentials, code paths
    const baseline = await elapsed(whoAmI);
    sts.faults.latency(300);
    const delayed = await elapsed(whoAmI);
    expect(delayed - baseline).toBeGreaterThanOrEqual(250);
    sts.faults.latencyMs = 0;
    expect(await elapsed(whoAmI)).toBeLessThan(delayed - 200);
  });

  it("latency can be limited to one action", async () => {
    sts.faults.latency(400, { action: "AssumeRole" });
    expect(await elapsed(whoAmI)).toBeLessThan(300);
    expect(await elapsed(assume)).toBeGreaterThanOrEqual(350);
  });

  it("throttleNext(n) throttles exactly the next n requests", async () => {
    sts.faults.throttleNext(2);
    for (const call of [whoAmI, assume]) {
      const error = await rejection(call());
      expect(error.name).toBe("Throttling");
      expect(error.message).toBe("Rate exceeded");
      expect(error.$metadata?.httpStatusCode).toBe(400);
    }
    await expect(whoAmI()).resolves.toBeDefined();
    expect(sts.stats.calls()).toBe(3);
    expect(sts.stats.succeeded()).toBe(1);
    expect(sts.stats.requests.map((r) => r.errorCode)).toEqual([
      "Throttling",
      "Throttling",
      undefined,
    ]);
  });

  it("throttleNext can target one action", async () => {
    sts.faults.throttleNext(1, { action: "AssumeRole" });
    await expect(whoAmI()).resolves.toBeDefined();
    expect((await rejection(assume())).name).toBe("Throttling");
    await expect(assume()).resolves.toBeDefined();
  });

  it("the SDK's own retries get through after throttling", async () => {
    sts.faults.serverErrorNext(2, 503);
    const out = await client(sts, sts.rootCredentials, 3).send(new GetCallerIdentityCommand({}));
    expect(out.$metadata.attempts).toBe(3);
    expect(sts.stats.calls("GetCallerIdentity")).toBe(3);
  });

  it("serverErrorNext answers 500 InternalFailure or 503 ServiceUnavailable", async () => {
    sts.faults.serverErrorNext(1).serverErrorNext(1, 503);
    const internal = await rejection(whoAmI());
    expect(internal.name).toBe("InternalFailure");
    expect(internal.$metadata?.httpStatusCode).toBe(500);
    expect(internal.$fault).toBe("server");
    const unavailable = await rejection(assume());
    expect(unavailable.name).toBe("ServiceUnavailable");
    expect(unavailable.$metadata?.httpStatusCode).toBe(503);
    await expect(whoAmI()).resolves.toBeDefined();
  });

  it("dropNext destroys the connection: the SDK sees a network error", async () => {
    sts.faults.dropNext(1);
    const error = await rejection(whoAmI());
    expect(error.$metadata?.httpStatusCode).toBeUndefined();
    expect(`${error.code ?? ""} ${error.message}`).toMatch(/ECONNRESET|socket hang up|EPIPE/);
    await expect(whoAmI()).resolves.toBeDefined();
    expect(sts.stats.requests.map((r) => r.status)).toEqual([0, 200]);
  });

  it("throttleFraction throttles about that share, deterministically with a seed", async () => {
    const pattern = async () => {
      sts.faults.clear().throttleFraction(0.5, { seed: 7 });
      const outcomes: boolean[] = [];
      for (let i = 0; i < 30; i++) {
        outcomes.push(
          await whoAmI().then(
            () => true,
            () => false,
          ),
        );
      }
      return outcomes;
    };
    const first = await pattern();
    const throttled = first.filter((ok) => !ok).length;
    expect(throttled).toBeGreaterThan(5);
    expect(throttled).toBeLessThan(25);
    expect(await pattern()).toEqual(first);

    sts.faults.clear().throttleFraction(1);
    expect((await rejection(whoAmI())).name).toBe("Throttling");
    sts.faults.clear().throttleFraction(0);
    await expect(whoAmI()).resolves.toBeDefined();
  });

  it("clear() removes every fault", async () => {
    sts.faults.throttleNext(5).dropNext(5).serverErrorNext(5).latency(1000).throttleFraction(1);
    sts.faults.clear();
    expect(await elapsed(whoAmI)).toBeLessThan(500);
  });
});
