/**
 * Atomic file replacement: a reader (in this or any other process, including botocore)
 * sees either the old file or the whole new one, never a partial write.
 */
import { type FileHandle, open, rename, rm } from "node:fs/promises";
import { TEMP_SUFFIX } from "./paths.js";

/**
 * Write `data` to `path` atomically: a temp file in the same directory (rename is only
 * atomic within one file system), fsync (so a crash after the rename cannot leave an empty
 * file that the rename made visible), then rename over the target. The temp file is
 * removed if any step fails, so failures (full disk, read-only directory) leave nothing.
 */
export async function writeFileAtomic(path: string, data: string, mode: number): Promise<void> {
  // pid + random: unique across processes and across concurrent writes in one process.
  // node:crypto is loaded here, on a write, not at import: a cache hit never needs it, and
  // loading it is a few milliseconds of every credential_process call.
  const { randomBytes } = await import("node:crypto");
  const temp = `${path}.${process.pid}.${randomBytes(6).toString("hex")}${TEMP_SUFFIX}`;
  let handle: FileHandle | undefined;
  try {
    // "wx": never follow or reuse an existing file; `mode` applies from creation, so the
    // secret is never readable by others, not even briefly.
    handle = await open(temp, "wx", mode);
    await handle.writeFile(data, "utf8");
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => {});
    await rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}
