import {
  AssumeRoleError,
  type AssumeRoleOptions,
  AssumeRoleValidationError,
  assumeRole,
} from "@assume-role-lib/core";
import { beforeAll, describe, expect, it } from "vitest";
import { type FrozenSts, role, rootSession, useFrozenSts } from "./helpers.js";

const getSts = useFrozenSts();
let sts: FrozenSts;
beforeAll(() => {
  sts = getSts();
});

const arn = role("Demo");
const tooMany = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));

// Each case: options, and the field the error must name. Nothing reaches the network.
const invalid: Array<[string, AssumeRoleOptions & Record<string, unknown>, string, string?]> = [
  ["RoleSessionName too short", { RoleSessionName: "a" }, "RoleSessionName"],
  ["RoleSessionName too long", { RoleSessionName: "x".repeat(65) }, "RoleSessionName"],
  ["RoleSessionName bad chars", { RoleSessionName: "has space" }, "RoleSessionName"],
  ["DurationSeconds below 900", { DurationSeconds: 5 }, "DurationSeconds"],
  ["DurationSeconds above 43200", { DurationSeconds: 43201 }, "DurationSeconds"],
  ["DurationSeconds not an integer", { DurationSeconds: 1000.5 }, "DurationSeconds"],
  [
    "DurationSeconds as a too-short duration",
    { DurationSeconds: { minutes: 5 } },
    "DurationSeconds",
  ],
  ["PolicyArns as a string", { PolicyArns: "arn:aws:iam::aws:policy/X" as never }, "PolicyArns"],
  [
    "PolicyArns more than 10",
    { PolicyArns: tooMany(11, (i) => `arn:aws:iam::aws:policy/P${i}`) as string[] },
    "PolicyArns",
  ],
  ["PolicyArns arn too short", { PolicyArns: ["arn:short"] }, "PolicyArns.0"],
  ["Policy too long", { Policy: { Statement: "x".repeat(2100) } }, "Policy"],
  ["Policy empty", { Policy: "" }, "Policy"],
  ["Policy text (not JSON) with characters STS refuses", { Policy: "not json: 日本" }, "Policy"],
  [
    "Tags more than 50",
    { Tags: tooMany(51, (i) => ({ Key: `k${i}`, Value: "v" })) as never },
    "Tags",
  ],
  ["Tag key too long", { Tags: [{ Key: "k".repeat(129), Value: "v" }] }, "Tags.0.Key"],
  ["Tag value too long", { Tags: { team: "v".repeat(257) } }, "Tags.0.Value"],
  ["Tag key bad chars", { Tags: [{ Key: "bad*key", Value: "v" }] }, "Tags.0.Key"],
  [
    "TransitiveTagKeys not among Tags",
    { Tags: { a: "1" }, TransitiveTagKeys: ["b"] },
    "TransitiveTagKeys",
  ],
  ["ExternalId too short", { ExternalId: "x" }, "ExternalId"],
  ["ExternalId bad chars", { ExternalId: "has space" }, "ExternalId"],
  ["SerialNumber too short", { SerialNumber: "arn:x", TokenCode: "123456" }, "SerialNumber"],
  [
    "TokenCode not 6 digits",
    { SerialNumber: "arn:aws:iam::123456789012:mfa/me", TokenCode: "12345" },
    "TokenCode",
  ],
  ["TokenCode without SerialNumber", { TokenCode: "123456" }, "SerialNumber"],
  ["SourceIdentity too short", { SourceIdentity: "a" }, "SourceIdentity"],
  [
    "ProvidedContexts more than 5",
    {
      ProvidedContexts: tooMany(6, () => ({
        ProviderArn: "arn:aws:iam::aws:contextProvider/IdentityCenter",
        ContextAssertion: "abcd",
      })) as never,
    },
    "ProvidedContexts",
  ],
  [
    "Tag keys repeated case-insensitively",
    {
      Tags: [
        { Key: "Team", Value: "a" },
        { Key: "team", Value: "b" },
      ],
    },
    "Tags.1.Key",
  ],
  ["unknown option", { DurationSecs: 900 }, "DurationSecs"],
  ["region not a region name", { region: "Not A Region" }, "region"],
  ["refresh window NaN", { refresh: { advisorySeconds: Number.NaN } }, "refresh.advisorySeconds"],
  [
    "mandatory window negative",
    { refresh: { advisorySeconds: 0, mandatorySeconds: -60 } },
    "refresh.mandatorySeconds",
  ],
  [
    "mandatory after advisory",
    { refresh: { advisorySeconds: 300, mandatorySeconds: 600 } },
    "refresh.mandatorySeconds",
  ],
  ["a removed refresh option", { refresh: { retrySeconds: 10 } as never }, "refresh.retrySeconds"],
  ["backoff not a range", { refresh: { backoffSeconds: [600, 300] } }, "refresh.backoffSeconds"],
  [
    "cold backoff of zero",
    { refresh: { coldBackoffSeconds: [0, 30] } },
    "refresh.coldBackoffSeconds",
  ],
  ["maxWaitSeconds zero", { refresh: { maxWaitSeconds: 0 } }, "refresh.maxWaitSeconds"],
  [
    "shareFailures not a boolean",
    { refresh: { shareFailures: "yes" as never } },
    "refresh.shareFailures",
  ],
  ["cacheTimeoutMs zero", { cacheTimeoutMs: 0 }, "cacheTimeoutMs"],
  ["lock wait NaN", { lock: { waitMs: Number.NaN } }, "lock.waitMs"],
  ["additionalParams not an object", { additionalParams: "x" as never }, "additionalParams"],
  // The gaps a hostile or careless caller found (issue 12): each reached STS or threw a TypeError.
  ["Tags as a Set", { Tags: new Set(["a"]) as never }, "Tags"],
  ["Tags as a Date", { Tags: new Date() as never }, "Tags"],
  [
    "a known parameter through additionalParams: DurationSeconds 5",
    { additionalParams: { DurationSeconds: 5 } },
    "additionalParams.DurationSeconds",
  ],
  [
    "a known parameter through additionalParams: 60 tags",
    { additionalParams: { Tags: tooMany(60, (i) => ({ Key: `k${i}`, Value: "v" })) } },
    "additionalParams.Tags",
  ],
  ["clock not a function", { clock: 5 as never }, "clock"],
  ["clock returning NaN", { clock: () => Number.NaN }, "clock"],
  ["lock ttlMs beyond a timer's range", { lock: { ttlMs: 1e10 } }, "lock.ttlMs"],
  ["lock not an object", { lock: 5 as never }, "lock"],
  ["cache a number", { cache: 5 as never }, "cache"],
  ["cache an empty object", { cache: {} as never }, "cache"],
  ["cache a string", { cache: "/tmp/cache" as never }, "cache"],
  ["stsClientConfig a string", { stsClientConfig: "http://localhost" as never }, "stsClientConfig"],
  ["TransitiveTagKeys without Tags", { TransitiveTagKeys: ["team"] }, "TransitiveTagKeys"],
  ["parentBinding unknown", { parentBinding: "loose" as never }, "parentBinding"],
];

