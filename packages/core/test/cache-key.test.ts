import {
  cacheKey,
  PythonJsonError,
  type PythonJsonOptions,
  pythonJsonDumps,
} from "@assume-role-lib/core";
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

// Computed with python3: json.loads of the Policy, json.dumps(args, sort_keys=True), SHA-1.
describe("cacheKey: exact for every Policy text json.loads reads (golden vectors)", () => {
  const policyKey = (Policy: string | Record<string, unknown>) => cacheKey({ RoleArn: R, Policy });

  it.each([
    [
      "a float written 10.0 stays 10.0",
      '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericLessThanEquals": {"s3:max-keys": 10.0}}}]}',
      "52f4758208cd9ad21e39a455556697afa8246d83",
    ],
    [
      "an int above 2^53, exactly",
      '{"n": 12345678901234567890123}',
      "a4427e807d8096963bbaebaffa6a157e7d0c2b4c",
    ],
    [
      "the next int: another key",
      '{"n": 12345678901234567890124}',
      "932c701909cb64e29088e7e8b7f27cea6f11cdb5",
    ],
    [
      "Python's float repr: 1e+16, 1e-05, -0.0, 17 digits, 1.5e+300",
      '{"a": 1e16, "b": 1E-5, "c": -0.0, "d": 123456789.123456789, "e": 1.5E+300}',
      "5974aa1591a5ddbf040afd89c0bf99d53e560c37",
    ],
    [
      "keys by code point: U+E000 < U+FFFF < U+1F600",
      '{"\\uffff": 1, "😀": 2, "\\ue000": 3}',
      "686d360f300e35255432ad56e6ff2b79bdc491c7",
    ],
    [
      "NaN and -Infinity, as Python reads them",
      '{"x": NaN, "y": -Infinity}',
      "a769d69397f11e9611ef76566e75c7355a42049d",
    ],
    [
      "a repeated key: the last wins",
      '{"a": 1, "a": 2}',
      "3074eba9f8c16278c1396e2135d02633cdf1f63b",
    ],
  ])("%s", (_name, policy, expected) => {
    expect(policyKey(policy)).toBe(expected);
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

  it("writes numbers as Python does: safe integers as ints, other numbers as repr(float)", () => {
    // python3: json.dumps([1.5, 1e16, 1e15 + 0.5, 1e-5, 1e-4, 0.1, 5e-324, 1e308, 2.0**53, …])
    const floats = [1.5, 1e16, 1e15 + 0.5, 1e-5, 1e-4, 0.1, 5e-324, 1e308, 2 ** 53, 1e21, 1e22];
    expect(pythonJsonDumps([...floats, 0.30000000000000004, -1.25e-7])).toBe(
      "[1.5, 1e+16, 1000000000000000.5, 1e-05, 0.0001, 0.1, 5e-324, 1e+308, 9007199254740992.0, 1e+21, 1e+22, 0.30000000000000004, -1.25e-07]",
    );
    expect(pythonJsonDumps([0, -0, 42, -7, 2 ** 53 - 1])).toBe("[0, 0, 42, -7, 9007199254740991]");
    expect(pythonJsonDumps([Number.NaN, Number.POSITIVE_INFINITY, -Infinity])).toBe(
      "[NaN, Infinity, -Infinity]",
    );
    expect(pythonJsonDumps(123456789012345678901234567890n)).toBe("123456789012345678901234567890");
  });

  it("sorts keys by code point, and can keep insertion order with compact separators", () => {
    const value = { "\uffff": 1, "😀": 2, "\ue000": 3, b: [1, { d: 2, c: 3 }] };
    expect(pythonJsonDumps(value)).toBe(
      '{"b": [1, {"c": 3, "d": 2}], "\\ue000": 3, "\\uffff": 1, "\\ud83d\\ude00": 2}',
    );
    expect(pythonJsonDumps(value, { sortKeys: false, compact: true })).toBe(
      '{"\\uffff":1,"\\ud83d\\ude00":2,"\\ue000":3,"b":[1,{"d":2,"c":3}]}',
    );
  });

  it.each([
    [
      "a circular reference",
      () => {
        const statement: Record<string, unknown> = { Effect: "Allow" };
        statement.self = statement;
        return { Statement: [statement] };
      },
      "circular reference",
      ["Statement", 0, "self"],
    ],
    [
      "a Map",
      () => ({ Condition: new Map([["a", 1]]) }),
      "a Map is not JSON serializable",
      ["Condition"],
    ],
    ["a function", () => ({ a: [() => 1] }), "a function is not JSON serializable", ["a", 0]],
    [
      "a class instance",
      () => ({ a: new (class Doc {})() }),
      "a Doc is not JSON serializable",
      ["a"],
    ],
    [
      "NaN when not allowed",
      () => ({ n: Number.NaN }),
      "NaN and Infinity are not JSON (STS refuses them)",
      ["n"],
      { allowNan: false },
    ],
    [
      "an int Python cannot write",
      () => ({ n: 10n ** 4300n }),
      "an int of more than 4300 digits",
      ["n"],
    ],
  ])(
    "refuses %s, saying where, as Python's json.dumps raises",
    (_name, make, problem, path, options: PythonJsonOptions = {}) => {
      let error: unknown;
      try {
        pythonJsonDumps(make(), options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(PythonJsonError);
      expect(error).toMatchObject({ problem, path });
    },
  );
});
