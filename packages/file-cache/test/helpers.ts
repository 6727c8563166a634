import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

// JSONFileCache refuses files and directories that group or others can write. The tests
// create some as "another program" with default modes: under a umask of 002 (common for
// users on RHEL and Fedora) those would be group-writable and refused. (vitest runs test
// files in forked processes, where the umask can be set.)
process.umask(0o022);

/** Absolute path of a fixture script (child processes need absolute module paths). */
export const fixture = (name: string): string =>
  fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

/** A fresh temp directory and its cleanup. */
export async function tempDir(prefix = "file-cache-"): Promise<{
  dir: string;
  cleanup: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * What must never be left behind in `dir`: temp files, and lock directories whose lock is
 * still held. (A released lock directory keeps one small "released" file: that is what keeps
 * its numbering monotonic, see generation-lock.ts.)
 */
export async function leftovers(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const left: string[] = [];
  for (const name of names) {
    if (name.endsWith(".tmp")) left.push(name);
    else if (name.endsWith(".lock") && !(await isReleased(join(dir, name)))) left.push(name);
  }
  return left;
}

/** Whether the lock directory's highest generation is the released state. */
export async function isReleased(lockDir: string): Promise<boolean> {
  const numbers = (await readdir(lockDir)).filter((n) => /^\d+$/.test(n)).map(Number);
  if (numbers.length === 0) return true;
  const top = Math.max(...numbers);
  return (await readFile(join(lockDir, String(top)), "utf8")) === '{"released":true}';
}

/** Wait until `check` returns true, polling (for conditions with no event to await). */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  { timeoutMs = 20_000, everyMs = 25 } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
