/**
 * JSONFileCache: assumed-role credentials in a directory of JSON files, shared by every
 * process on the host, and with the AWS CLI and boto3 when pointed at their directory.
 */
import { constants } from "node:fs";
import { access, lstat, mkdir, unlink } from "node:fs/promises";
import {
  type CacheEntry,
  type CredentialCache,
  formatExpiration,
  type LockOptions,
  type ReleaseLock,
} from "@assume-role-lib/core/cache";
import { writeFileAtomic } from "./atomic-write.js";
import { checkCacheArguments, type JSONFileCacheOptions } from "./cache-options.js";
import { DirectoryWatch } from "./change-watch.js";
import { FileLocks } from "./file-lock.js";
import { entryPath, expandHome, lockPath } from "./paths.js";
import { readEntryFile } from "./read-entry.js";
import { removeStaleTempFiles } from "./temp-sweep.js";
import { assertTrustedDirectory, assertTrustedEntry } from "./trust.js";

/** Larger than any credential document (botocore's are 1-4 KB), small enough to read whole. */
const MAX_ENTRY_BYTES = 64 * 1024;
/** How often a long-lived cache looks for abandoned temp files (on a write). */
const SWEEP_EVERY_MS = 10 * 60_000;

const codeOf = (e: unknown) => (e as { code?: unknown } | undefined)?.code;

function warnCompromised(key: string, error: Error): void {
  process.emitWarning(`Lock of cache entry ${key} was taken over: ${error.message}`, {
    code: "ASSUME_ROLE_LIB_LOCK_COMPROMISED",
  });
}

/**
 * A credential cache of `<key>.json` files in one directory, the layout of botocore's
 * JSONFileCache: entries written by the AWS CLI or boto3 are read, and ours are readable by
 * them. Writes are atomic (temp file, fsync, rename); `lock()` is a cross-process lock
 * (a generation lock that breaks a dead holder's lock atomically), so processes on one
 * host make one STS call per refresh.
 *
 * The directory is trusted only if no other user can write it (see docs/security.md): a
 * directory or entry that another user owns or can write, a link, a FIFO or a device at an
 * entry path, makes the method reject with an {@link UntrustedCacheFileError} (the core
 * reports it as a `cache-error` event with its `code`, and calls STS). Nothing is read
 * from or written to an untrusted directory.
 *
 * `get` returns the file's text (the core parses it); a missing or unreadable file is a
 * miss and is replaced by the next write. A directory that cannot be used at all (a file in
 * its place, an I/O error) makes methods reject too.
 *
 * @example
 * const cache = new JSONFileCache(AWS_CLI_CACHE_DIR);
 * const role = assumeRole(Session.default(), roleArn, { cache });
 */
export class JSONFileCache implements CredentialCache {
  /** The absolute cache directory (`~` expanded). */
  readonly dir: string;
  readonly #fileMode: number;
  readonly #dirMode: number;
  readonly #locks: FileLocks;
  readonly #watch: DirectoryWatch;
  #lastSweep = Number.NEGATIVE_INFINITY;

