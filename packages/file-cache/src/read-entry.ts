/**
 * Reading one entry file without trusting what is at its path. The file is opened without
 * following a link and without blocking, and read only if it is a regular file of
 * plausible size: a FIFO (whose open or read would wait for a writer for ever), a device
 * or a huge file at an entry path is a miss, never a hang.
 */
import { constants } from "node:fs";
import { open } from "node:fs/promises";

/** An entry is a few KB; anything bigger is not one. */
export const MAX_ENTRY_BYTES = 64 * 1024;

// O_NOFOLLOW and O_NONBLOCK do not exist on Windows, where FIFOs and symlinks differ anyway.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0);

/**
 * The text of the regular file at `path`, or undefined when something else is there or
 * it is too big. Errors from the file system (ENOENT, EACCES, ELOOP for a link, …) are
 * thrown for the caller to judge.
 */
export async function readEntryFile(path: string): Promise<string | undefined> {
  const handle = await open(path, OPEN_FLAGS);
  try {
    const info = await handle.stat();
    if (!info.isFile() || info.size > MAX_ENTRY_BYTES) return undefined;
    // Read to the end, whatever stat said (the file may be replaced, never rewritten in
    // place by us, but a foreign writer could append), and stop past the limit.
    const buffer = Buffer.alloc(MAX_ENTRY_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, null);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > MAX_ENTRY_BYTES) return undefined;
    }
    return buffer.subarray(0, length).toString("utf8");
  } finally {
    await handle.close();
  }
}
