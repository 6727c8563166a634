/**
 * The bearer token of the credentials server: 256 random bits, checked in constant time,
 * optionally kept in a 0600 file so that a restarted server keeps its clients working.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { constants } from "node:fs";
import { open } from "node:fs/promises";
import { UsageError } from "../errors/exit-codes.js";

/** Random bytes in a new token: 256 bits. */
const TOKEN_BYTES = 32;
/** The shortest token accepted from a file: 256 bits in base64url. */
const MIN_TOKEN_LENGTH = 43;
/**
 * base64 and base64url characters (hex too): a legal header value that no shell or env
 * file reader quotes, splits or expands.
 */
const TOKEN_CHARACTERS = /^[A-Za-z0-9+/=._-]+$/;

/** A new random token: 32 bytes from the CSPRNG, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString("base64url");
}

/**
 * A check against one token. Both sides are hashed first, so the comparison is on
 * equal-length digests (timingSafeEqual needs that) and takes the same time whatever the
 * length or content of the candidate.
 */
export function tokenChecker(token: string): (candidate: string) => boolean {
  const expected = sha256(token);
  return (candidate) => timingSafeEqual(sha256(candidate), expected);
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}

/**
 * The token kept in `path`: read it when the file exists, else create the file (mode 0600,
 * never following a link) with a new token. An existing file must be a regular file of
 * this user that nobody else can read or write, holding at least 256 bits of token.
 */
export async function tokenFromFile(path: string): Promise<string> {
  try {
    const handle = await open(
      path,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
      0o600,
    );
    const token = newToken();
    try {
      await handle.writeFile(`${token}\n`, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    return token;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  }
  // O_NOFOLLOW, then fstat: the checks are about the very file that is read (a link is ELOOP).
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error) => {
    if ((error as NodeJS.ErrnoException).code === "ELOOP") {
      throw new UsageError(`--token-file ${path}: a symbolic link; give the file itself`);
    }
    throw error;
  });
  let token: string;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new UsageError(`--token-file ${path}: not a regular file`);
    if (typeof process.getuid === "function" && info.uid !== process.getuid()) {
      throw new UsageError(`--token-file ${path}: owned by another user`);
    }
    if ((info.mode & 0o077) !== 0) {
      const mode = (info.mode & 0o777).toString(8);
      throw new UsageError(
        `--token-file ${path}: others may read or write it (mode ${mode}); chmod 600 it`,
      );
    }
    token = (await handle.readFile("utf8")).trim();
  } finally {
    await handle.close();
  }
  if (token.length < MIN_TOKEN_LENGTH || !TOKEN_CHARACTERS.test(token)) {
    // Never echo the content: it is meant to be a secret.
    throw new UsageError(
      `--token-file ${path}: the token must be at least ${MIN_TOKEN_LENGTH} characters of A-Z a-z 0-9 + / = . _ - (256 random bits in base64url); remove the file to have one made`,
    );
  }
  return token;
}
