import { randomBytes, randomInt, timingSafeEqual } from "node:crypto";

const UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function randomString(alphabet: string, length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * A key id in AWS's shape (`AKIA`, `ASIA`, `AROA`, `AIDA` + uppercase base32), generated
 * at runtime so that no key-shaped literal is ever committed.
 */
export function randomKeyId(prefix: string, length = 16): string {
  return prefix + randomString(UPPER_ALNUM, length);
}

/** A 40-character secret access key. */
export function randomSecret(): string {
  return randomString(SECRET_ALPHABET, 40);
}

/** An opaque session token about as long as a real one. */
export function randomSessionToken(): string {
  return randomBytes(300).toString("base64");
}

/** Constant-time string equality (length is not secret). */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Long-term credentials the server accepts, like an IAM user's access key. */
export interface RootCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  /** The principal these keys belong to; default `arn:aws:iam::ACCOUNT:user/sts-local`. */
  arn?: string;
}

/** Who signed a request, as the server resolves it from the access key. */
export type Principal =
  | { kind: "root"; arn: string; accountId: string; userId: string }
  | {
      kind: "session";
      /** `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION` */
      arn: string;
      accountId: string;
      /** `AROA…:SESSION` */
      userId: string;
      roleArn: string;
      sourceIdentity: string | undefined;
    };

/** A stored key: the secret to verify signatures with and who it belongs to. */
export interface StoredKey {
  secretAccessKey: string;
  principal: Principal;
  /** Issued keys only: the token the request must carry, and when the key expires. */
  sessionToken?: string;
  expiresAtMs?: number;
}

/** Every access key the server knows: its root keys and every key it has issued. */
export class CredentialsStore {
  readonly #keys = new Map<string, StoredKey>();

  /** Register long-term keys. */
  addRoot(credentials: RootCredentials, accountId: string): void {
    this.#keys.set(credentials.accessKeyId, {
      secretAccessKey: credentials.secretAccessKey,
      principal: {
        kind: "root",
        arn: credentials.arn ?? `arn:aws:iam::${accountId}:user/sts-local`,
        accountId: accountIdOf(credentials.arn) ?? accountId,
        userId: randomKeyId("AIDA", 17),
      },
    });
  }

  /** Issue a fresh temporary key for `principal`, valid until `expiresAtMs`. */
  issue(principal: Principal, expiresAtMs: number) {
    const accessKeyId = randomKeyId("ASIA");
    const secretAccessKey = randomSecret();
    const sessionToken = randomSessionToken();
    this.#keys.set(accessKeyId, { secretAccessKey, sessionToken, expiresAtMs, principal });
    return { accessKeyId, secretAccessKey, sessionToken };
  }

  /** Forget issued keys (all of them when no id is given); root keys stay. Returns the count. */
  revoke(accessKeyIds?: string | string[]): number {
    const ids =
      accessKeyIds === undefined
        ? [...this.#keys.keys()]
        : Array.isArray(accessKeyIds)
          ? accessKeyIds
          : [accessKeyIds];
    let revoked = 0;
    for (const id of ids) {
      if (this.#keys.get(id)?.sessionToken !== undefined && this.#keys.delete(id)) revoked++;
    }
    return revoked;
  }

  /** Look up a key by id. */
  get(accessKeyId: string): StoredKey | undefined {
    return this.#keys.get(accessKeyId);
  }
}

/** The account id in an ARN (`arn:aws:iam::ACCOUNT:…`), if it has one. */
export function accountIdOf(arn: string | undefined): string | undefined {
  const account = arn?.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}
