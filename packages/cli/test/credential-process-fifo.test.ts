/**
 * A FIFO at a cache entry path must not hang `assume-role credential-process`: the file
 * cache sees a miss, the CLI gets credentials from STS, prints them and exits on its own.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, ROLE, start, tempHome } from "./helpers.js";

let sts: StsLocal;
let home: ReturnType<typeof tempHome>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sts = await startStsLocal();
  home = tempHome();
  env = cleanEnv(home.home, {
    AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sts.rootCredentials.secretAccessKey,
    AWS_REGION: sts.region,
  });
});

afterAll(async () => {
  await sts.close();
  home.cleanup();
});

/** Run the CLI; a run still going after `ms` is killed and reported as a hang. */
async function runWithin(args: string[], ms: number) {
  const started = start(args, env);
  const timer = setTimeout(() => started.child.kill("SIGKILL"), ms);
  const result = await started.done;
  clearTimeout(timer);
  return result;
}

describe.skipIf(process.platform === "win32")("credential-process with a FIFO in the cache", () => {
  it("treats a FIFO at the entry (and at its failure record) as a miss, and exits", async () => {
    const cacheDir = join(home.home, "fifo-cache");
    const args = ["credential-process", ROLE("Demo"), "--endpoint-url", sts.endpoint];
    args.push("--cache", cacheDir);
    const first = await runWithin(args, 30_000);
    expect(first.code).toBe(0);
    const [entryFile] = readdirSync(cacheDir).filter((f) => /^[0-9a-f]{40}\.json$/.test(f));
    expect(entryFile).toBeDefined();
    const entryPath = join(cacheDir, entryFile as string);
    rmSync(entryPath);
    execFileSync("mkfifo", [entryPath]);
    execFileSync("mkfifo", [entryPath.replace(/\.json$/, ".refresh-failure.json")]);

    const before = sts.stats.calls("AssumeRole", ROLE("Demo"));
    const second = await runWithin(args, 30_000);
    expect(second.signal).toBeNull(); // not killed: it did not hang
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).AccessKeyId).toMatch(/^ASIA/);
    expect(sts.stats.calls("AssumeRole", ROLE("Demo"))).toBe(before + 1);
  }, 70_000);
});
