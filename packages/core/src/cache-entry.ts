import * as z from "zod/mini";
import { formatExpiration, parseExpiration } from "./expiration.js";
import "./zod-messages.js";

/**
 * The cache entry document: the AssumeRole response as botocore caches it, so that the AWS
 * CLI, boto3, the Python library and this library read each other's entries. Extra fields
 * (ResponseMetadata, PackedPolicySize, …) are allowed and ignored.
 */
export interface CacheEntry {
  Credentials: {
    AccessKeyId: string;
    SecretAccessKey: string;
    SessionToken: string;
    /** ISO-8601 with `Z` when we write it. */
    Expiration: string;
    AccountId?: string;
  };
  AssumedRoleUser?: { AssumedRoleId?: string; Arn?: string };
  SourceIdentity?: string;
  [extra: string]: unknown;
}

/**
 * A timestamp as the caches' writers produce them (parseExpiration), parsed to a Date;
 * `message` is the issue when it is not one.
 */
export const timestampSchema = (message: string) =>
  z.pipe(
    z.unknown(),
    z.transform((value, ctx) => {
      const date = parseExpiration(value);
      if (!date) ctx.issues.push({ code: "custom", message, input: value });
      return date as Date;
    }),
  );

const nonEmpty = z.string().check(z.minLength(1));
const optionalString = z.optional(z.string());

/** One schema parses every entry read from any cache. */
export const cacheEntrySchema = z.looseObject({
  Credentials: z.looseObject({
    AccessKeyId: nonEmpty,
    SecretAccessKey: nonEmpty,
    SessionToken: nonEmpty,
    Expiration: timestampSchema("Expiration is not a timestamp"),
    AccountId: optionalString,
  }),
  AssumedRoleUser: z.optional(
    z.looseObject({ AssumedRoleId: optionalString, Arn: optionalString }),
  ),
  SourceIdentity: optionalString,
});

/** A parsed entry: its Expiration is a Date. */
export type ParsedCacheEntry = z.output<typeof cacheEntrySchema>;

/**
 * Parse a value read from a cache. Accepts the document itself or its JSON text (and a
 * Buffer of it); anything that does not parse is undefined (a miss), never an exception.
 */
export function parseCacheEntry(value: unknown): ParsedCacheEntry | undefined {
  try {
    let doc = value;
    if (Buffer.isBuffer(doc)) doc = doc.toString("utf8");
    if (typeof doc === "string") doc = JSON.parse(doc);
    const result = cacheEntrySchema.safeParse(doc);
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

/** Build the document to store from the pieces of an AssumeRole response. */
export function toCacheEntry(response: {
  Credentials: {
    AccessKeyId: string;
    SecretAccessKey: string;
    SessionToken: string;
    Expiration: Date;
    AccountId?: string | undefined;
  };
  AssumedRoleUser?: { AssumedRoleId?: string | undefined; Arn?: string | undefined } | undefined;
  SourceIdentity?: string | undefined;
}): CacheEntry {
  const { AccessKeyId, SecretAccessKey, SessionToken, Expiration, AccountId } =
    response.Credentials;
  const entry: CacheEntry = {
    Credentials: {
      AccessKeyId,
      SecretAccessKey,
      SessionToken,
      Expiration: formatExpiration(Expiration),
      ...(AccountId ? { AccountId } : {}),
    },
  };
  if (response.AssumedRoleUser) {
    const { AssumedRoleId, Arn } = response.AssumedRoleUser;
    entry.AssumedRoleUser = {
      ...(AssumedRoleId ? { AssumedRoleId } : {}),
      ...(Arn ? { Arn } : {}),
    };
  }
  if (response.SourceIdentity) entry.SourceIdentity = response.SourceIdentity;
  return entry;
}
