/**
 * Who may have written a cache directory and its entries, checked the way OpenSSH checks
 * `~/.ssh/authorized_keys` (StrictModes): a file and every directory above it must be owned
 * by this user or by root, and writable by nobody else. Whoever can write the directory can
 * plant an entry (choosing the credentials this user's processes run with), swap the
 * directory for one they own (and read every entry written afterwards), or replace an entry
 * with a link; so a cache that fails the check is neither read nor written.
 *
 * - Owner: this process's effective uid, or root (root can replace anything anyway). Root
 *   itself trusts only root-owned files: a root process pointed at a user's directory (sudo
 *   keeping HOME) must not run with credentials that user planted.
 * - Mode: no write bit for group or others on the cache directory and on entries. Above the
 *   cache directory, a world-writable directory is accepted only with the sticky bit (like
 *   `/tmp`): there, others cannot rename or remove what is ours.
 * - Paths with links are checked twice: each directory of the path as written (following
 *   links, for the targets) and of its resolved form (for the directories links live in).
 *
 * Unlike Debian's OpenSSH, a group-writable directory is refused even when the group is the
 * user's private group: Node cannot list a group's members. On Windows (no uid, no mode
 * bits) nothing is checked.
 */
import type { Stats } from "node:fs";
import { lstat, realpath, stat } from "node:fs/promises";
import { dirname } from "node:path";

/** Why a file or directory of the cache was refused. */
export type UntrustedCacheFileCode =
  /** The cache directory, or one above it, can be written by another user. */
  | "ERR_CACHE_DIR_UNTRUSTED"
  /** The entry is owned by another user, or others can write it. */
  | "ERR_CACHE_ENTRY_UNTRUSTED"
  /** The entry is a symbolic link, a FIFO, a device, a socket or a directory. */
  | "ERR_CACHE_ENTRY_NOT_REGULAR"
  /** The entry is larger than any credential document. */
  | "ERR_CACHE_ENTRY_TOO_LARGE";

/**
 * A cache file or directory that another user could have written, or that is not a plain
 * file. Thrown (rejected) by {@link JSONFileCache} methods: the core reports it as a
 * `cache-error` event, with this `code`, and gets credentials from STS instead.
 */
export class UntrustedCacheFileError extends Error {
  override readonly name = "UntrustedCacheFileError";
  /** What was wrong; kept in the core's `cache-error` event. */
  readonly code: UntrustedCacheFileCode;
  /** The file or directory that was refused. */
  readonly path: string;

  constructor(code: UntrustedCacheFileCode, path: string, message: string) {
    super(message);
    this.code = code;
    this.path = path;
  }
}

const euid = (): number | undefined => process.geteuid?.();

/** Whether a file owned by `uid` may be trusted: ours, or root's. */
export function trustedOwner(uid: number): boolean {
  const me = euid();
  return me === undefined || uid === me || uid === 0;
}

const octal = (mode: number) => `0${(mode & 0o7777).toString(8)}`;
const GROUP_OR_OTHER_WRITE = 0o022;
const STICKY = 0o1000;

/** What is wrong with a directory's owner or mode (and the fix), or undefined when trusted. */
function directoryProblem(
  info: Stats,
  path: string,
  isCacheDir: boolean,
): { problem: string; fix: string } | undefined {
  if (!info.isDirectory()) return { problem: "is not a directory", fix: "use a directory" };
  if (!trustedOwner(info.uid)) {
    return {
      problem: `is owned by uid ${info.uid}, not by this user (uid ${euid()}) or root`,
      fix: "use a directory of your own",
    };
  }
  const othersWrite = (info.mode & GROUP_OR_OTHER_WRITE) !== 0;
  // Sticky (like /tmp): others may add names but not rename or remove ours. That is enough
  // above the cache directory, not for it: there, a planted name would be an entry.
  if (othersWrite && (isCacheDir || (info.mode & STICKY) === 0)) {
    return {
      problem: `is writable by others (mode ${octal(info.mode)})`,
      fix: `chmod go-w ${path}`,
    };
  }
  return undefined;
}