  /**
   * @param dir The cache directory; a leading `~` (or `~<your user name>`) is the home
   *   directory. Created on first write. An empty or missing `dir`, `~<another user>` and
   *   bad options throw an AssumeRoleValidationError naming the field.
   */
  constructor(dir: string, options: JSONFileCacheOptions = {}) {
    checkCacheArguments(dir, options);
    this.dir = expandHome(dir);
    this.#fileMode = options.fileMode ?? 0o600;
    this.#dirMode = options.dirMode ?? 0o700;
    this.#watch = new DirectoryWatch(this.dir);
    this.#locks = new FileLocks({
      pollMinMs: options.lockPollMinMs ?? 20,
      pollMaxMs: options.lockPollMaxMs ?? 100,
      onCompromised: options.onLockCompromised ?? warnCompromised,
    });
  }

  /** The file that holds `key`'s entry. Throws InvalidCacheKeyError for an unsafe key. */
  pathFor(key: string): string {
    return entryPath(this.dir, key);
  }

  /** The entry file's text, or undefined when there is no readable file. */
  async get(key: string): Promise<string | undefined> {
    const file = entryPath(this.dir, key);
    if (!(await this.#verifyExistingDir())) return undefined;
    try {
      const text = await readEntryFile(file, {
        maxBytes: MAX_ENTRY_BYTES,
        verify: (info) => assertTrustedEntry(file, info),
      });
      // Editors on some platforms add a byte order mark; JSON.parse rejects it.
      return text?.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    } catch (error) {
      const code = codeOf(error);
      // An entry we may not read (root's, written by `sudo aws …`) is a miss: the next
      // write replaces it (rename needs rights on the directory, not on the old file).
      // The same codes on the directory itself mean the cache is unusable: the caller must hear.
      if ((code === "EACCES" || code === "EPERM") && (await this.#dirUsable())) return undefined;
      throw error;
    }
  }

  /** Write `key`'s entry atomically (mode 0600), creating the directory if needed. */
  async set(key: string, entry: CacheEntry): Promise<void> {
    const file = entryPath(this.dir, key);
    // botocore serializes datetimes as ISO-8601 too; a Date from a caller is written as `Z`.
    const text = JSON.stringify(entry, function (this: Record<string, unknown>, k, value) {
      const raw = this[k];
      return raw instanceof Date ? formatExpiration(raw) : value;
    });
    await this.#prepareDir();
    try {
      await writeFileAtomic(file, text, this.#fileMode);
    } catch (error) {
      if (codeOf(error) !== "ENOENT") throw error;
      // Someone removed the directory (`rm -rf ~/.aws/cli/cache`) since we created it.
      await this.#prepareDir();
      await writeFileAtomic(file, text, this.#fileMode);
    }
    // After the write: processes waiting for this entry get it first.
    await this.#sweepNowAndThen();
  }

  /** Whether a regular entry file exists for `key` (valid or not; links do not count). */
  async has(key: string): Promise<boolean> {
    const file = entryPath(this.dir, key);
    if (!(await this.#verifyExistingDir())) return false;
    try {
      return (await lstat(file)).isFile();
    } catch (error) {
      if (codeOf(error) === "ENOENT") return false;
      throw error;
    }
  }

  /** Remove `key`'s entry; false when there was none. */
  async delete(key: string): Promise<boolean> {
    const file = entryPath(this.dir, key);
    if (!(await this.#verifyExistingDir())) return false;
    try {
      await unlink(file);
      return true;
    } catch (error) {
      if (codeOf(error) === "ENOENT") return false;
      throw error;
    }
  }

  /**
   * Cross-process single-flight: resolves a release function once this process holds the
   * lock of `key`, or undefined after `waitMs`. A holder that dies (even by SIGKILL) blocks
   * others for at most max(ttlMs, 2 s); a live holder keeps it for at most `ttlMs`.
   * Releasing is idempotent.
   */
  async lock(key: string, options: LockOptions): Promise<ReleaseLock | undefined> {
    // async: an invalid key rejects (the interface's error channel) rather than throwing.
    return this.#locks.acquire(
      {
        key,
        lockDir: lockPath(this.dir, key),
        prepare: () => this.#prepareDir(),
      },
      options,
    );
  }

  /**
   * Resolves when `<key>.json` or its failure record changes in the directory (another
   * process wrote it), or after `timeoutMs`: a process waiting for another's refresh reads
   * the entry as soon as it is renamed into place (see change-watch.ts). The watch is open
   * when this returns; `signal` ends the wait early. What the waiter then reads goes through
   * every check, as any read does.
   */
  waitForChange(key: string, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return this.#watch.wait(key, timeoutMs, signal);
  }

  /**
   * Remove the temp files that writers killed between writing and renaming left behind
   * (each holds a full set of credentials): those of a dead process, older than a minute,
   * and any older than 12 hours. Resolves how many were removed. `set` does this on its
   * first call and then every 10 minutes; a temp file a live writer is about to rename is
   * never removed.
   */
  async removeStaleTempFiles(): Promise<number> {
    await assertTrustedDirectory(this.dir);
    return removeStaleTempFiles(this.dir);
  }

  /** True when the directory exists and is trusted; false when it does not exist. */
  async #verifyExistingDir(): Promise<boolean> {
    try {
      await assertTrustedDirectory(this.dir);
      return true;
    } catch (error) {
      if (codeOf(error) === "ENOENT") return false;
      throw error;
    }
  }

  async #prepareDir(): Promise<void> {
    // It exists after the first write: checked (one stat, see trust.ts) before any mkdir.
    if (await this.#verifyExistingDir()) return;
    // recursive: no error if it exists, and no check-then-create race between processes.
    // An existing directory keeps its mode (the user chose it), if it is trusted.
    await mkdir(this.dir, { recursive: true, mode: this.#dirMode });
    await assertTrustedDirectory(this.dir);
  }

  async #sweepNowAndThen(): Promise<void> {
    const now = Date.now();
    if (now - this.#lastSweep < SWEEP_EVERY_MS) return;
    this.#lastSweep = now;
    await removeStaleTempFiles(this.dir, now).catch(() => 0);
  }

  async #dirUsable(): Promise<boolean> {
    try {
      await access(this.dir, constants.R_OK | constants.W_OK | constants.X_OK);
      return true;
    } catch {
      return false;
    }
  }
}
