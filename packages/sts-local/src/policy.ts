import { deflateRawSync } from "node:zlib";
import { errors } from "./errors.js";
import type { Tag } from "./validation.js";

/**
 * Compressed bytes that count as 100% of the packed-policy allowance. STS packs session
 * policies and tags into a compressed binary form with a fixed budget; compressing the
 * same inputs with deflate gives a size that grows the same way: small for typical
 * policies, over 100% for a full-length policy of incompressible text or 50 long tags.
 */
const PACKED_BUDGET_BYTES = 1024;

/** Check that a session policy is a JSON policy document (MalformedPolicyDocument otherwise). */
export function checkPolicyDocument(policy: string): void {
  let document: unknown;
  try {
    document = JSON.parse(policy);
  } catch {
    throw errors.malformedPolicy("Syntax errors in policy.");
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw errors.malformedPolicy("Syntax errors in policy.");
  }
  const statement = (document as Record<string, unknown>).Statement;
  if (statement !== undefined && (typeof statement !== "object" || statement === null)) {
    throw errors.malformedPolicy("Syntax errors in policy.");
  }
  if ("Principal" in (document as object) || hasPrincipal(statement)) {
    throw errors.malformedPolicy("Policy document should not specify a principal.");
  }
}

function hasPrincipal(statement: unknown): boolean {
  const list = Array.isArray(statement) ? statement : [statement];
  return list.some(
    (s) => typeof s === "object" && s !== null && ("Principal" in s || "NotPrincipal" in s),
  );
}

/**
 * The `PackedPolicySize` percentage for these session policies and tags, or undefined
 * when none were passed (STS omits the field then). Throws PackedPolicyTooLarge above 100%.
 */
export function packedPolicySize(
  policy: string | undefined,
  policyArns: string[],
  tags: Tag[],
): number | undefined {
  if (policy === undefined && policyArns.length === 0 && tags.length === 0) return undefined;
  const packed = [
    policy?.replace(/\s+/g, "") ?? "",
    ...policyArns,
    ...tags.map((t) => `${t.Key}=${t.Value}`),
  ].join("\n");
  const size = deflateRawSync(Buffer.from(packed), { level: 9 }).length;
  const percent = Math.max(1, Math.ceil((size * 100) / PACKED_BUDGET_BYTES));
  if (percent > 100) throw errors.packedPolicyTooLarge(percent);
  return percent;
}
