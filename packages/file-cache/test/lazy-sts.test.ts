/**
 * A cache hit in a new process loads no STS client: real child processes, each running the
 * default session (parent keys in the environment) and one role through a JSONFileCache,
 * against sts-local over HTTP. What each child loaded is recorded by a module hook
 * (fixtures/load-log.mjs); the first run, a miss, proves the record sees the SDK.
 */
import { execFile } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixture, tempDir } from "./helpers.js";

const ROLE = "arn:aws:iam::123456789012:role/Demo";
const STS_CLIENT = "/@aws-sdk/client-sts/";
const DEFAULT_CHAIN = "/@aws-sdk/credential-provider-node/";

let sts: StsLocal;
let home: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  sts = await startStsLocal();
  home = await tempDir("file-cache-lazy-");
  // Empty shared config files: nothing from the machine's ~/.aws.
  await writeFile(join(home.dir, "config"), "");
  await writeFile(join(home.dir, "credentials"), "");
});
afterAll(async () => {
  await sts.close();
  await home.cleanup();
});

/** Run the child once under the load log; its credentials and the modules it loaded. */
async function runChild(name: string): Promise<{
  credentials: { accessKeyId: string; expiration: string };
  loaded: string[];
}> {
  const log = join(home.dir, `${name}.loaded`);
  const config = {
    dir: join(home.dir, "cache"),
    principalsDir: join(home.dir, "principals"),
    endpoint: sts.endpoint,
    roleArn: ROLE,
  };
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [
      "--import",
      fixture("load-log.mjs"),
      fixture("cached-assume-role.mjs"),
      JSON.stringify(config),
    ],
    {
      timeout: 30_000,
      env: {
        PATH: process.env.PATH,
        HOME: home.dir,
        AWS_CONFIG_FILE: join(home.dir, "config"),
        AWS_SHARED_CREDENTIALS_FILE: join(home.dir, "credentials"),
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: sts.rootCredentials.secretAccessKey,
        AWS_REGION: sts.region,
        LOAD_LOG: log,
      },
    },
  );
  const loaded = (await readFile(log, "utf8")).split("\n").filter(Boolean);
  return { credentials: JSON.parse(stdout), loaded };
}

const loads = (loaded: string[], part: string) => loaded.some((entry) => entry.includes(part));

describe("a JSONFileCache hit in a new process", () => {
  it("loads neither the STS client nor the SDK's default chain, and calls STS not at all", async () => {
    // First run: a miss. It calls AssumeRole (and GetCallerIdentity, once, to learn the
    // parent principal the entry is bound to), so it must have loaded the STS client.
    const miss = await runChild("miss");
    expect(sts.stats.calls("AssumeRole", ROLE)).toBe(1);
    expect(sts.stats.calls("GetCallerIdentity")).toBe(1);
    expect(miss.credentials.accessKeyId).toMatch(/^ASIA/);
    expect(loads(miss.loaded, STS_CLIENT)).toBe(true);
    expect(loads(miss.loaded, "/core/dist/")).toBe(true);
    expect(
      (await readdir(join(home.dir, "cache"))).filter((n) => n.endsWith(".json")),
    ).toHaveLength(1);

    // Second run, a new process with the same parent keys: a hit.
    const hit = await runChild("hit");
    expect(hit.credentials).toEqual(miss.credentials);
    expect(sts.stats.calls("AssumeRole")).toBe(1);
    expect(sts.stats.calls()).toBe(2);
    expect(hit.loaded.filter((entry) => entry.includes(STS_CLIENT))).toEqual([]);
    expect(hit.loaded.filter((entry) => entry.includes(DEFAULT_CHAIN))).toEqual([]);
    // The log did record this run's own modules: an empty log would pass the two above.
    expect(loads(hit.loaded, "/file-cache/dist/")).toBe(true);
  });
});
