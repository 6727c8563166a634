/**
 * Checking what a caller passes to KeyvCache: mistakes are a clear error at construction
 * (an AssumeRoleValidationError naming the field), never a silent downgrade such as an
 * empty key that turns encryption off or a missing URL that connects to localhost.
 *
 * Key layout: an entry is stored under `<namespace>:<key>` and its lock under
 * `<namespace>:lock:<key>`. A namespace has no `:` and a key has no `:`, so the first `:`
 * ends the namespace and an entry key has exactly one `:` where a lock key has two: no
 * namespace or key can produce another's entry or lock key (`billing:lock` as a namespace
 * could, and is refused).
 */
import { AssumeRoleValidationError } from "@assume-role-lib/core/errors";
import { type EncryptionKeyInput, EntryCipher } from "./encryption.js";

const NAMESPACE = /^[A-Za-z0-9._-]{1,128}$/;
// Printable ASCII except the space and the `:` separator; core's keys are 40 hex digits.
const KEY = /^[\x21-\x39\x3b-\x7e]{1,256}$/;

const invalid = (field: string, message: string) =>
  new AssumeRoleValidationError(undefined, [{ field, message }]);

/** Thrown (rejected) for a key that cannot be used in this cache's key layout. */
export class InvalidCacheKeyError extends TypeError {
  override readonly name = "InvalidCacheKeyError";

  constructor(key: unknown) {
    const shown = typeof key === "string" ? JSON.stringify(key.slice(0, 60)) : typeof key;
    super(
      `Invalid cache key ${shown}: a key must be 1-256 printable ASCII characters, ` +
        "without spaces or ':' (the separator of namespace, kind and key)",
    );
  }
}

/** Throw {@link InvalidCacheKeyError} unless `key` fits the key layout. */
export function assertCacheKey(key: unknown): asserts key is string {
  if (typeof key !== "string" || !KEY.test(key)) throw new InvalidCacheKeyError(key);
}

/** The namespace to use: the default, or a checked one. */
export function checkNamespace(namespace: unknown): string {
  if (namespace === undefined) return "assume-role-lib";
  if (typeof namespace !== "string" || !NAMESPACE.test(namespace)) {
    throw invalid(
      "namespace",
      "must be 1-128 characters of A-Z a-z 0-9 . _ - (no ':': it separates the namespace " +
        "from the rest of each key, so that no namespace can produce another's lock keys)",
    );
  }
  return namespace;
}

/**
 * Whether entries are to be encrypted. Throws when the option is present but empty
 * (`""`, null, undefined, 0, false): an unset environment variable passed straight through
 * must not store credentials in clear. Omit the option for clear text.
 */
export function wantsEncryption(options: { encryptionKey?: unknown }): boolean {
  if (!("encryptionKey" in options)) return false;
  if (!options.encryptionKey) {
    throw invalid(
      "encryptionKey",
      `is ${JSON.stringify(options.encryptionKey) ?? "undefined"}: give a 32-byte key, or ` +
        "leave the option out to store entries in clear",
    );
  }
  return true;
}

/** The URL list of `KeyvCache.redis`, checked: redis:// or rediss://, a database number. */
export function checkRedisUrls(url: unknown, cluster: boolean | undefined): string[] {
  const urls = Array.isArray(url) ? (url as unknown[]) : [url];
  if (urls.length === 0) throw invalid("url", "needs at least one Redis URL");
  if (urls.length > 1 && !cluster) {
    throw invalid("url", "several Redis URLs are only accepted with cluster: true");
  }
  return urls.map((u, i) => {
    const field = Array.isArray(url) ? `url[${i}]` : "url";
    if (typeof u !== "string" || u.trim() === "") {
      throw invalid(
        field,
        `must be a redis:// or rediss:// URL (got ${typeof u === "string" ? "an empty string" : typeof u})`,
      );
    }
    let parsed: URL;
    try {
      parsed = new URL(u);
    } catch {
      // The URL is not quoted: it may hold a password.
      throw invalid(field, "is not a valid URL (redis://[user:password@]host[:port][/db])");
    }
    if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
      throw invalid(field, `has the scheme ${parsed.protocol}; use redis:// or rediss://`);
    }
    if (!parsed.hostname) throw invalid(field, "has no host");
    if (!/^\/?(\d{1,5})?$/.test(parsed.pathname)) {
      throw invalid(field, "has a path that is not a database number (/0, /1, …)");
    }
    return u;
  });
}

/** Check everything `KeyvCache.redis` is given, before it connects; the URL list. */
export function checkRedisArguments(
  url: unknown,
  options: { cluster?: boolean; namespace?: unknown; encryptionKey?: unknown },
): string[] {
  const urls = checkRedisUrls(url, options.cluster);
  checkNamespace(options.namespace);
  if (wantsEncryption(options)) new EntryCipher(options.encryptionKey as EncryptionKeyInput);
  return urls;
}
