/**
 * Parent binding: a cache hit never gives one principal the role credentials that another
 * principal obtained.
 *
 * The cache key is botocore's, and botocore leaves the caller out of it: two profiles that
 * assume one role with different source credentials share a key, so whoever ran first would
 * serve the other, even one that STS would refuse. Every entry this library writes therefore
 * names the parent principal that obtained it, beside the AWS response:
 *
 *   { "Credentials": …, "AssumedRoleUser": …, "AssumeRoleLib": { "ParentPrincipal": ARN } }
 *
 * (botocore and the AWS CLI ignore the extra field), and an entry naming another principal
 * is a miss. The principal is the parent's IAM identity with the session name dropped
 * (`arn:aws:sts::A:assumed-role/Worker`), so a fleet whose parents are sessions of one role
 * shares one entry, however many hosts and parent keys it has.
 *
 * Learning the principal must not cost an STS call per hit:
 * - a parent that is one of our assumed-role sessions is known: its role;
 * - otherwise GetCallerIdentity is asked once per set of parent credentials; the answer is
 *   kept in memory, and in the optional `principalStore` (a place only this user can write,
 *   for short-lived processes such as `credential_process`), under a hash of the parent's
 *   key id and secret, so other credentials can never claim it.
 *
 * Entries without a binding (written by the AWS CLI, boto3 or the Python library) are used
 * by default, as botocore uses them: `parentBinding: "strict"` refuses them.
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import type { AwsCredentialIdentity } from "@smithy/types";
import type { ParsedCacheEntry } from "./cache-entry.js";

/** How entries are bound to the parent principal that obtained them. */
export type ParentBindingMode =
  /** Write the binding; a bound entry must name our principal; unbound entries are used. */
  | "match"
  /** As "match", and unbound entries (AWS CLI, boto3) are misses too. */
  | "strict"
  /** Neither write nor check a binding (every reader of the cache is trusted alike). */
  | "off";

/** The field this library adds to the entries it writes. */
export const BINDING_FIELD = "AssumeRoleLib";

/** Where learned principals are kept between processes: Map-like, sync or async. */
export interface PrincipalStore {
  /** The stored document (or its JSON text) under `key`, or undefined. */
  get(key: string): unknown;
  /** Keep the principal learned for the credentials `key` stands for. */
  set(key: string, value: { ParentPrincipal: string }): unknown;
}

/** The principal a binding names: sessions of one role are one principal. */
export function normalizePrincipal(arn: string): string {
  const assumed = /^(arn:[\w-]+:sts::\d{12}:assumed-role\/[^/]+)\/.+$/.exec(arn);
  return assumed ? (assumed[1] as string) : arn;
}

/** The principal of every session of `roleArn` (assumed-role ARNs carry no role path). */
export function principalOfRole(roleArn: string): string {
  const m = /^arn:([\w-]+):iam::(\d{12}):role\/(?:[^/]*\/)*([^/]+)$/.exec(roleArn);
  return m ? `arn:${m[1]}:sts::${m[2]}:assumed-role/${m[3]}` : roleArn;
}

/** The principal an entry was bound to, or undefined for an unbound entry. */
export function boundPrincipal(entry: ParsedCacheEntry): string | undefined {
  const field = (entry as Record<string, unknown>)[BINDING_FIELD];
  const principal = (field as { ParentPrincipal?: unknown } | undefined)?.ParentPrincipal;
  return typeof principal === "string" ? principal : undefined;
}

// Process-wide: every session of this process that meets the same parent keys asks once.
const learned = new Map<string, Promise<string>>();

/** The last key computed for each identity object, with the keys it was computed from. */
const keysOf = new WeakMap<AwsCredentialIdentity, { id: string; secret: string; key: string }>();

/**
 * The memo key of a set of parent credentials: a hash, never the secret itself (with
 * @noble/hashes, as in cache-key.ts: a hit loads no node:crypto). Every read of a shared
 * entry asks, with the parent's credentials object, usually the same one: its hash is
 * kept, for as long as the object holds the same key and secret.
 */
function credentialsKey(identity: AwsCredentialIdentity): string {
  const { accessKeyId: id, secretAccessKey: secret } = identity;
  const known = keysOf.get(identity);
  if (known?.id === id && known.secret === secret) return known.key;
  const key = bytesToHex(sha256(utf8ToBytes(`${id}\0${secret}`)));
  keysOf.set(identity, { id, secret, key });
  return key;
}

/**
 * The principal of the parent whose credentials are `identity`: from the store, else from
 * `lookup` (GetCallerIdentity), once per set of credentials.
 */
export function learnPrincipal(
  identity: AwsCredentialIdentity,
  lookup: () => Promise<string>,
  store?: PrincipalStore,
): Promise<string> {
  const key = credentialsKey(identity);
  let principal = learned.get(key);
  if (!principal) {
    principal = (async () => {
      const stored = await readStored(store, key);
      if (stored) return stored;
      const arn = normalizePrincipal(await lookup());
      await Promise.resolve(store?.set(key, { ParentPrincipal: arn })).catch(() => {
        // Only a cost: the next process asks STS again.
      });
      return arn;
    })();
    learned.set(key, principal);
    // A failed lookup is not remembered: the next refresh asks again.
    principal.catch(() => learned.delete(key));
  }
  return principal;
}

async function readStored(store: PrincipalStore | undefined, key: string) {
  if (!store) return undefined;
  try {
    let value = await store.get(key);
    if (typeof value === "string") value = JSON.parse(value);
    const arn = (value as { ParentPrincipal?: unknown } | undefined)?.ParentPrincipal;
    return typeof arn === "string" && /^arn:[\w-]+:(iam|sts)::\d{12}:\S+$/.test(arn)
      ? arn
      : undefined;
  } catch {
    return undefined;
  }
}
