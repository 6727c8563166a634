import { cacheKey, pythonJsonDumps } from "@assume-role-lib/core";
import { describe, expect, it } from "vitest";

const R = "arn:aws:iam::123456789012:role/R";
const POLICY =
  '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}';

describe("cacheKey: botocore's algorithm (golden vectors)", () => {
  it.each([
    ["RoleArn only", { RoleArn: "myrole" }, {}, "793d6e2f27667ab2da104824407e486bfec24a47"],
    [
      "with RoleSessionName",
      { RoleArn: "myrole", RoleSessionName: "my_session_name" },
      {},
      "2964201f5648c8be5b9460a9cf842d73a266daf2",
    ],
    [
      "Policy string parsed first",
      { RoleArn: "myrole", Policy: POLICY },
      {},
      "176f223d915e82456c253545e192aa21d68f5ab8",
    ],
    [
      "generated RoleSessionName left out",
      { RoleArn: R, RoleSessionName: "assume-role-lib-1-x" },
      { generatedSessionName: true },
      "c03ce438bc208f6214854d85d3ca930ff73e3004",
    ],
    [
      "DurationSeconds",
      { RoleArn: R, DurationSeconds: 1230 },
      {},
      "5ed35ddef69ffc1421f406fbf89af4e7df4f352f",
    ],
    [
      "non-ASCII tag value escaped as Python does",
      {
        RoleArn: R,
        RoleSessionName: "s1",
        Tags: [{ Key: "team", Value: "café" }],
        TransitiveTagKeys: ["team"],
      },
      {},
      "da4b5b3f713fb606c36352d5d0626e3e00549419",
    ],
    [
      "ExternalId",
      { ExternalId: "override", RoleArn: R },
      {},
      "816f6a95596b494c4f695395d01ab26b6415aa4a",
    ],
  ])("%s", (_name, args, options, expected) => {
    expect(cacheKey(args, options)).toBe(expected);
  });

  it("does not depend on the Policy's formatting or key order", () => {
    const reordered = JSON.stringify(
      { Statement: [{ Resource: "*", Action: "*", Effect: "Allow" }], Version: "2012-10-17" },
      null,
      2,
    );
    expect(cacheKey({ RoleArn: "myrole", Policy: reordered })).toBe(
      "176f223d915e82456c253545e192aa21d68f5ab8",
    );
  });

  it("leaves TokenCode out: a one-time MFA code must not split the cache", () => {
    const base = { RoleArn: R, SerialNumber: "arn:aws:iam::123456789012:mfa/me" };
    expect(cacheKey({ ...base, TokenCode: "123456" })).toBe(
      cacheKey({ ...base, TokenCode: "654321" }),
    );
  });

  it("changes with every other parameter", () => {
    expect(cacheKey({ RoleArn: R, ExternalId: "a1" })).not.toBe(
      cacheKey({ RoleArn: R, ExternalId: "a2" }),
    );
  });
});

describe("pythonJsonDumps", () => {
  it("matches json.dumps(sort_keys=True) separators, ordering and escapes", () => {
    expect(
      pythonJsonDumps({ b: 1, a: [true, null, "x"], c: { z: 'é\u007f\n\t"\\', y: "😀" } }),
    ).toBe(
      '{"a": [true, null, "x"], "b": 1, "c": {"y": "\\ud83d\\ude00", "z": "\\u00e9\\u007f\\n\\t\\"\\\\"}}',
    );
  });
  it("escapes control characters as lowercase \\u00XX", () => {
    expect(pythonJsonDumps("\u0001\u001f")).toBe('"\\u0001\\u001f"');
  });
});
