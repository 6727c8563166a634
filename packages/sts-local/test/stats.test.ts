import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, keysOf, rejection, role } from "./helpers.js";

let sts: StsLocal;
beforeAll(async () => {
  sts = await startStsLocal({ requestLogSize: 5 });
});
afterAll(() => sts.close());

describe("stats", () => {
  it("counts calls and successes by action and role, keeps the last N requests", async () => {
    sts.stats.reset();
    const c = client(sts);
    await c.send(new AssumeRoleCommand({ RoleArn: role("RoleA"), RoleSessionName: "s1" }));
    await c.send(new AssumeRoleCommand({ RoleArn: role("RoleA"), RoleSessionName: "s2" }));
    await rejection(
      c.send(new AssumeRoleCommand({ RoleArn: role("Denied"), RoleSessionName: "s3" })),
    );
    await c.send(new GetCallerIdentityCommand({}));

    expect(sts.stats.calls()).toBe(4);
    expect(sts.stats.calls("AssumeRole")).toBe(3);
    expect(sts.stats.calls("AssumeRole", role("RoleA"))).toBe(2);
    expect(sts.stats.calls(undefined, role("Denied"))).toBe(1);
    expect(sts.stats.succeeded("AssumeRole")).toBe(2);
    expect(sts.stats.failed("AssumeRole", role("Denied"))).toBe(1);
    expect(sts.stats.calls("GetCallerIdentity")).toBe(1);

    const [first] = sts.stats.requests;
    expect(first).toMatchObject({
      action: "AssumeRole",
      params: { RoleArn: role("RoleA"), RoleSessionName: "s1" },
      accessKeyId: sts.rootCredentials.accessKeyId,
      status: 200,
    });
    expect(first?.at).toBeInstanceOf(Date);
    expect(sts.stats.requests[2]).toMatchObject({ status: 403, errorCode: "AccessDenied" });

    for (let i = 0; i < 5; i++) await c.send(new GetCallerIdentityCommand({}));
    expect(sts.stats.requests).toHaveLength(5);
    expect(sts.stats.calls()).toBe(9);

    sts.stats.reset();
    expect(sts.stats.calls()).toBe(0);
    expect(sts.stats.requests).toEqual([]);
  });

  it("never records a secret, session token, MFA code or web identity token", async () => {
    sts.stats.reset();
    const c = client(sts);
    const a = await c.send(
      new AssumeRoleCommand({
        RoleArn: role("MfaRole"),
        RoleSessionName: "mfa",
        SerialNumber: "arn:aws:iam::123456789012:mfa/u",
        TokenCode: "271828",
      }),
    );
    const keys = keysOf(a.Credentials);
    await client(sts, keys).send(new GetCallerIdentityCommand({}));
    await rejection(
      client(sts, { ...keys, sessionToken: "wrong-token" }).send(new GetCallerIdentityCommand({})),
    );
    const web = await new STSClient({
      region: sts.region,
      endpoint: sts.endpoint,
      maxAttempts: 1,
    }).send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: role("Demo"),
        RoleSessionName: "web",
        WebIdentityToken: "web-identity-token-value",
      }),
    );
    const recorded = JSON.stringify(sts.stats.requests);
    for (const secret of [
      sts.rootCredentials.secretAccessKey,
      keys.secretAccessKey,
      keys.sessionToken ?? "",
      keysOf(web.Credentials).secretAccessKey,
      "271828",
      "web-identity-token-value",
    ]) {
      expect(recorded).not.toContain(secret);
    }
    expect(recorded).toContain(keys.accessKeyId); // key ids are not secrets
  });
});
