/**
 * Removing the temp files of writers that died: atomic-write.ts writes each entry to
 * `<key>.json.<pid>.<random>.tmp` and renames it, so a writer killed in between (SIGKILL,
 * OOM, power loss) leaves a temp file holding a full set of credentials. Nothing else ever
 * removes it.
 *
 * A temp file is removed only when it cannot belong to a live writer:
 * - its writer's pid is not a live process on this host, and it is older than 60 s (a write
 *   takes milliseconds; the age covers another pid namespace, a container sharing the
 *   directory, where the same pid may be alive); or
 * - it is older than 12 hours, the longest credential lifetime: whatever it holds has
 *   expired, so a writer that still renamed it would only publish expired credentials (its
 *   rename fails instead, which it reports as a cache error).
 *
 * Only this user's own regular files that match the temp name exactly are considered, and
 * they are never followed: lstat, then unlink (which removes a link, not its target).
 */
import { lstat, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { TEMP_FILE_NAME } from "./paths.js";

/** When temp files count as abandoned (ms); see the module comment. */
export const DEAD_WRITER_AGE_MS = 60_000;
/** Older than the longest credential lifetime: abandoned whoever wrote it. */
export const ABANDONED_AGE_MS = 12 * 3600_000;

/** Whether `pid` is a live process here (EPERM: alive, owned by someone else). */
function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code !== "ESRCH";
  }
}

/** Remove abandoned temp files from `dir`; resolves how many were removed. Best effort. */
export async function removeStaleTempFiles(dir: string, now = Date.now()): Promise<number> {
  const me = process.geteuid?.();
  let removed = 0;
  for (const name of await readdir(dir)) {
    const match = TEMP_FILE_NAME.exec(name);
    if (!match) continue;
    const path = join(dir, name);
    try {
      const info = await lstat(path);
      if (!info.isFile() || (me !== undefined && info.uid !== me)) continue;
      const age = now - info.mtimeMs;
      const abandoned =
        age > ABANDONED_AGE_MS || (age > DEAD_WRITER_AGE_MS && !isAlive(Number(match[1])));
      if (!abandoned) continue;
      await unlink(path);
      removed++;
    } catch {
      // Gone already (another process swept it, or its writer renamed it): nothing to do.
    }
  }
  return removed;
}
