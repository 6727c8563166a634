/**
 * Proof against botocore itself (Debian's python3-botocore): its AssumeRoleProvider, set up
 * as the AWS CLI sets it up (a JSONFileCache), and Session.fromProfile with a JSONFileCache
 * share one cache directory in both directions, chains and MFA included, with 0 STS calls
 * (counted at sts-local) and no second MFA prompt for whoever comes second. And the keys
 * botocore computes for profiles equal ours, for every setting that enters them.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Session } from "@assume-role-lib/core";
import { JSONFileCache } from "@assume-role-lib/file-cache";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fixture } from "./helpers.js";

const PYTHON = "/usr/bin/python3";
const DRIVER = fixture("botocore_profile.py");
const SERIAL = "arn:aws:iam::123456789012:mfa/developer";
const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

const botocore = spawnSync(PYTHON, ["-c", "import botocore; print(botocore.__version__)"], {
  encoding: "utf8",
});
const botocoreVersion = botocore.status === 0 ? botocore.stdout.trim() : undefined;

const CONFIG = `
[profile dev]
role_arn = ${role("RoleB")}
source_profile = mid
region = us-east-1

[profile mid]
role_arn = ${role("RoleA")}
source_profile = base
external_id = team-42
duration_seconds = 3_600

[profile mfa]
role_arn = ${role("MfaRole")}
source_profile = base
mfa_serial = ${SERIAL}
region = us-east-1
`;

let sts: StsLocal;
let dir: string;
beforeAll(async () => {
  sts = await startStsLocal();
});
afterAll(() => sts?.close());
afterEach(async () => {
  sts.stats.reset();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Fresh config, credentials (sts-local's root keys as [base]) and an empty cache dir. */
async function setUp(config = CONFIG) {
  dir = await mkdtemp(join(tmpdir(), "botocore-profiles-"));
  const files = {
    configFile: join(dir, "config"),
    credentialsFile: join(dir, "credentials"),
    cacheDir: join(dir, "cli-cache"),
  };
  await writeFile(files.configFile, config);
  await writeFile(
    files.credentialsFile,
    `[base]\naws_access_key_id = ${sts.rootCredentials.accessKeyId}\naws_secret_access_key = ${sts.rootCredentials.secretAccessKey}\n`,
  );
  return files;
}

type Files = Awaited<ReturnType<typeof setUp>>;

/**
 * Run the botocore driver with only the files' variables (no keys, no profile from us).
 * Asynchronously: sts-local answers from this very process.
 */
