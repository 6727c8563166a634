import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import {
  AssumeRoleCommand,
  AssumeRoleWithWebIdentityCommand,
  GetCallerIdentityCommand,
  STSClient,
} from "@aws-sdk/client-sts";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { client, keysOf, rejection, role } from "./helpers.js";

let sts: StsLocal;
beforeAll(async () => {
  sts = await startStsLocal();
});
afterAll(() => sts.close());
beforeEach(() => {
  sts.clock.useRealTime();
  sts.stats.reset();
  sts.faults.clear();
});

describe("AssumeRole", () => {
  it("issues credentials with an Expiration from the server clock", async () => {
    sts.clock.freeze(Date.UTC(2030, 0, 1, 0, 0, 0));
    const out = await client(sts).send(
      new AssumeRoleCommand({
        RoleArn: role("Demo"),
        RoleSessionName: "test-session",
        DurationSeconds: 1800,
      }),
    );
    expect(out.Credentials?.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(out.Credentials?.SecretAccessKey).toHaveLength(40);
    expect(out.Credentials?.SessionToken?.length).toBeGreaterThan(100);
    expect(out.Credentials?.Expiration?.toISOString()).toBe("2030-01-01T00:30:00.000Z");
    expect(out.AssumedRoleUser?.Arn).toBe(
      "arn:aws:sts::123456789012:assumed-role/Demo/test-session",
    );
    expect(out.AssumedRoleUser?.AssumedRoleId).toMatch(/^AROA[A-Z0-9]{17}:test-session$/);
    expect(out.PackedPolicySize).toBeUndefined();
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(out.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("defaults DurationSeconds to 3600 and generates fresh keys each time", async () => {
    sts.clock.freeze(Date.UTC(2030, 0, 1, 12, 0, 0, 750));
    const c = client(sts);
    const a = await c.send(new AssumeRoleCommand({ RoleArn: role("Demo"), RoleSessionName: "s1" }));
    const b = await c.send(new AssumeRoleCommand({ RoleArn: role("Demo"), RoleSessionName: "s1" }));
    expect(a.Credentials?.Expiration?.toISOString()).toBe("2030-01-01T13:00:00.000Z");
    expect(a.Credentials?.AccessKeyId).not.toBe(b.Credentials?.AccessKeyId);
  });

  it("returns PackedPolicySize for a session policy and tags", async () => {
    const out = await client(sts).send(
      new AssumeRoleCommand({
        RoleArn: role("Demo"),
        RoleSessionName: "with-policy",
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
        }),
        Tags: [{ Key: "team", Value: "platform" }],
        TransitiveTagKeys: ["team"],
      }),
    );
    expect(out.PackedPolicySize).toBeGreaterThan(0);
    expect(out.PackedPolicySize).toBeLessThanOrEqual(100);
  });

  it("allows up to the role's MaxSessionDuration and no more", async () => {
    const c = client(sts);
    const long = await c.send(
      new AssumeRoleCommand({
        RoleArn: role("Long"),
        RoleSessionName: "long",
        DurationSeconds: 43200,
      }),
    );
    expect(long.Credentials?.Expiration).toBeDefined();
    const error = await rejection(
      c.send(
        new AssumeRoleCommand({
          RoleArn: role("Demo"),
          RoleSessionName: "sd",
          DurationSeconds: 7200,
        }),
      ),
    );
    expect(error.name).toBe("ValidationError");
    expect(error.message).toBe(
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
  });

  it("rejects unknown roles and roles that trust nobody with AccessDenied", async () => {
    const unknown = await rejection(
      client(sts).send(new AssumeRoleCommand({ RoleArn: role("Nope"), RoleSessionName: "s1" })),
    );
    expect(unknown.name).toBe("AccessDenied");
    expect(unknown.$metadata?.httpStatusCode).toBe(403);
    expect(unknown.message).toBe(
      `User: arn:aws:iam::123456789012:user/sts-local is not authorized to perform: sts:AssumeRole on resource: ${role("Nope")}`,
    );
    const denied = await rejection(
      client(sts).send(new AssumeRoleCommand({ RoleArn: role("Denied"), RoleSessionName: "s1" })),
    );
    expect(denied.name).toBe("AccessDenied");
  });

  it("requires the configured ExternalId", async () => {
    const c = client(sts);
    const send = (ExternalId?: string) =>
      c.send(
        new AssumeRoleCommand({
          RoleArn: role("ExternalIdRole"),
          RoleSessionName: "sx",
          ExternalId,
        }),
      );
    expect((await rejection(send())).name).toBe("AccessDenied");
    expect((await rejection(send("wrong-id"))).name).toBe("AccessDenied");
    expect((await send("sts-local-external-id")).Credentials).toBeDefined();
  });

  it("requires MFA where configured, with a configurable valid code", async () => {
    const c = client(sts);
    const SerialNumber = "arn:aws:iam::123456789012:mfa/user";
    const send = (RoleArn: string, TokenCode?: string) =>
      c.send(
        new AssumeRoleCommand({
          RoleArn,
          RoleSessionName: "mfa",
          ...(TokenCode ? { SerialNumber, TokenCode } : {}),
        }),
      );
    expect((await rejection(send(role("MfaRole")))).name).toBe("AccessDenied");
    expect((await send(role("MfaRole"), "123456")).Credentials).toBeDefined();

    sts.addRole({ arn: role("StrictMfa"), requireMfa: true, validTokenCode: "424242" });
    const wrong = await rejection(send(role("StrictMfa"), "123456"));
    expect(wrong.name).toBe("AccessDenied");
    expect(wrong.message).toMatch(/MultiFactorAuthentication failed/);
    expect((await send(role("StrictMfa"), "424242")).Credentials).toBeDefined();
  });

  it("honours trustedPrincipals (role ARNs and account ids)", async () => {
    sts.addRole({ arn: role("OnlyFromRoleA"), trustedPrincipals: [role("RoleA")] });
    sts.addRole({ arn: role("OtherAccount"), trustedPrincipals: ["999999999999"] });
    const root = client(sts);
    expect(
      (
        await rejection(
          root.send(
            new AssumeRoleCommand({ RoleArn: role("OnlyFromRoleA"), RoleSessionName: "sr" }),
          ),
        )
      ).name,
    ).toBe("AccessDenied");
    expect(
      (
        await rejection(
          root.send(
            new AssumeRoleCommand({ RoleArn: role("OtherAccount"), RoleSessionName: "sr" }),
          ),
        )
      ).name,
    ).toBe("AccessDenied");
    const a = await root.send(
      new AssumeRoleCommand({ RoleArn: role("RoleA"), RoleSessionName: "sa" }),
    );
    const fromA = await client(sts, keysOf(a.Credentials)).send(
      new AssumeRoleCommand({ RoleArn: role("OnlyFromRoleA"), RoleSessionName: "sb" }),
    );
    expect(fromA.AssumedRoleUser?.Arn).toContain("assumed-role/OnlyFromRoleA/sb");
  });
});

describe("role chaining", () => {
  it("chains three deep: child of child of child", async () => {
    const a = await client(sts).send(
      new AssumeRoleCommand({ RoleArn: role("RoleA"), RoleSessionName: "sa" }),
    );
    const b = await client(sts, keysOf(a.Credentials)).send(
      new AssumeRoleCommand({ RoleArn: role("RoleB"), RoleSessionName: "sb" }),
    );
    const c = await client(sts, keysOf(b.Credentials)).send(
      new AssumeRoleCommand({ RoleArn: role("RoleC"), RoleSessionName: "sc" }),
    );
    const who = await client(sts, keysOf(c.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe("arn:aws:sts::123456789012:assumed-role/RoleC/sc");
    expect(who.UserId).toBe(c.AssumedRoleUser?.AssumedRoleId);
    expect(sts.stats.succeeded("AssumeRole")).toBe(3);
    expect(sts.stats.requests.map((r) => r.accessKeyId)).toEqual([
      sts.rootCredentials.accessKeyId,
      a.Credentials?.AccessKeyId,
      b.Credentials?.AccessKeyId,
      c.Credentials?.AccessKeyId,
    ]);
  });

  it("limits chained sessions to one hour", async () => {
    const a = await client(sts).send(
      new AssumeRoleCommand({ RoleArn: role("RoleA"), RoleSessionName: "sa" }),
    );
    const chained = client(sts, keysOf(a.Credentials));
    const error = await rejection(
      chained.send(
        new AssumeRoleCommand({
          RoleArn: role("Long"),
          RoleSessionName: "sl",
          DurationSeconds: 3601,
        }),
      ),
    );
    expect(error.name).toBe("ValidationError");
    expect(error.$metadata?.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
    );
    const ok = await chained.send(
      new AssumeRoleCommand({
        RoleArn: role("Long"),
        RoleSessionName: "sl",
        DurationSeconds: 3600,
      }),
    );
    expect(ok.Credentials).toBeDefined();
  });

  it("keeps the source identity through the chain", async () => {
    const a = await client(sts).send(
      new AssumeRoleCommand({
        RoleArn: role("RoleA"),
        RoleSessionName: "sa",
        SourceIdentity: "alice",
      }),
    );
    expect(a.SourceIdentity).toBe("alice");
    const b = await client(sts, keysOf(a.Credentials)).send(
      new AssumeRoleCommand({ RoleArn: role("RoleB"), RoleSessionName: "sb" }),
    );
    expect(b.SourceIdentity).toBe("alice");
    const changed = await rejection(
      client(sts, keysOf(a.Credentials)).send(
        new AssumeRoleCommand({
          RoleArn: role("RoleB"),
          RoleSessionName: "sb",
          SourceIdentity: "mallory",
        }),
      ),
    );
    expect(changed.name).toBe("AccessDenied");
  });
});

describe("GetCallerIdentity", () => {
  it("returns the root principal for root keys", async () => {
    const who = await client(sts).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe("arn:aws:iam::123456789012:user/sts-local");
    expect(who.Account).toBe("123456789012");
    expect(who.UserId).toMatch(/^AIDA[A-Z0-9]{17}$/);
  });

  it("returns the assumed-role session for issued keys", async () => {
    const a = await client(sts).send(
      new AssumeRoleCommand({ RoleArn: role("Demo"), RoleSessionName: "who" }),
    );
    const who = await client(sts, keysOf(a.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(who).toMatchObject({
      Arn: "arn:aws:sts::123456789012:assumed-role/Demo/who",
      Account: "123456789012",
      UserId: a.AssumedRoleUser?.AssumedRoleId,
    });
  });
});

describe("AssumeRoleWithWebIdentity", () => {
  const jwt = (claims: object) =>
    ["e30", Buffer.from(JSON.stringify(claims)).toString("base64url"), "c2ln"].join(".");
  // No credentials at all: the SDK sends this action unsigned.
  const anonymous = () =>
    new STSClient({ region: sts.region, endpoint: sts.endpoint, maxAttempts: 1 });

  it("accepts any token and echoes the JWT claims", async () => {
    const out = await anonymous().send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: role("Demo"),
        RoleSessionName: "web",
        WebIdentityToken: jwt({ sub: "user-1", aud: "my-app", iss: "https://idp.example" }),
      }),
    );
    expect(out.SubjectFromWebIdentityToken).toBe("user-1");
    expect(out.Audience).toBe("my-app");
    expect(out.Provider).toBe("https://idp.example");
    expect(out.AssumedRoleUser?.Arn).toBe("arn:aws:sts::123456789012:assumed-role/Demo/web");
    const who = await client(sts, keysOf(out.Credentials)).send(new GetCallerIdentityCommand({}));
    expect(who.Arn).toBe("arn:aws:sts::123456789012:assumed-role/Demo/web");
    expect(sts.stats.requests[0]?.accessKeyId).toBeUndefined();
  });

  it("rejects an expired JWT and roles that do not allow web identity", async () => {
    sts.clock.freeze(Date.UTC(2030, 0, 1));
    const expired = await rejection(
      anonymous().send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: role("Demo"),
          RoleSessionName: "web",
          WebIdentityToken: jwt({ sub: "u", exp: Date.UTC(2029, 0, 1) / 1000 }),
        }),
      ),
    );
    expect(expired.name).toBe("ExpiredTokenException");
    expect(expired.$metadata?.httpStatusCode).toBe(400);
    const denied = await rejection(
      anonymous().send(
        new AssumeRoleWithWebIdentityCommand({
          RoleArn: role("Denied"),
          RoleSessionName: "web",
          WebIdentityToken: "opaque-token",
        }),
      ),
    );
    expect(denied.name).toBe("AccessDenied");
  });
});
