import { Clock, startStsLocal } from "@assume-role-lib/sts-local";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { describe, expect, it } from "vitest";
import { client, keysOf, rejection, role } from "./helpers.js";

describe("Clock", () => {
  it("follows real time by default and can be set, advanced, frozen and reset", () => {
    const clock = new Clock();
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(50);
    clock.set(new Date("2030-01-01T00:00:00Z"));
    expect(Math.abs(clock.now().getTime() - Date.UTC(2030, 0, 1))).toBeLessThan(50);
    clock.advance(3_600_000);
    expect(Math.abs(clock.now().getTime() - Date.UTC(2030, 0, 1, 1))).toBeLessThan(50);
    clock.freeze(Date.UTC(2031, 0, 1));
    clock.advance(1000);
    expect(clock.now().toISOString()).toBe("2031-01-01T00:00:01.000Z");
    clock.set(0);
    expect(clock.nowMs()).toBe(0);
    clock.useRealTime();
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(50);
  });

  it("can take its time from a custom source", () => {
    let t = 1000;
    const clock = new Clock(() => t);
    t = 5000;
    expect(clock.nowMs()).toBe(5000);
    clock.advance(10);
    expect(clock.nowMs()).toBe(5010);
  });
});

describe("server clock", () => {
  it("drives Expiration and expiry checks; signatures are not checked for skew", async () => {
    const sts = await startStsLocal({ now: () => new Date("2030-06-01T00:00:00Z") });
    try {
      const out = await client(sts).send(
        new AssumeRoleCommand({
          RoleArn: role("Demo"),
          RoleSessionName: "clock",
          DurationSeconds: 900,
        }),
      );
      expect(out.Credentials?.Expiration?.toISOString()).toBe("2030-06-01T00:15:00.000Z");
      const issued = client(sts, keysOf(out.Credentials));
      sts.clock.advance(899_000);
      await expect(issued.send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
      sts.clock.advance(1_000);
      expect((await rejection(issued.send(new GetCallerIdentityCommand({})))).name).toBe(
        "ExpiredToken",
      );
      sts.clock.advance(48 * 3_600_000); // root keys never expire, whatever the clock says
      await expect(client(sts).send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
      sts.clock.useRealTime();
      await expect(issued.send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
    } finally {
      await sts.close();
    }
  });
});

describe("issuedLifetimeSeconds", () => {
  it("issues credentials that expire after that many seconds, whatever DurationSeconds says", async () => {
    const short = await startStsLocal({ issuedLifetimeSeconds: 10 });
    try {
      short.clock.freeze(new Date("2030-06-01T00:00:00Z"));
      const out = await client(short).send(
        new AssumeRoleCommand({
          RoleArn: role("Demo"),
          RoleSessionName: "short",
          DurationSeconds: 3600,
        }),
      );
      expect(out.Credentials?.Expiration?.toISOString()).toBe("2030-06-01T00:00:10.000Z");
      const issued = client(short, keysOf(out.Credentials));
      short.clock.advance(9_000);
      await expect(issued.send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
      short.clock.advance(1_000);
      expect((await rejection(issued.send(new GetCallerIdentityCommand({})))).name).toBe(
        "ExpiredToken",
      );
      // DurationSeconds is still checked as STS checks it.
      const tooShort = await rejection(
        client(short).send(
          new AssumeRoleCommand({
            RoleArn: role("Demo"),
            RoleSessionName: "short",
            DurationSeconds: 899,
          }),
        ),
      );
      expect(tooShort.name).toBe("ValidationError");
    } finally {
      await short.close();
    }
  });

  it("must be a whole number of seconds, at least 1", async () => {
    await expect(startStsLocal({ issuedLifetimeSeconds: 0.5 })).rejects.toThrow(RangeError);
    await expect(startStsLocal({ issuedLifetimeSeconds: 0 })).rejects.toThrow(RangeError);
  });
});
