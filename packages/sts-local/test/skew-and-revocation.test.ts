import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { AssumeRoleCommand, GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, keysOf, rejection, role } from "./helpers.js";

const HOUR = 3_600_000;

describe("the Date header follows the server clock", () => {
  let sts: StsLocal;
  beforeAll(async () => {
    sts = await startStsLocal();
  });
  afterAll(() => sts.close());

  it("sends the server clock's time, so clients can measure their skew", async () => {
    sts.clock.set(Date.now() + 2 * HOUR);
    const response = await fetch(`${sts.endpoint}/?Action=GetCallerIdentity`);
    const date = Date.parse(response.headers.get("date") ?? "");
    expect(Math.abs(date - (Date.now() + 2 * HOUR))).toBeLessThan(2000);
    sts.clock.useRealTime();
  });

  it("can be left out (dateHeader: false)", async () => {
    const quiet = await startStsLocal({ dateHeader: false });
    try {
      const response = await fetch(`${quiet.endpoint}/?Action=GetCallerIdentity`);
      expect(response.headers.get("date")).toBeNull();
    } finally {
      await quiet.close();
    }
  });
});

describe("rejectSkewedSignatures", () => {
  it("refuses a request signed more than 15 minutes from the server clock, as STS does", async () => {
    const sts = await startStsLocal({ rejectSkewedSignatures: true });
    try {
      // Within 15 minutes: accepted.
      sts.clock.set(Date.now() + 10 * 60_000);
      await expect(client(sts).send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
      // Two hours off: "Signature expired", and the SDK learns the offset from the Date header.
      sts.clock.set(Date.now() + 2 * HOUR);
      const fresh = client(sts);
      const error = await rejection(fresh.send(new GetCallerIdentityCommand({})));
      expect(error.name).toBe("SignatureDoesNotMatch");
      expect(error.message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
      // With the offset learned, the same client's next request is signed in server time.
      await expect(fresh.send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
      sts.clock.set(Date.now() - 2 * HOUR);
      const behind = await rejection(client(sts).send(new GetCallerIdentityCommand({})));
      expect(behind.message).toMatch(/^Signature not yet current:/);
    } finally {
      await sts.close();
    }
  });
});

describe("revoke", () => {
  let sts: StsLocal;
  beforeAll(async () => {
    sts = await startStsLocal();
  });
  afterAll(() => sts.close());

  const assume = async () =>
    keysOf(
      (
        await client(sts).send(
          new AssumeRoleCommand({ RoleArn: role("Demo"), RoleSessionName: "revoke" }),
        )
      ).Credentials,
    );

  it("a revoked issued key gets InvalidClientTokenId; others keep working", async () => {
    const [a, b] = [await assume(), await assume()];
    expect(sts.revoke(a.accessKeyId)).toBe(1);
    const error = await rejection(client(sts, a).send(new GetCallerIdentityCommand({})));
    expect(error.name).toBe("InvalidClientTokenId");
    expect(error.$metadata?.httpStatusCode).toBe(403);
    await expect(client(sts, b).send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
    expect(sts.revoke(a.accessKeyId)).toBe(0); // already gone
  });

  it("with no argument revokes every issued key but never the root keys", async () => {
    const issued = await assume();
    expect(sts.revoke()).toBeGreaterThanOrEqual(1);
    expect(sts.revoke(sts.rootCredentials.accessKeyId)).toBe(0);
    const error = await rejection(client(sts, issued).send(new GetCallerIdentityCommand({})));
    expect(error.name).toBe("InvalidClientTokenId");
    await expect(client(sts).send(new GetCallerIdentityCommand({}))).resolves.toBeDefined();
  });
});
