/**
 * AssumeRole parameters and their normalization to the request sent: validated with the
 * schemas of param-schemas.ts (the real STS limits), or with `validate: false` only
 * converted in shape.
 */
import type * as z from "zod/mini";
import { AssumeRoleValidationError, type ValidationIssue } from "./errors.js";
import { lenientSchemas, paramSchemas, tagList } from "./param-schemas.js";
import { policyText } from "./policy-document.js";
import { PythonJsonError } from "./python-json.js";

/** Pass as RoleSessionName to force a generated name even when SourceIdentity is set. */
export const AUTOMATIC_ROLE_SESSION_NAME = "AUTOMATIC_ROLE_SESSION_NAME_!#$%^&*()";

/** A duration for DurationSeconds, as an alternative to a number of seconds. */
export interface Duration {
  hours?: number;
  minutes?: number;
  seconds?: number;
}

/** A TokenCode, or a function asked for a fresh one on each refresh (an MFA prompt). */
export type TokenCodeSource = string | (() => string | Promise<string>);

/** The AssumeRole parameters `assumeRole()` accepts, in STS's spelling. */
export interface AssumeRoleParams {
  RoleSessionName?: string;
  PolicyArns?: Array<string | { arn: string }>;
  Policy?: string | Record<string, unknown>;
  DurationSeconds?: number | Duration;
  Tags?: Array<{ Key: string; Value: string }> | Record<string, string>;
  TransitiveTagKeys?: string[];
  ExternalId?: string;
  SerialNumber?: string;
  TokenCode?: TokenCodeSource;
  SourceIdentity?: string;
  ProvidedContexts?: Array<{ ProviderArn: string; ContextAssertion: string }>;
  /** AssumeRole parameters this library does not know yet. Named parameters win. */
  additionalParams?: Record<string, unknown>;
}

/** The AssumeRole request, normalized (TokenCode still possibly a function). */
export interface NormalizedRequest {
  RoleArn: string;
  RoleSessionName?: string;
  PolicyArns?: Array<{ arn: string }>;
  Policy?: string;
  DurationSeconds?: number;
  Tags?: Array<{ Key: string; Value: string }>;
  TransitiveTagKeys?: string[];
  ExternalId?: string;
  SerialNumber?: string;
  SourceIdentity?: string;
  ProvidedContexts?: Array<{ ProviderArn: string; ContextAssertion: string }>;
  [additional: string]: unknown;
}

/** The AssumeRole parameters `assumeRole()` takes by name (STS's spelling). */
export const ASSUME_ROLE_PARAM_NAMES = [
  "RoleSessionName",
  "PolicyArns",
  "Policy",
  "DurationSeconds",
  "Tags",
  "TransitiveTagKeys",
  "ExternalId",
  "SerialNumber",
  "TokenCode",
  "SourceIdentity",
  "ProvidedContexts",
] as const;

/** The result of normalizing: the request and how the session name is to be chosen. */
export interface NormalizedParams {
  request: NormalizedRequest;
  tokenCode: TokenCodeSource | undefined;
  /** True when no name was given and it is to be generated (once per session). */
  generateSessionName: boolean;
}