describe("validation: a typed error naming the field, before any network call", () => {
  it.each(invalid)("%s", (_name, options, field) => {
    let error: unknown;
    try {
      assumeRole(rootSession(sts), arn, options);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AssumeRoleValidationError);
    const v = error as AssumeRoleValidationError;
    expect(v.fields).toContain(field);
    expect(v.message).toContain(field);
    expect(v.roleArn).toBe(arn);
    expect(sts.stats.calls()).toBe(0);
  });

  it.each([
    ["null", null],
    ["an object without a secret", { accessKeyId: "AKIDEXAMPLE" }],
    ["empty keys", { accessKeyId: "", secretAccessKey: "" }],
  ])("a parent that is %s is a validation error on `parent`", (_name, parent) => {
    try {
      assumeRole(parent as never, arn);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(AssumeRoleValidationError);
      expect((e as AssumeRoleValidationError).fields).toEqual(["parent"]);
    }
  });

  it("names every bad field at once", () => {
    try {
      assumeRole(rootSession(sts), "not-an-arn", { DurationSeconds: 1, RoleSessionName: "!" });
      expect.unreachable();
    } catch (e) {
      expect((e as AssumeRoleValidationError).fields).toEqual([
        "RoleArn",
        "RoleSessionName",
        "DurationSeconds",
      ]);
    }
  });

  it("does not echo parameter values (a TokenCode is sensitive)", () => {
    try {
      assumeRole(rootSession(sts), arn, {
        SerialNumber: "arn:aws:iam::123456789012:mfa/me",
        TokenCode: "98765x",
      });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).not.toContain("98765x");
    }
  });

  it("accepts every parameter in every documented shape", async () => {
    const child = assumeRole(rootSession(sts), role("Long"), {
      RoleSessionName: "all-params",
      PolicyArns: [
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
        { arn: "arn:aws:iam::aws:policy/Other1" },
      ],
      Policy: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
      },
      DurationSeconds: { hours: 2 },
      Tags: { team: "core", env: "test" },
      TransitiveTagKeys: ["team"],
      SourceIdentity: "alice",
      additionalParams: { RoleSessionName: "loses-to-named", DurationSeconds: 999 },
    });
    expect(child.assumeRoleRequest).toMatchObject({
      RoleSessionName: "all-params",
      DurationSeconds: 7200,
      PolicyArns: [
        { arn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
        { arn: "arn:aws:iam::aws:policy/Other1" },
      ],
      Tags: [
        { Key: "team", Value: "core" },
        { Key: "env", Value: "test" },
      ],
    });
    expect(typeof child.assumeRoleRequest?.Policy).toBe("string");
    const creds = await child.credentials();
    // sts-local issues whole-second expirations.
    expect(Math.abs((creds.expiration?.getTime() ?? 0) - (sts.now() + 7200_000))).toBeLessThan(
      1000,
    );
    const sent = sts.stats.requests.find((r) => r.action === "AssumeRole")?.params ?? {};
    expect(sent.RoleSessionName).toBe("all-params");
    expect(sent.DurationSeconds).toBe("7200");
    expect(sent["Tags.member.1.Key"]).toBe("team");
  });

  it("additionalParams passes new parameters through; RoleArn always wins", () => {
    const child = assumeRole(rootSession(sts), arn, {
      additionalParams: { RoleArn: role("Other"), FutureParam: "x1" },
    });
    expect(child.assumeRoleRequest).toMatchObject({ RoleArn: arn, FutureParam: "x1" });
  });

  it("validate: false skips the schema; STS is the judge", async () => {
    const child = assumeRole(rootSession(sts), arn, { DurationSeconds: 5, validate: false });
    const error = await child.credentials().catch((e) => e);
    expect(error).toBeInstanceOf(AssumeRoleError);
    expect(error.code).toBe("ValidationError");
    expect(error.roleArn).toBe(arn);
    expect(sts.stats.calls("AssumeRole")).toBe(1);
  });
});