function python<T>(files: Files, args: string[]): Promise<T> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: dir,
    AWS_CONFIG_FILE: files.configFile,
    AWS_SHARED_CREDENTIALS_FILE: files.credentialsFile,
  };
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [DRIVER, ...args], { env, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`botocore driver failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout) as T);
    });
  });
}

const botocoreResolve = (files: Files, profile: string, code?: string) =>
  python<{ accessKeyId: string; prompts: string[] }>(files, [
    "credentials",
    profile,
    sts.endpoint,
    files.cacheDir,
    ...(code ? [code] : []),
  ]);

/** Session.fromProfile as a Node tool would use it, counting MFA prompts. */
async function ours(files: Files, profile: string, prompts: string[] = []) {
  const session = await Session.fromProfile(profile, {
    configFile: files.configFile,
    credentialsFile: files.credentialsFile,
    cache: new JSONFileCache(files.cacheDir),
    stsClientConfig: { endpoint: sts.endpoint, maxAttempts: 1 },
    mfaCodeProvider: (serial) => {
      prompts.push(serial);
      return "654321";
    },
  });
  return { session, identity: await session.credentials() };
}

const assumeRoleCalls = () => sts.stats.calls("AssumeRole");

describe.runIf(botocoreVersion)(`botocore ${botocoreVersion} and Session.fromProfile`, () => {
  it("botocore writes a chain's entries; fromProfile reads them with 0 STS calls", async () => {
    const files = await setUp();
    const written = await botocoreResolve(files, "dev");
    expect(assumeRoleCalls()).toBe(2);
    sts.stats.reset();

    const { session, identity } = await ours(files, "dev");
    expect(identity.accessKeyId).toBe(written.accessKeyId);
    expect(sts.stats.calls()).toBe(0);
    // The middle step too: its entry, under its own key, is botocore's.
    const mid = await ours(files, "mid");
    expect(sts.stats.calls()).toBe(0);
    expect(mid.session.cacheKey).toBe(session.parent?.cacheKey);
  });

  it("fromProfile writes; botocore reads with 0 STS calls", async () => {
    const files = await setUp();
    const { identity } = await ours(files, "dev");
    expect(assumeRoleCalls()).toBe(2);
    sts.stats.reset();

    expect((await botocoreResolve(files, "dev")).accessKeyId).toBe(identity.accessKeyId);
    expect(sts.stats.calls()).toBe(0);
  });

  it("MFA: botocore prompts once; fromProfile uses its entry without asking or calling", async () => {
    const files = await setUp();
    const written = await botocoreResolve(files, "mfa", "123456");
    expect(written.prompts).toEqual([`Enter MFA code for ${SERIAL}: `]);
    expect(assumeRoleCalls()).toBe(1);
    sts.stats.reset();

    const prompts: string[] = [];
    const { identity } = await ours(files, "mfa", prompts);
    expect(identity.accessKeyId).toBe(written.accessKeyId);
    expect(prompts).toEqual([]);
    expect(sts.stats.calls()).toBe(0);
  });

  it("MFA: fromProfile asks once; botocore uses its entry without prompting or calling", async () => {
    const files = await setUp();
    const prompts: string[] = [];
    const { identity } = await ours(files, "mfa", prompts);
    expect(prompts).toEqual([SERIAL]);
    expect(assumeRoleCalls()).toBe(1);
    sts.stats.reset();

    const read = await botocoreResolve(files, "mfa", "123456");
    expect(read.accessKeyId).toBe(identity.accessKeyId);
    expect(read.prompts).toEqual([]);
    expect(sts.stats.calls()).toBe(0);
  });
});

// Every setting that enters botocore's key, in the spellings botocore's int() accepts.
const KEY_CASES = `
[profile plain]
role_arn = ${role("Plain")}
source_profile = base
[profile named]
role_arn = ${role("path/to/Named")}
source_profile = base
role_session_name = a+b=c,d.e@f-g_h
[profile external]
role_arn = ${role("External")}
source_profile = base
external_id = a=b,c.d@e:f/g-h_i+j
[profile mfa]
role_arn = ${role("Mfa")}
source_profile = base
mfa_serial = ${SERIAL}
[profile signed]
role_arn = ${role("Signed")}
source_profile = base
duration_seconds = +3600
[profile underscored]
role_arn = ${role("Underscored")}
source_profile = base
duration_seconds = 43_200
[profile padded]
role_arn = ${role("Padded")}
source_profile = base
duration_seconds = 0900
[profile everything]
role_arn = ${role("Everything")}
source_profile = underscored
role_session_name = everything
external_id = ext-id-1
mfa_serial = ${SERIAL}
duration_seconds = 3000
[profile chain]
role_arn = ${role("Chain")}
source_profile = everything
`;

describe.runIf(botocoreVersion)("keys: botocore's for every profile setting", () => {
  it("every step of every profile has botocore's key", async () => {
    const files = await setUp(KEY_CASES);
    const names = [...KEY_CASES.matchAll(/\[profile (\w+)\]/g)].map((m) => m[1] as string);
    const expected = await python<Record<string, Array<{ roleArn: string; key: string }>>>(files, [
      "keys",
      ...names,
    ]);
    for (const name of names) {
      const steps: Array<{ roleArn: string; key: string }> = [];
      for (
        let s: Session | undefined = await Session.fromProfile(name, {
          configFile: files.configFile,
          credentialsFile: files.credentialsFile,
        });
        s?.roleArn;
        s = s.parent
      ) {
        steps.unshift({ roleArn: s.roleArn, key: s.cacheKey as string });
      }
      expect({ name, steps }).toEqual({ name, steps: expected[name] });
    }
    expect(expected.chain).toHaveLength(3);
    expect(sts.stats.calls()).toBe(0);
  });
});

if (!botocoreVersion) {
  describe("without botocore", () => {
    if (process.env.CI === "true") {
      it("python3-botocore is required under CI (.ci/run installs it)", () => {
        expect.fail(`${PYTHON} cannot import botocore: ${botocore.stderr || botocore.error}`);
      });
    } else {
      it.skip(`skipped: install python3-botocore (${PYTHON}) to run the botocore proofs`, () => {});
    }
  });
}
