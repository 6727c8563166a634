/**
 * A failed refresh, shared through the cache so the whole fleet backs off together: one
 * process calls STS, fails, and writes this record beside the entry before it unlocks; the
 * others find it and wait for `NextAttemptAt` instead of calling STS in turn.
 *
 * It lives under its own key (`<key>.refresh-failure`, a file `<key>.refresh-failure.json`)
 * so that botocore and the AWS CLI, which only ever read `<key>`, never see it. It holds
 * STS's error code and message and the times, never a credential. Like every cache value it
 * is untrusted: it must parse, and a NextAttemptAt further ahead than any backoff this
 * library plans is ignored, so a bad record cannot stop a fleet for long.
 */
import * as z from "zod/mini";
import { builtOnFirstRead } from "./built-on-first-read.js";
import { timestampSchema } from "./cache-entry.js";
import { AssumeRoleError } from "./errors.js";
import { formatExpiration, parseExpiration } from "./expiration.js";
import "./zod-messages.js";

/** The key of the failure record of the entry under `key`. */
export function failureKey(key: string): string {
  return `${key}.refresh-failure`;
}

/** What a failed attempt decided: the engine's plan (see refresh.ts). */
export interface FailurePlan {
  /** A retry cannot fix it: callers with nothing usable get the error until nextAttemptAt. */
  permanent: boolean;
  /** No attempt before this (STS time, epoch ms). */
  nextAttemptAt: number;
  /** Failures in a row, this one included: the growing backoff's step. */
  consecutive: number;
}

/** A record read back: the error to hand out and the plan to follow. */
export interface SharedFailure extends FailurePlan {
  error: AssumeRoleError;
  /** The parent principal whose attempt failed, when the record names one. */
  parentPrincipal?: string;
  /** False once nextAttemptAt has passed: only its `consecutive` still counts. */
  active: boolean;
}

/** Records are kept this long after their next attempt, to carry the failure count. */
const KEEP_MS = 15 * 60_000;
/** No plan waits longer than 10 min; a record that claims more is not ours to obey. */
const MAX_AHEAD_MS = 11 * 60_000;

/** The record's schema, built on first use: a cache hit reads no failure record. */
const schemas = builtOnFirstRead({
  record: () =>
    z.object({
      RefreshFailure: z.object({
        Code: z.string().check(z.regex(/^[A-Za-z0-9._:-]{1,100}$/)),
        Message: z.pipe(
          z.string(),
          z.transform((m) => (m.length > 500 ? `${m.slice(0, 500)}…` : m)),
        ),
        StatusCode: z.optional(z.int().check(z.gte(100), z.lte(599))),
        Retryable: z.boolean(),
        NextAttemptAt: timestampSchema("not a timestamp"),
        Consecutive: z.int().check(z.gte(1), z.lte(10_000)),
        ParentPrincipal: z.optional(z.string().check(z.maxLength(2048))),
      }),
    }),
});

/**
 * The failure record document, as stored under {@link failureKey}: STS's error code and
 * message, when the next attempt may be made, and until when a TTL store may keep it.
 */
export interface FailureRecord {
  RefreshFailure: {
    Code: string;
    Message: string;
    StatusCode?: number;
    Retryable: boolean;
    /** ISO-8601, `Z`. */
    NextAttemptAt: string;
    Consecutive: number;
    /** ISO-8601, `Z`: a TTL store may drop the record after this. */
    Expiration: string;
    /**
     * The parent principal whose attempt failed (parent-binding.ts): an AccessDenied for
     * one principal says nothing about another's, so only sessions of the same principal
     * follow the record.
     */
    ParentPrincipal?: string;
  };
}

/** The document to store for a failed attempt. */
export function toFailureRecord(
  error: AssumeRoleError,
  plan: FailurePlan,
  parentPrincipal?: string,
): FailureRecord {
  return {
    RefreshFailure: {
      ...(parentPrincipal ? { ParentPrincipal: parentPrincipal } : {}),
      Code: error.code,
      Message: error.detail,
      ...(error.statusCode !== undefined ? { StatusCode: error.statusCode } : {}),
      Retryable: error.retryable,
      NextAttemptAt: formatExpiration(new Date(plan.nextAttemptAt)),
      Consecutive: plan.consecutive,
      // When a TTL store may drop it (see documentExpiration).
      Expiration: formatExpiration(new Date(plan.nextAttemptAt + KEEP_MS)),
    },
  };
}

/** Parse a value read from the cache; undefined for anything that is not a sane record. */
export function parseFailureRecord(
  value: unknown,
  roleArn: string,
  now: number,
): SharedFailure | undefined {
  let doc = value;
  try {
    if (Buffer.isBuffer(doc)) doc = doc.toString("utf8");
    if (typeof doc === "string") doc = JSON.parse(doc);
  } catch {
    return undefined;
  }
  const parsed = schemas.record.safeParse(doc);
  if (!parsed.success) return undefined;
  const r = parsed.data.RefreshFailure;
  const nextAttemptAt = r.NextAttemptAt.getTime();
  if (nextAttemptAt - now > MAX_AHEAD_MS) return undefined;
  const error = new AssumeRoleError(roleArn, {
    code: r.Code,
    message: r.Message,
    ...(r.StatusCode !== undefined ? { statusCode: r.StatusCode } : {}),
    retryable: r.Retryable,
  });
  return {
    error,
    ...(r.ParentPrincipal ? { parentPrincipal: r.ParentPrincipal } : {}),
    permanent: !r.Retryable,
    nextAttemptAt,
    consecutive: r.Consecutive,
    active: now < nextAttemptAt,
  };
}

/**
 * When a stored document may be dropped by a TTL store: an entry's Credentials.Expiration,
 * or a failure record's Expiration. Undefined for anything else.
 */
export function documentExpiration(value: unknown): Date | undefined {
  const doc = value as {
    Credentials?: { Expiration?: unknown };
    RefreshFailure?: { Expiration?: unknown };
  } | null;
  return parseExpiration(doc?.Credentials?.Expiration ?? doc?.RefreshFailure?.Expiration);
}
