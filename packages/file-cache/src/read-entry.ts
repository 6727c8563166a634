/**
 * Reading an entry file as untrusted input: only a regular file, never through a link,
 * never blocking, never more than a credential document can be.
 *
 * - O_NOFOLLOW: a link at the entry path (to another user's file, to /dev/zero, to an entry
 *   of another role) fails to open instead of being followed.
 * - O_NONBLOCK: opening a FIFO with no writer returns at once (a plain open would wait for
 *   a writer for ever); the fstat below then refuses it. Devices are refused the same way.
 * - fstat on the opened handle, not stat on the path: what is checked is what is read, even
 *   if the path is replaced in between.
 */
import type { Stats } from "node:fs";
import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { UntrustedCacheFileError } from "./trust.js";

// Not on every platform (Windows has neither): there, links and FIFOs are not refused.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const READ_FLAGS = constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK;

/** Options of {@link readEntryFile}. */
export interface ReadEntryOptions {
  /** Refuse files larger than this many bytes (ERR_CACHE_ENTRY_TOO_LARGE). */
  maxBytes: number;
  /** More checks on the opened file's fstat (owner, mode); throw to refuse it. */
  verify?: (info: Stats) => void;
}

const codeOf = (e: unknown) => (e as { code?: unknown } | undefined)?.code;

function kindOf(info: Stats): string {
  if (info.isDirectory()) return "a directory";
  if (info.isFIFO()) return "a FIFO";
  if (info.isCharacterDevice() || info.isBlockDevice()) return "a device";
  if (info.isSocket()) return "a socket";
  return "not a regular file";
}

const notRegular = (path: string, what: string) =>
  new UntrustedCacheFileError(
    "ERR_CACHE_ENTRY_NOT_REGULAR",
    path,
    `Cache entry ${path} is not used: it is ${what}`,
  );

const tooLarge = (path: string, maxBytes: number) =>
  new UntrustedCacheFileError(
    "ERR_CACHE_ENTRY_TOO_LARGE",
    path,
    `Cache entry ${path} is not used: it is larger than ${maxBytes} bytes`,
  );

/**
 * The text of the regular file at `path`, or undefined when there is none (ENOENT). Rejects
 * with {@link UntrustedCacheFileError} for a link, FIFO, device, socket or directory at the
 * path, or a file over `maxBytes`; with the file system's error otherwise (EACCES, …).
 */
export async function readEntryFile(
  path: string,
  { maxBytes, verify }: ReadEntryOptions,
): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, READ_FLAGS);
  } catch (error) {
    const code = codeOf(error);
    if (code === "ENOENT") return undefined;
    // ELOOP (Linux, macOS) and EMLINK (FreeBSD): the last component is a link.
    if (code === "ELOOP" || code === "EMLINK") throw notRegular(path, "a symbolic link");
    if (code === "ENXIO") throw notRegular(path, "a socket");
    throw error;
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw notRegular(path, kindOf(info));
    if (info.size > maxBytes) throw tooLarge(path, maxBytes);
    verify?.(info);
    // Read at most maxBytes + 1: a file that grew since the fstat is still bounded.
    const buffer = Buffer.alloc(maxBytes + 1);
    let length = 0;
    while (length < buffer.length) {
      const wanted = buffer.length - length;
      const { bytesRead } = await handle.read(buffer, length, wanted, null);
      length += bytesRead;
      // A short read of a regular file is its end: no second read to hear so, once we have
      // at least what the fstat said it holds.
      if (bytesRead === 0 || (bytesRead < wanted && length >= info.size)) break;
    }
    if (length > maxBytes) throw tooLarge(path, maxBytes);
    return buffer.toString("utf8", 0, length);
  } finally {
    await handle.close();
  }
}
