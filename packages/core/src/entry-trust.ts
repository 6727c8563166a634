/**
 * What an entry read from a cache must prove before its credentials are used.
 *
 * A cache is written by other processes, possibly by other people, so an entry is untrusted
 * input: parsing it (cache-entry.ts) proves only its shape. Here it must also carry keys in
 * the characters AWS uses (a newline in an AccessKeyId would inject variables into a shell
 * that evaluates `assume-role env`), a plausible Expiration (STS never issues credentials for
 * more than 12 hours), and, when it says whose credentials they are, the requested role.
 * Anything else is a miss that says why. Entries the AWS CLI, boto3 and the Python library
 * write pass every check.
 */
import type { ParsedCacheEntry } from "./cache-entry.js";

/** Why an entry read from a cache was not used (`why` of the `cache-miss` event). */
export type CacheMissReason =
  /** Nothing stored under the key. */
  | "absent"
  /** Stored, but not an entry document (corrupt, partial, foreign). */
  | "invalid"
  /** A valid entry too close to its Expiration for this session's windows. */
  | "expiring"
  /** Holds a key a service rejected (see `Session.invalidate`). */
  | "rejected"
  /** Expires further ahead than its lifetime: the local clock is behind, not yet measured. */
  | "implausible"
  /** Keys, secret, token or account id with characters or lengths AWS never issues. */
  | "bad-characters"
  /** An Expiration more than 12 hours (plus clock skew) ahead: STS issues no such thing. */
  | "expiration-out-of-range"
  /** `AssumedRoleUser.Arn` names another role (or session) than the one requested. */
  | "role-mismatch"
  /** Written for another parent principal than this session's (see parent-binding.ts). */
  | "parent-mismatch"
  /** The backend could not decrypt it (a wrong or missing key). */
  | "undecryptable"
  /** The backend found it altered (authentication failed, bound to another key). */
  | "tampered";

// The API model's shapes: AccessKeyId is [\w]{16,128}; secrets and session tokens are
// base64; account ids are 12 digits. Upper bounds are generous (tokens grow with session
// tags and policies) but finite.
const ACCESS_KEY_ID = /^\w{16,128}$/;
const SECRET = /^[A-Za-z0-9/+=]{16,256}$/;
const SESSION_TOKEN = /^[A-Za-z0-9/+=]{16,16384}$/;
const ACCOUNT_ID = /^\d{12}$/;

/** The longest credentials STS issues (DurationSeconds up to 43200). */
const MAX_LIFETIME_MS = 12 * 3600_000;
/** Clock skew tolerated between the writer's clock (or STS's) and ours. */
const SKEW_ALLOWANCE_MS = 15 * 60_000;

/** What the entry must match: the request this session makes, and its clock. */
export interface EntryExpectations {
  roleArn: string;
  /** The session name, when it is fixed (a generated one cannot be checked). */
  roleSessionName?: string | undefined;
  /** Now, in epoch milliseconds (STS time when the offset is known). */
  now: number;
}

/** Undefined when the entry may be used, otherwise why not. */
export function checkEntry(
  entry: ParsedCacheEntry,
  expected: EntryExpectations,
): CacheMissReason | undefined {
  const c = entry.Credentials;
  if (
    !ACCESS_KEY_ID.test(c.AccessKeyId) ||
    !SECRET.test(c.SecretAccessKey) ||
    !SESSION_TOKEN.test(c.SessionToken) ||
    (c.AccountId !== undefined && c.AccountId !== "" && !ACCOUNT_ID.test(c.AccountId))
  ) {
    return "bad-characters";
  }
  if (c.Expiration.getTime() > expected.now + MAX_LIFETIME_MS + SKEW_ALLOWANCE_MS) {
    return "expiration-out-of-range";
  }
  const arn = entry.AssumedRoleUser?.Arn;
  if (arn !== undefined && !namesRole(arn, expected.roleArn, expected.roleSessionName)) {
    return "role-mismatch";
  }
  return undefined;
}

/**
 * Whether an assumed-role ARN (`arn:P:sts::A:assumed-role/NAME/SESSION`) is a session of
 * the role `arn:P:iam::A:role/PATH/NAME`. Assumed-role ARNs carry no role path.
 */
export function namesRole(
  assumedRoleArn: string,
  roleArn: string,
  roleSessionName?: string,
): boolean {
  const role = /^arn:([\w-]+):iam::(\d{12}):role\/(?:[^/]*\/)*([^/]+)$/.exec(roleArn);
  const session = /^arn:([\w-]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/.exec(assumedRoleArn);
  if (!role || !session) return false;
  const [, partition, account, name] = role;
  const [, sPartition, sAccount, sName, sSession] = session;
  if (sPartition !== partition || sAccount !== account) return false;
  // IAM role names are case-insensitive (unique ignoring case), session names are not.
  if (sName?.toLowerCase() !== name?.toLowerCase()) return false;
  return roleSessionName === undefined || sSession === roleSessionName;
}
