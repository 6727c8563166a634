/**
 * Encryption of cache entries at rest: AES-256-GCM with a random 96-bit IV per write, the
 * store key bound as additional authenticated data (an entry copied to another key does
 * not decrypt), and a key id so keys can be rotated without a flag day.
 *
 * The key is symmetric: every worker that shares the cache shares the key, and anyone who
 * holds it can read and forge entries. It protects the credentials from whoever can read
 * Redis (its memory, dumps, backups, replicas, MONITOR), not from the workers themselves.
 */
import { AssumeRoleValidationError } from "@assume-role-lib/core/errors";
import { type UnreadableEntry, unreadable } from "./miss-reason.js";
import { nodeCrypto } from "./node-crypto.js";

/** A 256-bit key: 32 bytes, or a string of them in hex (64 digits) or base64. */
export type EncryptionKey = Uint8Array | string;

/**
 * One key (its id is `"default"`), or a key ring for rotation: entries are written with
 * `keys[current]` and read with whichever key their `kid` names.
 */
export type EncryptionKeyInput = EncryptionKey | KeyRing;

/** Several keys by id; `current` is the one new entries are encrypted with. */
export interface KeyRing {
  current: string;
  keys: Record<string, EncryptionKey>;
}

/** What an encrypted entry looks like in the store (all binary fields base64). */
export interface EncryptedEnvelope {
  v: 1;
  alg: "A256GCM";
  kid: string;
  iv: string;
  tag: string;
  data: string;
}

/** The id of a key given on its own rather than in a key ring. */
export const DEFAULT_KEY_ID = "default";

const ALGORITHM = "aes-256-gcm";
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Decode a key. Throws an AssumeRoleValidationError naming `label` (it never quotes the
 * key) unless it is exactly 32 bytes, given as bytes, 64 hex digits, or base64 / base64url.
 */
export function decodeEncryptionKey(key: EncryptionKey, label = "encryptionKey"): Buffer {
  let bytes: Buffer | undefined;
  if (typeof key === "string") {
    const text = key.trim();
    if (/^[0-9a-fA-F]{64}$/.test(text)) bytes = Buffer.from(text, "hex");
    else if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(text)) bytes = Buffer.from(text, "base64");
  } else if (key instanceof Uint8Array) {
    bytes = Buffer.from(key);
  }
  if (bytes?.length !== 32) {
    throw new AssumeRoleValidationError(undefined, [
      {
        field: label,
        message: "must be 32 bytes: a Buffer, 64 hex digits or 44 base64 characters",
      },
    ]);
  }
  return bytes;
}

function isKeyRing(input: EncryptionKeyInput): input is KeyRing {
  return (
    typeof input === "object" &&
    input !== null &&
    !(input instanceof Uint8Array) &&
    "keys" in input &&
    "current" in input
  );
}

/** Encrypts and decrypts entries with one key or a key ring. */
export class EntryCipher {
  readonly #keys = new Map<string, Buffer>();
  readonly #current: string;

  constructor(input: EncryptionKeyInput) {
    if (isKeyRing(input)) {
      for (const [kid, key] of Object.entries(input.keys)) {
        this.#keys.set(kid, decodeEncryptionKey(key, `encryptionKey.keys[${JSON.stringify(kid)}]`));
      }
      this.#current = input.current;
      if (!this.#keys.has(this.#current)) {
        throw new AssumeRoleValidationError(undefined, [
          { field: "encryptionKey.current", message: "must name one of encryptionKey.keys" },
        ]);
      }
    } else {
      this.#keys.set(DEFAULT_KEY_ID, decodeEncryptionKey(input));
      this.#current = DEFAULT_KEY_ID;
    }
  }

  /** The id of the key new entries are encrypted with. */
  get currentKeyId(): string {
    return this.#current;
  }

  /** Encrypt `plaintext`, binding `context` (the store key) as additional data. */
  seal(plaintext: string, context: string): EncryptedEnvelope {
    const kid = this.#current;
    const { createCipheriv, randomBytes } = nodeCrypto();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#keys.get(kid) as Buffer, iv, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(aad(kid, context));
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return {
      v: 1,
      alg: "A256GCM",
      kid,
      iv: iv.toString("base64"),
      tag: cipher.getAuthTag().toString("base64"),
      data: data.toString("base64"),
    };
  }

  /**
   * Decrypt what the store holds for `context`. Anything that is not an envelope this key
   * ring can authenticate (plaintext, another key, an unknown kid, a tampered or moved
   * entry) is undefined: a miss, never an exception. {@link EntryCipher.unseal} says why.
   */
  open(value: unknown, context: string): string | undefined {
    const opened = this.unseal(value, context);
    return typeof opened === "string" ? opened : undefined;
  }

  /**
   * Like {@link EntryCipher.open}, but what cannot be used is an {@link UnreadableEntry}
   * saying why: `tampered` when authentication fails, `undecryptable` for an unknown key
   * id, a malformed envelope or a value that is not encrypted.
   */
  unseal(value: unknown, context: string): string | UnreadableEntry {
    const envelope = asEnvelope(value);
    if (!envelope) return unreadable("undecryptable", "not an encrypted entry");
    const key = this.#keys.get(envelope.kid);
    if (!key)
      return unreadable("undecryptable", "encrypted with a key id this cache does not have");
    const iv = Buffer.from(envelope.iv, "base64");
    const tag = Buffer.from(envelope.tag, "base64");
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) {
      return unreadable("undecryptable", "malformed envelope");
    }
    try {
      const decipher = nodeCrypto().createDecipheriv(ALGORITHM, key, iv, {
        authTagLength: TAG_BYTES,
      });
      decipher.setAAD(aad(envelope.kid, context));
      decipher.setAuthTag(tag);
      const data = Buffer.from(envelope.data, "base64");
      return Buffer.concat([decipher.update(data), decipher.final()]).toString("utf8");
    } catch {
      return unreadable("tampered", "failed authentication");
    }
  }

  /** No key material in logs. */
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return `EntryCipher { current: '${this.#current}', keys: ${this.#keys.size} }`;
  }
}

function aad(kid: string, context: string): Buffer {
  return Buffer.from(`assume-role-lib/keyv-cache:v1:${kid}:${context}`, "utf8");
}

/**
 * What `KeyvCache.get` returns for a stored value: the entry (decrypted when there is a
 * cipher), or an {@link UnreadableEntry} when it cannot be used: one that does not
 * authenticate, one this cache has no key for (an envelope where there is no cipher, too).
 */
export function openStoredValue(
  cipher: EntryCipher | undefined,
  value: unknown,
  context: string,
): unknown {
  if (!cipher) {
    return asEnvelope(value)
      ? unreadable("undecryptable", "encrypted, and this cache has no key")
      : value;
  }
  const plaintext = cipher.unseal(value, context);
  if (typeof plaintext !== "string") return plaintext;
  try {
    return JSON.parse(plaintext) as unknown;
  } catch {
    // Authentic but not JSON: the core's parser reports it as invalid.
    return plaintext;
  }
}

function asEnvelope(value: unknown): EncryptedEnvelope | undefined {
  let doc = value;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch {
      return undefined;
    }
  }
  if (typeof doc !== "object" || doc === null) return undefined;
  const e = doc as Record<string, unknown>;
  if (e.v !== 1 || e.alg !== "A256GCM") return undefined;
  for (const field of ["kid", "iv", "tag", "data"]) {
    if (typeof e[field] !== "string") return undefined;
  }
  return e as unknown as EncryptedEnvelope;
}
