import { cacheKey } from "@assume-role-lib/core";
import { expect, it } from "vitest";
import { parsePolicy } from "../src/parsers.js";

it("--Policy passes the text on, so 10.0 keeps its form and the key stays the AWS CLI's", () => {
  const text = '{"Statement": [{"Condition": {"NumericLessThan": {"aws:x": 10.0}}}]}';
  expect(parsePolicy(text)).toBe(text);
  const role = "arn:aws:iam::123456789012:role/Demo";
  // A parsed-then-restringified policy (10.0 → 10) would hash differently from botocore.
  expect(cacheKey({ RoleArn: role, Policy: parsePolicy(text) })).not.toBe(
    cacheKey({ RoleArn: role, Policy: JSON.stringify(JSON.parse(text)) }),
  );
  expect(() => parsePolicy("[1]")).toThrow(/JSON object/);
});
