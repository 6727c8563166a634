/**
 * `--cache-encryption-key-file PATH`: the key that encrypts Redis entries, read from a file
 * that only its owner (you or root) can change. Whoever can replace the key file can forge
 * entries that this process trusts, so a file others can write is refused, as ssh refuses
 * a private key others can read. Links are followed (secret mounts, such as Kubernetes'
 * are links), and the opened file itself is checked.
 */
import type { FileHandle } from "node:fs/promises";
import { open } from "node:fs/promises";
import { UsageError } from "./errors/exit-codes.js";

const FLAG = "--cache-encryption-key-file";
/** A key is 44 base64 or 64 hex characters; with a newline and comments, far below this. */
const MAX_KEY_FILE_BYTES = 4096;

/** The key in `path`, trimmed. Throws a UsageError (never quoting the file) when unusable. */
export async function readKeyFile(path: string): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new UsageError(
      `${FLAG}: cannot read ${path} (${(error as { code?: string }).code ?? "error"})`,
    );
  }
  try {
    const info = await handle.stat();
    const me = process.geteuid?.();
    if (!info.isFile()) throw new UsageError(`${FLAG}: ${path} is not a regular file`);
    if (me !== undefined && info.uid !== me && info.uid !== 0) {
      throw new UsageError(`${FLAG}: ${path} is owned by uid ${info.uid}, not by you or root`);
    }
    if (me !== undefined && (info.mode & 0o022) !== 0) {
      throw new UsageError(
        `${FLAG}: ${path} is writable by others (mode 0${(info.mode & 0o777).toString(8)}); chmod go-w it`,
      );
    }
    if (info.size > MAX_KEY_FILE_BYTES)
      throw new UsageError(`${FLAG}: ${path} is too large for a key`);
    const key = (await handle.readFile("utf8")).trim();
    if (!key) throw new UsageError(`${FLAG}: ${path} is empty`);
    return key;
  } finally {
    await handle.close();
  }
}