describe("role chaining: DurationSeconds above one hour", () => {
  const long = role("Long"); // maxSessionDuration 12 h

  it("is a typed error naming DurationSeconds, before any network call", () => {
    const parent = rootSession(sts).assumeRole(role("RoleA"));
    let error: unknown;
    try {
      parent.assumeRole(long, { DurationSeconds: { hours: 2 } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AssumeRoleValidationError);
    expect((error as AssumeRoleValidationError).fields).toEqual(["DurationSeconds"]);
    expect((error as Error).message).toMatch(/at most 3600 .*role chaining/);
    expect(sts.stats.calls()).toBe(0);
    // One hour is fine; so are two hours from a root session.
    expect(() => parent.assumeRole(long, { DurationSeconds: 3600 })).not.toThrow();
    expect(() => rootSession(sts).assumeRole(long, { DurationSeconds: 7200 })).not.toThrow();
  });

  it("validate: false leaves it to STS, which refuses it", async () => {
    const parent = rootSession(sts).assumeRole(role("RoleA"));
    const child = parent.assumeRole(long, {
      DurationSeconds: 7200,
      validate: false,
      refresh: { maxWaitSeconds: 0.2 },
    });
    const error = await child.credentials().catch((e) => e);
    expect(error).toBeInstanceOf(AssumeRoleError);
    expect(error.code).toBe("ValidationError");
    expect(error.detail).toMatch(/role chaining/);
  });
});
