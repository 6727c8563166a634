/**
 * JSONFileCache: assumed-role credentials in a directory of JSON files, shared by every
 * process on the host, and with the AWS CLI and boto3 when pointed at their directory.
 */
import { constants } from "node:fs";
import { access, mkdir, stat, unlink } from "node:fs/promises";
import {
  type CacheEntry,
  type CredentialCache,
  formatExpiration,
  type LockOptions,
  type ReleaseLock,
} from "@assume-role-lib/core/cache";
import { writeFileAtomic } from "./atomic-write.js";
import { FileLocks } from "./file-lock.js";
import { entryPath, expandHome, lockPath } from "./paths.js";
import { readEntryFile } from "./read-entry.js";

/** Options of {@link JSONFileCache}. */
export interface JSONFileCacheOptions {
  /** Mode of entry files. Default `0o600`: they hold secrets. */
  fileMode?: number;
  /** Mode of the cache directory when this cache creates it. Default `0o700`. */
  dirMode?: number;
  /** First poll interval while another process holds a lock. Default 20 ms. */
  lockPollMinMs?: number;
  /** Longest poll interval while another process holds a lock. Default 100 ms. */
  lockPollMaxMs?: number;
  /**
   * Called when another process broke a lock this process still held (it looked stale:
   * this process was suspended or its event loop blocked for longer than the stale time).
   * The only consequence is a possible duplicate STS call. Default: a process warning.
   */
  onLockCompromised?: (key: string, error: Error) => void;
}

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
 * (proper-lockfile), so processes on one host make one STS call per refresh.
 *
 * `get` returns the file's text (the core parses it); a missing, unreadable, corrupt or
 * foreign file is a miss and is replaced by the next write. A directory that cannot be used
 * at all (a file in its place, an I/O error) makes methods throw: the core reports that as a
 * `cache-error` event and calls STS.
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

  /** @param dir The cache directory; a leading `~` is the home directory. Created on first write. */
  constructor(dir: string, options: JSONFileCacheOptions = {}) {
    this.dir = expandHome(dir);
    this.#fileMode = options.fileMode ?? 0o600;
    this.#dirMode = options.dirMode ?? 0o700;
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

  /**
   * The entry file's text, or undefined when there is no readable regular file: a link, a
   * FIFO, a device or an oversized file at the entry path is a miss (see read-entry.ts).
   */
  async get(key: string): Promise<string | undefined> {
    const file = entryPath(this.dir, key);
    try {
      const text = await readEntryFile(file);
      // Editors on some platforms add a byte order mark; JSON.parse rejects it.
      return text?.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    } catch (error) {
      const code = codeOf(error);
      if (code === "ENOENT") return undefined;
      // An unreadable entry is a miss. One that is not ours is replaced by the next write
      // (rename needs rights on the directory, not on the old file); a directory in its
      // place is not (rename fails with EISDIR, reported as a cache error on each write).
      // The same codes on the directory itself mean the cache is unusable: the caller must hear.
      if (code === "EACCES" || code === "EPERM" || code === "EISDIR" || code === "ELOOP") {
        if (await this.#dirUsable()) return undefined;
      }
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
    await this.#ensureDir();
    try {
      await writeFileAtomic(file, text, this.#fileMode);
    } catch (error) {
      if (codeOf(error) !== "ENOENT") throw error;
      // Someone removed the directory (`rm -rf ~/.aws/cli/cache`) since we created it.
      await this.#ensureDir();
      await writeFileAtomic(file, text, this.#fileMode);
    }
  }

  /** Whether an entry file exists for `key` (valid or not). */
  async has(key: string): Promise<boolean> {
    try {
      return (await stat(entryPath(this.dir, key))).isFile();
    } catch (error) {
      if (codeOf(error) === "ENOENT") return false;
      throw error;
    }
  }

  /** Remove `key`'s entry; false when there was none. */
  async delete(key: string): Promise<boolean> {
    try {
      await unlink(entryPath(this.dir, key));
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
        entryFile: entryPath(this.dir, key),
        lockDir: lockPath(this.dir, key),
        prepare: () => this.#ensureDir(),
      },
      options,
    );
  }

  async #ensureDir(): Promise<void> {
    // recursive: no error if it exists, and no check-then-create race between processes.
    // An existing directory keeps its mode: the user chose it.
    await mkdir(this.dir, { recursive: true, mode: this.#dirMode });
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
