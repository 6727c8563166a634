/**
 * The AssumeRole parameters' zod schemas, with the real STS limits (min, max and pattern,
 * stricter than botocore, which checks minimums only). params.ts normalizes with them.
 */
import * as z from "zod/mini";
import { builtOnFirstRead } from "./built-on-first-read.js";
import { policyText, STS_POLICY_CHARACTERS } from "./policy-document.js";
import { PythonJsonError } from "./python-json.js";
import "./zod-messages.js";

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
export function tagList(tags: unknown): Array<{ Key: unknown; Value: unknown }> | undefined {
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
export const lenientSchemas = builtOnFirstRead({ duration: durationSchema });