/** The path and every directory above it, up to the root. */
function lineage(path: string): string[] {
  const paths = [path];
  for (let p = dirname(path); p !== paths.at(-1); p = dirname(p)) paths.push(p);
  return paths;
}

/**
 * Throw {@link UntrustedCacheFileError} unless `dir` (absolute) and every directory above it
 * are trusted. Rejects with the file system's error (ENOENT, ENOTDIR, …) when `dir` cannot
 * be resolved: the caller decides what a missing directory means.
 */
export async function assertTrustedDirectory(dir: string): Promise<void> {
  if (euid() === undefined) return;
  const recent = verified.get(dir);
  if (recent && performance.now() - recent.at < VERIFIED_FOR_MS) {
    const info = await stat(dir);
    if (sameDirectory(info, recent.info)) return;
  }
  const resolved = await realpath(dir);
  const real = lineage(resolved);
  const written = lineage(dir);
  // lstat along the resolved path (the directories links live in), stat along the written
  // one (the directories links point to).
  const infos = await Promise.all([...real.map((p) => lstat(p)), ...written.map((p) => stat(p))]);
  for (const [i, path] of [...real, ...written].entries()) {
    const isCacheDir = path === dir || path === resolved;
    const found = directoryProblem(infos[i] as Stats, path, isCacheDir);
    if (!found) continue;
    verified.delete(dir);
    throw new UntrustedCacheFileError(
      "ERR_CACHE_DIR_UNTRUSTED",
      path,
      `Cache directory ${dir} is not used: ${isCacheDir ? "it" : path} ${found.problem}; ` +
        `another user could plant credentials there or read the ones written (fix: ${found.fix})`,
    );
  }
  verified.set(dir, { at: performance.now(), info: infos[real.length] as Stats });
}

/**
 * Directories this process verified in the last second, and what they were then. A crowd of
 * waiters checks its directory four times a round (the entry, the failure record, the lock,
 * again after the notice), each a realpath and a stat of every directory up to the root: a
 * directory verified within {@link VERIFIED_FOR_MS} and still the same (device, inode,
 * owner, mode: a stat) is not walked again. Only its owner or root can change a verified
 * lineage; a change of the directory itself is seen at once, one above it within a second.
 */
const verified = new Map<string, { at: number; info: Stats }>();
const VERIFIED_FOR_MS = 1000;

const sameDirectory = (a: Stats, b: Stats) =>
  a.dev === b.dev && a.ino === b.ino && a.uid === b.uid && a.mode === b.mode;

/** Throw {@link UntrustedCacheFileError} unless a lock directory is trusted like the cache's. */
export function assertTrustedLockDirectory(lockDir: string, info: Stats): void {
  const found = euid() === undefined ? undefined : directoryProblem(info, lockDir, true);
  if (found) {
    throw new UntrustedCacheFileError(
      "ERR_CACHE_DIR_UNTRUSTED",
      lockDir,
      `Lock directory ${lockDir} is not used: it ${found.problem} (fix: ${found.fix})`,
    );
  }
}

/** Throw {@link UntrustedCacheFileError} unless an opened entry (its fstat) is trusted. */
export function assertTrustedEntry(path: string, info: Stats): void {
  if (euid() === undefined) return;
  let problem: string | undefined;
  if (!trustedOwner(info.uid)) {
    problem = `is owned by uid ${info.uid}, not by this user (uid ${euid()}) or root`;
  } else if ((info.mode & GROUP_OR_OTHER_WRITE) !== 0) {
    problem = `is writable by others (mode ${octal(info.mode)})`;
  }
  if (problem) {
    throw new UntrustedCacheFileError(
      "ERR_CACHE_ENTRY_UNTRUSTED",
      path,
      `Cache entry ${path} is not used: it ${problem}. The next write replaces it`,
    );
  }
}