function issuesOf(field: string, error: z.core.$ZodError): ValidationIssue[] {
  return error.issues.map((issue) => ({
    field: [field, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
}

/**
 * Validate (when `validate`) and normalize AssumeRole parameters. With `validate: false` the
 * shapes are still converted (PolicyArns strings, Policy objects, durations, Tags maps) but
 * no limit is checked, so STS is the judge, as in the Python library.
 */
export function normalizeParams(
  roleArn: string,
  params: AssumeRoleParams & Record<string, unknown>,
  validate: boolean,
  knownOptionKeys: ReadonlySet<string>,
): NormalizedParams {
  const issues: ValidationIssue[] = [];
  const check = <T>(field: string, schema: z.ZodMiniType<T>, value: unknown): T | undefined => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    if (validate) issues.push(...issuesOf(field, result.error));
    return undefined;
  };

  if (validate) {
    for (const key of Object.keys(params)) {
      if (!knownOptionKeys.has(key) && params[key] !== undefined) {
        issues.push({ field: key, message: "is not an assumeRole option (use additionalParams)" });
      }
    }
    check("RoleArn", paramSchemas.RoleArn, roleArn);
  }

  const request: NormalizedRequest = { RoleArn: roleArn };
  const additional = params.additionalParams;
  if (additional !== undefined) {
    const parsed = check("additionalParams", paramSchemas.additionalParams, additional);
    if (parsed) {
      Object.assign(request, parsed);
      // Known parameters passed this way get the same checks (named parameters win).
      for (const name of ASSUME_ROLE_PARAM_NAMES) {
        if (name === "TokenCode" || !(name in parsed) || params[name] !== undefined) continue;
        const value: unknown = validate
          ? check(`additionalParams.${name}`, paramSchemas[name] as z.ZodMiniType, parsed[name])
          : lenientConvert(name, parsed[name], roleArn);
        if (value === undefined) delete request[name];
        else (request as Record<string, unknown>)[name] = value;
      }
    }
  }
  request.RoleArn = roleArn; // RoleArn always wins over additionalParams

  for (const name of ASSUME_ROLE_PARAM_NAMES) {
    const value = params[name];
    if (value === undefined || value === null) continue;
    if (name === "TokenCode") continue; // kept aside: asked again on every refresh
    if (name === "RoleSessionName" && value === AUTOMATIC_ROLE_SESSION_NAME) continue;
    const parsed = validate
      ? check(name, paramSchemas[name] as z.ZodMiniType, value)
      : lenientConvert(name, value, roleArn);
    if (parsed !== undefined) (request as Record<string, unknown>)[name] = parsed;
  }

  const tokenCode = params.TokenCode ?? (additional?.TokenCode as TokenCodeSource | undefined);
  delete request.TokenCode;
  if (tokenCode !== undefined && validate) check("TokenCode", paramSchemas.TokenCode, tokenCode);

  if (validate && request.Tags) {
    // STS tag keys are case-insensitive: Team and team are the same tag.
    const seen = new Set<string>();
    for (const [i, tag] of request.Tags.entries()) {
      const k = tag.Key.toLowerCase();
      if (seen.has(k))
        issues.push({ field: `Tags.${i}.Key`, message: "repeats a key (case-insensitively)" });
      seen.add(k);
    }
  }
  if (validate && request.TransitiveTagKeys?.length && !request.Tags?.length) {
    issues.push({
      field: "TransitiveTagKeys",
      message: "needs Tags: only session tags can be transitive",
    });
  }
  if (validate && request.TransitiveTagKeys && request.Tags) {
    const keys = new Set(request.Tags.map((t) => t.Key.toLowerCase()));
    for (const k of request.TransitiveTagKeys) {
      if (!keys.has(k.toLowerCase())) {
        issues.push({ field: "TransitiveTagKeys", message: `${k} is not one of the Tags' keys` });
      }
    }
  }
  if (validate && (request.SerialNumber === undefined) !== (tokenCode === undefined)) {
    issues.push({
      field: request.SerialNumber === undefined ? "SerialNumber" : "TokenCode",
      message: "SerialNumber and TokenCode go together",
    });
  }
  if (issues.length > 0) throw new AssumeRoleValidationError(roleArn, issues);

  // RoleSessionName: explicit > SourceIdentity > generated. The AUTOMATIC sentinel skips
  // SourceIdentity and forces generation.
  let generateSessionName = false;
  if (request.RoleSessionName === undefined) {
    const explicitAutomatic = params.RoleSessionName === AUTOMATIC_ROLE_SESSION_NAME;
    if (!explicitAutomatic && request.SourceIdentity) {
      request.RoleSessionName = request.SourceIdentity;
    } else {
      generateSessionName = true;
    }
  }
  return { request, tokenCode, generateSessionName };
}

/** The shape conversions alone, for `validate: false`. */
function lenientConvert(
  name: (typeof ASSUME_ROLE_PARAM_NAMES)[number],
  value: unknown,
  roleArn: string,
): unknown {
  switch (name) {
    case "PolicyArns":
      return Array.isArray(value)
        ? value.map((a) => (typeof a === "string" ? { arn: a } : a))
        : value;
    case "Policy":
      return lenientPolicyText(value, roleArn);
    case "DurationSeconds":
      return typeof value === "object" ? lenientSchemas.duration.safeParse(value).data : value;
    case "Tags":
      return tagList(value) ?? value;
    default:
      return value;
  }
}

/** Without validation a policy is still written as Python would, but one that cannot be
 * written at all (circular, a Map) is an error: dropping it would widen the session. */
function lenientPolicyText(value: unknown, roleArn: string): string {
  try {
    return policyText(value, { allowNan: true });
  } catch (error) {
    if (!(error instanceof PythonJsonError)) throw error;
    const field = ["Policy", ...error.path].join(".");
    throw new AssumeRoleValidationError(roleArn, [{ field, message: error.problem }]);
  }
}
