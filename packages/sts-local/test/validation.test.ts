import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { AssumeRoleCommand, type AssumeRoleCommandInput } from "@aws-sdk/client-sts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { client, rejection, role } from "./helpers.js";

let sts: StsLocal;
beforeAll(async () => {
  sts = await startStsLocal();
});
afterAll(() => sts.close());

const base = { RoleArn: role("Demo"), RoleSessionName: "valid-session" };
const tags = (n: number) => Array.from({ length: n }, (_, i) => ({ Key: `k${i}`, Value: "v" }));
const arns = (n: number) =>
  Array.from({ length: n }, (_, i) => ({ arn: `arn:aws:iam::aws:policy/P${i}xxxx` }));

async function validationMessage(input: Partial<AssumeRoleCommandInput>): Promise<string> {
  const error = await rejection(
    client(sts).send(new AssumeRoleCommand({ ...base, ...input } as AssumeRoleCommandInput)),
  );
  expect(error.name).toBe("ValidationError");
  expect(error.$metadata?.httpStatusCode).toBe(400);
  return error.message;
}

describe("AssumeRole parameter constraints", () => {
  it("reports a bad RoleSessionName in STS's words", async () => {
    expect(await validationMessage({ RoleSessionName: "bad name!" })).toBe(
      "1 validation error detected: Value 'bad name!' at 'roleSessionName' failed to satisfy constraint: " +
        "Member must satisfy regular expression pattern: [\\w+=,.@-]*",
    );
  });

  it("counts several violations", async () => {
    expect(await validationMessage({ RoleSessionName: "x", DurationSeconds: 899 })).toBe(
      "2 validation errors detected: " +
        "Value 'x' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2; " +
        "Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
    );
  });

  it.each<[string, Partial<AssumeRoleCommandInput>, RegExp]>([
    [
      "RoleArn too short",
      { RoleArn: "arn:aws:iam::1:r/x" },
      /'roleArn'.*greater than or equal to 20/,
    ],
    [
      "RoleSessionName too long",
      { RoleSessionName: "s".repeat(65) },
      /'roleSessionName'.*less than or equal to 64/,
    ],
    [
      "DurationSeconds above 43200",
      { DurationSeconds: 43201 },
      /'durationSeconds'.*less than or equal to 43200/,
    ],
    ["ExternalId pattern", { ExternalId: "no spaces" }, /'externalId'.*pattern/],
    ["ExternalId too short", { ExternalId: "x" }, /'externalId'.*greater than or equal to 2/],
    ["SerialNumber too short", { SerialNumber: "short", TokenCode: "123456" }, /'serialNumber'/],
    [
      "TokenCode not 6 digits",
      { SerialNumber: "arn:aws:iam::123456789012:mfa/u", TokenCode: "12345" },
      /'tokenCode'/,
    ],
    ["51 tags", { Tags: tags(51) }, /'tags'.*less than or equal to 50/],
    ["tag key too long", { Tags: [{ Key: "k".repeat(129), Value: "v" }] }, /'tags.1.member.key'/],
    [
      "tag value too long",
      { Tags: [{ Key: "k", Value: "v".repeat(257) }] },
      /'tags.1.member.value'/,
    ],
    [
      "transitive key not a tag",
      { Tags: tags(1), TransitiveTagKeys: ["other"] },
      /transitive tag key/,
    ],
    ["11 policy ARNs", { PolicyArns: arns(11) }, /'policyArns'.*less than or equal to 10/],
    ["policy ARN too short", { PolicyArns: [{ arn: "arn:short" }] }, /'policyArns.1.member.arn'/],
    ["SourceIdentity pattern", { SourceIdentity: "a b" }, /'sourceIdentity'.*pattern/],
    [
      "6 provided contexts",
      {
        ProvidedContexts: Array.from({ length: 6 }, () => ({
          ProviderArn: "arn:aws:iam::aws:contextProvider/IdentityCenter",
          ContextAssertion: "assertion",
        })),
      },
      /'providedContexts'.*less than or equal to 5/,
    ],
    [
      "Policy over 2048 characters",
      { Policy: JSON.stringify({ Statement: [], Sid: "x".repeat(2100) }) },
      /'policy'.*2048/,
    ],
  ])("%s", async (_name, input, pattern) => {
    expect(await validationMessage(input)).toMatch(pattern);
  });

  it("never echoes the MFA code", async () => {
    const message = await validationMessage({
      SerialNumber: "arn:aws:iam::123456789012:mfa/u",
      TokenCode: "98765x",
    });
    expect(message).not.toContain("98765x");
  });

  it("counts the Policy limit without whitespace", async () => {
    const policy = `{
${" ".repeat(2100)}"Version": "2012-10-17",
  "Statement": []
}`;
    expect(policy.length).toBeGreaterThan(2048);
    const out = await client(sts).send(new AssumeRoleCommand({ ...base, Policy: policy }));
    expect(out.PackedPolicySize).toBeGreaterThan(0);
  });
});
