import {
  AssumeRoleError,
  AssumeRoleValidationError,
  assumeRole,
  cacheKey,
} from "@assume-role-lib/core";
import { beforeAll, describe, expect, it } from "vitest";
import { type FrozenSts, role, rootSession, useFrozenSts } from "./helpers.js";

/**
 * The Policy sent to STS: objects written as Python's json.dumps writes them (non-ASCII as
 * \uXXXX, which STS accepts), JSON strings with what STS refuses escaped, and a typed error
 * for anything that cannot be written. Against sts-local over HTTP.
 */

const getSts = useFrozenSts();
let sts: FrozenSts;
beforeAll(() => {
  sts = getSts();
});

const arn = role("Demo");
const policyObject = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: "*",
      Condition: { StringEquals: { "aws:PrincipalTag/team": "開発" } },
    },
  ],
};
// python3: json.dumps(policy, separators=(",", ":")) and botocore's key for json.dumps(policy).
const PYTHON_TEXT =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"\\u958b\\u767a"}}}]}';
const PYTHON_KEY = "e94553502b16a7e4371b6b7c5b70f610d3367b5d";

const sentPolicy = () =>
  sts.stats.requests.find((r) => r.action === "AssumeRole")?.params.Policy as string | undefined;

describe("Policy objects with non-Latin text, as Python's json.dumps writes them", () => {
  it("is accepted, sent as \\uXXXX escapes, and STS accepts it", async () => {
    const child = assumeRole(rootSession(sts), arn, { Policy: policyObject });
    expect(child.assumeRoleRequest?.Policy).toBe(PYTHON_TEXT);
    expect(child.cacheKey).toBe(PYTHON_KEY);
    expect(cacheKey({ RoleArn: arn, Policy: policyObject })).toBe(PYTHON_KEY);
    await child.credentials();
    expect(sentPolicy()).toBe(PYTHON_TEXT);
  });

  it("a JSON string with raw non-Latin text is sent escaped: the same document and key", async () => {
    const raw = JSON.stringify(policyObject);
    expect(raw).toContain("開発");
    const child = assumeRole(rootSession(sts), arn, { Policy: raw });
    expect(child.assumeRoleRequest?.Policy).toBe(PYTHON_TEXT);
    expect(child.cacheKey).toBe(PYTHON_KEY);
    expect(cacheKey({ RoleArn: arn, Policy: raw })).toBe(PYTHON_KEY);
    await child.credentials();
    expect(sentPolicy()).toBe(PYTHON_TEXT);
  });

  it("a JSON string keeps what STS accepts as it is (Latin-1, whitespace, its own escapes)", () => {
    const text = '{\n\t"Version": "2012-10-17", "Statement": [], "Sid": "café \\u00e9"\n}';
    const child = assumeRole(rootSession(sts), arn, { Policy: text });
    expect(child.assumeRoleRequest?.Policy).toBe(text);
  });

  it("an astral character becomes its surrogate pair, as json.dumps writes it", () => {
    const child = assumeRole(rootSession(sts), arn, { Policy: '{"Sid": "🚀"}' });
    expect(child.assumeRoleRequest?.Policy).toBe('{"Sid": "\\ud83d\\ude80"}');
  });

  it("keeps numbers as Python writes them, bigints exactly", () => {
    const child = assumeRole(rootSession(sts), arn, {
      Policy: { a: 1, b: 1.5, c: 1e-7, d: 2 ** 60, e: 123456789012345678901234567890n },
    });
    expect(child.assumeRoleRequest?.Policy).toBe(
      '{"a":1,"b":1.5,"c":1e-07,"d":1.152921504606847e+18,"e":123456789012345678901234567890}',
    );
  });
});

describe("Policy refusals: a typed error naming the field, before any network call", () => {
  const circular = () => {
    const statement: Record<string, unknown> = { Effect: "Allow" };
    statement.again = [statement];
    return { Statement: [statement] };
  };
  it.each([
    ["a text that is not JSON, with characters STS refuses", "Sid: 日本", "Policy"],
    ["a JSON text with an unpaired surrogate", '{"Sid": "\ud800"}', "Policy"],
    ["too long once escaped", { Sid: "開".repeat(400) }, "Policy"],
    ["a circular object", circular(), "Policy.Statement.0.again.0"],
    ["a Map inside", { Statement: [{ Condition: new Map() }] }, "Policy.Statement.0.Condition"],
    ["a function inside", { Statement: [() => 1] }, "Policy.Statement.0"],
    [
      "NaN (STS takes only JSON)",
      { Condition: { NumericLessThan: { n: Number.NaN } } },
      "Policy.Condition.NumericLessThan.n",
    ],
    ["a Map", new Map(), "Policy"],
  ])("%s", (_name, Policy, field) => {
    let error: unknown;
    try {
      assumeRole(rootSession(sts), arn, { Policy: Policy as never });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AssumeRoleValidationError);
    expect((error as AssumeRoleValidationError).fields).toEqual([field]);
    expect(sts.stats.calls()).toBe(0);
  });

  it("validate: false still refuses a policy that cannot be written (never drops it)", () => {
    expect(() =>
      assumeRole(rootSession(sts), arn, { Policy: circular(), validate: false }),
    ).toThrow(AssumeRoleValidationError);
  });

  it("validate: false writes NaN as Python does, and STS is the judge", async () => {
    const child = assumeRole(rootSession(sts), arn, { Policy: { n: Number.NaN }, validate: false });
    expect(child.assumeRoleRequest?.Policy).toBe('{"n":NaN}');
    const error = await child.credentials().catch((e) => e);
    expect(error).toBeInstanceOf(AssumeRoleError);
    expect(error.code).toBe("MalformedPolicyDocumentException");
  });
});
