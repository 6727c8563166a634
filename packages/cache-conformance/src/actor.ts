/**
 * A script that runs as another local user (see os-users.ts): it performs the steps given
 * as JSON in argv[2], in order, and prints each one's outcome as JSON. Not part of any API.
 */
import {
  chmod,
  mkdir,
  readdir,
  readFile,
  rename,
  symlink,
  unlink,
  writeFile,
} from "node:fs/promises";
import type { ActorOutcome, ActorStep } from "./os-users.js";

type Cache = Record<string, (...args: unknown[]) => unknown>;

async function perform(step: ActorStep): Promise<unknown> {
  switch (step.do) {
    case "mkdir":
      await mkdir(step.path);
      // chmod: mkdir's mode is masked by the umask, and the tests want exactly this one.
      return chmod(step.path, step.mode);
    case "chmod":
      return chmod(step.path, step.mode);
    case "write":
      await writeFile(step.path, step.text, { flag: "wx" });
      return step.mode === undefined ? undefined : chmod(step.path, step.mode);
    case "read":
      return readFile(step.path, "utf8");
    case "readdir":
      return (await readdir(step.path)).sort();
    case "symlink":
      return symlink(step.target, step.path);
    case "rename":
      return rename(step.from, step.to);
    case "unlink":
      return unlink(step.path);
    case "cache": {
      const module = (await import(step.module)) as Record<string, (args: unknown) => Cache>;
      const cache = (module[step.factory] as (args: unknown) => Cache)(step.args);
      const call = cache[step.method] as (...args: unknown[]) => unknown;
      const result = await call.call(cache, step.key, step.arg ?? { waitMs: 100, ttlMs: 2000 });
      if (typeof result === "function") {
        await (result as () => Promise<void>)();
        return "locked";
      }
      return result;
    }
  }
}

const steps = JSON.parse(process.argv[2] ?? "[]") as ActorStep[];
const outcomes: ActorOutcome[] = [];
for (const step of steps) {
  try {
    const value = await perform(step);
    outcomes.push(value === undefined ? { ok: true } : { ok: true, value });
  } catch (error) {
    const e = error as { name?: string; code?: string; message?: string };
    outcomes.push({
      ok: false,
      name: e.name ?? "Error",
      ...(typeof e.code === "string" ? { code: e.code } : {}),
      message: e.message ?? String(error),
    });
  }
}
process.stdout.write(JSON.stringify(outcomes));
