import * as z from "zod/mini";
import { builtOnFirstRead } from "./built-on-first-read.js";
import { AssumeRoleValidationError, type ValidationIssue } from "./errors.js";
import { policyText, STS_POLICY_CHARACTERS } from "./policy-document.js";
import { PythonJsonError } from "./python-json.js";
import "./zod-messages.js";

/**
 * AssumeRole parameters: zod schemas with the real STS limits (min, max and pattern, stricter
 * than botocore, which checks minimums only), and their normalization to the request sent.
 */

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

const SESSION_NAME = /^[\w+=,.@-]*$/;
const arnString = () => z.string().check(z.minLength(20), z.maxLength(2048));
const tagKey = () =>
  z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(128),
      z.regex(/^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$/u, "must match [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"),
    );
const sessionName = () =>
  z
    .string()
    .check(z.minLength(2), z.maxLength(64), z.regex(SESSION_NAME, "must match [\\w+=,.@-]*"));

/**
 * A `{ key: value }` object or a Map as STS's list of tags; undefined for anything else (a
 * list is already one; a Set or a Date must fail validation, not become an empty list).
 */
function tagList(tags: unknown): Array<{ Key: unknown; Value: unknown }> | undefined {
  if (tags instanceof Map) return [...tags].map(([Key, Value]) => ({ Key, Value }));
  if (tags === null || typeof tags !== "object" || Array.isArray(tags)) return undefined;
  const proto = Object.getPrototypeOf(tags);
  if (proto !== Object.prototype && proto !== null) return undefined;
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

const nonNegative = () => z.optional(z.number().check(z.nonnegative()));
const durationSchema = () =>
  z.union([
    z.int(),
    z.pipe(
      z.strictObject({ hours: nonNegative(), minutes: nonNegative(), seconds: nonNegative() }),
      z.transform((d) =>
        Math.floor((d.hours ?? 0) * 3600 + (d.minutes ?? 0) * 60 + (d.seconds ?? 0)),
      ),
    ),
  ]);

/**
 * Schemas for each named parameter: real STS constraints. Each is built when first read: a
 * session names two or three parameters, and building all eleven at import took ~5 ms of
 * every `credential_process` start.
 */
export const paramSchemas = builtOnFirstRead({
  RoleArn: () =>
    arnString().check(
      z.regex(
        /^arn:[\w-]+:iam::\d{12}:role\/[\w+=,.@/-]+$/,
        "must be an IAM role ARN (arn:PARTITION:iam::ACCOUNT:role/NAME)",
      ),
    ),
  RoleSessionName: () => sessionName(),
  PolicyArns: () =>
    z.pipe(
      z.array(z.union([arnString(), z.strictObject({ arn: arnString() })])).check(z.maxLength(10)),
      z.transform((arns) => arns.map((a) => (typeof a === "string" ? { arn: a } : a))),
    ),
  /** An object (written as Python's json.dumps writes it) or a JSON string; see policyText. */
  Policy: () =>
    z.pipe(
      z.pipe(
        z.union([z.string(), z.record(z.string(), z.unknown())]),
        z.transform((policy, ctx) => {
          try {
            return policyText(policy, { allowNan: false });
          } catch (error) {
            if (!(error instanceof PythonJsonError)) throw error;
            ctx.issues.push({
              code: "custom",
              message: error.problem,
              input: policy,
              path: [...error.path],
            });
            return z.NEVER;
          }
        }),
      ),
      z
        .string()
        .check(
          z.minLength(1),
          z.maxLength(2048),
          z.regex(
            STS_POLICY_CHARACTERS,
            "must be tab, newline, carriage return or U+0020–U+00FF characters (other characters only as \\uXXXX escapes in valid JSON)",
          ),
        ),
    ),
  DurationSeconds: () =>
    z.pipe(
      durationSchema(),
      z
        .int()
        .check(z.gte(900, "must be at least 900 seconds"), z.lte(43200, "must be at most 43200")),
    ),
  // A `{ key: value }` map becomes the list STS takes before the limits are checked.
  Tags: () =>
    z.pipe(
      z.transform((tags: unknown) => tagList(tags) ?? tags),
      z
        .array(z.strictObject({ Key: tagKey(), Value: z.string().check(z.maxLength(256)) }))
        .check(z.maxLength(50)),
    ),
  TransitiveTagKeys: () => z.array(tagKey()).check(z.maxLength(50)),
  ExternalId: () =>
    z
      .string()
      .check(
        z.minLength(2),
        z.maxLength(1224),
        z.regex(/^[\w+=,.@:/-]*$/, "must match [\\w+=,.@:/-]*"),
      ),
  SerialNumber: () =>
    z
      .string()
      .check(
        z.minLength(9),
        z.maxLength(256),
        z.regex(/^[\w+=/:,.@-]*$/, "must match [\\w+=/:,.@-]*"),
      ),
  /** A 6-digit code, or a function returning a fresh one on each refresh. */
  TokenCode: () =>
    z.union([
      z.string().check(z.regex(/^\d{6}$/, "must be exactly 6 digits")),
      z.custom<() => unknown>((v) => typeof v === "function", "must be a string or a function"),
    ]),
  SourceIdentity: () => sessionName(),
  ProvidedContexts: () =>
    z
      .array(
        z.strictObject({
          ProviderArn: arnString(),
          ContextAssertion: z.string().check(z.minLength(4), z.maxLength(2048)),
        }),
      )
      .check(z.maxLength(5)),
  additionalParams: () => z.record(z.string(), z.unknown()),
});

/** The shapes `validate: false` still converts. */
const lenientSchemas = builtOnFirstRead({ duration: durationSchema });

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
