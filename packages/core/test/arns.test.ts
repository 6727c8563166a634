import {
  generateLambdaSessionName,
  getAssumedRoleSessionArn,
  getRoleArn,
} from "@assume-role-lib/core";
import { describe, expect, it } from "vitest";

describe("getRoleArn", () => {
  it("formats, pads account ids and handles paths", () => {
    expect(getRoleArn("123456789012", "MyRole")).toBe("arn:aws:iam::123456789012:role/MyRole");
    expect(getRoleArn(123456789, "MyRole")).toBe("arn:aws:iam::000123456789:role/MyRole");
    expect(getRoleArn("123456789012", "MyRole", "/a/b")).toBe(
      "arn:aws:iam::123456789012:role/a/b/MyRole",
    );
    expect(getRoleArn("123456789012", "MyRole", "/")).toBe("arn:aws:iam::123456789012:role/MyRole");
    expect(getRoleArn("123456789012", "a/b/MyRole")).toBe(
      "arn:aws:iam::123456789012:role/a/b/MyRole",
    );
    expect(getRoleArn("123456789012", "MyRole", "", "aws-cn")).toBe(
      "arn:aws-cn:iam::123456789012:role/MyRole",
    );
    expect(() => getRoleArn("123456789012", "a/MyRole", "b")).toThrow(/both/);
  });
});

describe("getAssumedRoleSessionArn", () => {
  it("strips the role path", () => {
    expect(getAssumedRoleSessionArn(123, "path/MyRole", "sess")).toBe(
      "arn:aws:sts::000000000123:assumed-role/MyRole/sess",
    );
  });
});

describe("generateLambdaSessionName: the upstream vectors", () => {
  const s = "123456789a123456789b123456789c123456789d123456789e123456789f123456789g123456789";
  const gen = (n: string, v: number | undefined, i: string | undefined, env = {}) =>
    generateLambdaSessionName({
      functionName: n,
      ...(v !== undefined ? { functionVersion: v } : {}),
      ...(i !== undefined ? { identifier: i } : {}),
      env,
    });

  it("name, name.identifier, name.version.identifier", () => {
    expect(gen("fn", undefined, "abc")).toBe("fn.abc");
    expect(gen("fn", 1, "abc")).toBe("fn.1.abc");
    expect(
      gen("fn", undefined, undefined, {
        AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
        AWS_LAMBDA_LOG_STREAM_NAME: "2020/01/31/[$LATEST]3893xmpl7fac",
      }),
    ).toBe("fn.3893xmpl7fac");
  });

  it("truncates as upstream does", () => {
    expect(gen(s.slice(0, 65), 1, s.slice(0, 5))).toBe(s.slice(0, 64));
    expect(gen(s.slice(0, 62), 5, s)).toBe(s.slice(0, 62));
    expect(gen(s.slice(0, 62), undefined, s)).toBe(s.slice(0, 62));
    expect(gen(s.slice(0, 59), 5, s)).toBe(`${s.slice(0, 59)}.${s.slice(0, 4)}`);
    expect(gen(s.slice(0, 59), undefined, s)).toBe(`${s.slice(0, 59)}.${s.slice(0, 4)}`);
    expect(gen(s.slice(0, 50), 3, s.slice(0, 2))).toBe(`${s.slice(0, 50)}.3.${s.slice(0, 2)}`);
    expect(gen(s.slice(0, 32), 2, "0123456789abcdef0123456789abcdef")).toHaveLength(64);
    expect(gen(s.slice(0, 57), 2, undefined)).toHaveLength(64);
    // 37 + ".2" + "." + 20-digit timestamp
    expect(gen(s.slice(0, 37), 2, undefined)).toHaveLength(60);
  });

  it("reads the function name from the environment and cleans invalid characters", () => {
    expect(
      generateLambdaSessionName({ env: { AWS_LAMBDA_FUNCTION_NAME: "f" }, identifier: "a$b" }),
    ).toBe("f.a_b");
    expect(() => generateLambdaSessionName({ env: {} })).toThrow(/functionName/);
  });
});
