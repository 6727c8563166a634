/**
 * `--profile` without a role ARN: the assume-role profile itself, through the AWS CLI's
 * default cache directory under the AWS CLI's keys. Real CLI processes, real files,
 * sts-local; no terminal, so an MFA prompt would fail: a cached entry must not need one.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cacheKey } from "@assume-role-lib/core";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, ownLines, ROLE, run, tempHome } from "./helpers.js";

const SERIAL = "arn:aws:iam::123456789012:mfa/developer";
let sts: StsLocal;
let home: ReturnType<typeof tempHome>;

beforeAll(async () => {
  sts = await startStsLocal();
});
afterAll(() => sts.close());
afterEach(() => {
  sts.stats.reset();
  home?.cleanup();
});

/** A HOME with ~/.aws/config and ~/.aws/credentials, and the environment that uses them. */
function setUp(): NodeJS.ProcessEnv {
  home = tempHome();
  const aws = join(home.home, ".aws");
  mkdirSync(aws);
  writeFileSync(
    join(aws, "config"),
    [
      "[profile dev]",
      `role_arn = ${ROLE("RoleB")}`,
      "source_profile = mid",
      "region = eu-central-1",
      "[profile mid]",
      `role_arn = ${ROLE("RoleA")}`,
      "source_profile = base",
      "[profile mfa]",
      `role_arn = ${ROLE("MfaRole")}`,
      "source_profile = base",
      `mfa_serial = ${SERIAL}`,
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(aws, "credentials"),
    `[base]\naws_access_key_id = ${sts.rootCredentials.accessKeyId}\naws_secret_access_key = ${sts.rootCredentials.secretAccessKey}\n`,
  );
  const env = cleanEnv(home.home);
  delete env.AWS_CONFIG_FILE;
  delete env.AWS_SHARED_CREDENTIALS_FILE;
  return env;
}

const cliCache = () => join(home.home, ".aws", "cli", "cache");
const keyFile = (args: Parameters<typeof cacheKey>[0]) =>
  join(cliCache(), `${cacheKey(args, { generatedSessionName: true })}.json`);

describe("credential-process --profile (no role ARN)", () => {
  it("assumes the profile's chain into ~/.aws/cli/cache under the AWS CLI's keys; a second run calls nothing", async () => {
    const env = setUp();
    const args = ["credential-process", "--profile", "dev", "--endpoint-url", sts.endpoint];
    const first = await run(args, env);
    expect(ownLines(first.stderr)).toEqual([]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ Version: 1 });
    expect(sts.stats.calls("AssumeRole")).toBe(2);
    expect(existsSync(keyFile({ RoleArn: ROLE("RoleB") }))).toBe(true);
    expect(existsSync(keyFile({ RoleArn: ROLE("RoleA") }))).toBe(true);

    sts.stats.reset();
    const second = await run(args, env);
    expect(JSON.parse(second.stdout).AccessKeyId).toBe(JSON.parse(first.stdout).AccessKeyId);
    expect(sts.stats.calls()).toBe(0);
  });

  it("MFA: one code serves later runs, which need no terminal", async () => {
    const env = setUp();
    const args = ["credential-process", "--profile", "mfa", "--endpoint-url", sts.endpoint];
    const coded = await run([...args, "--TokenCode", "123456"], env);
    expect(coded.code).toBe(0);
    expect(sts.stats.calls("AssumeRole")).toBe(1);
    expect(existsSync(keyFile({ RoleArn: ROLE("MfaRole"), SerialNumber: SERIAL }))).toBe(true);

    sts.stats.reset();
    // Detached: no controlling terminal, so a prompt fails instead of waiting for a human.
    const cached = await run(args, env, { detached: true });
    expect(cached.code).toBe(0);
    expect(sts.stats.calls()).toBe(0);

    // A miss must ask, and there is no terminal to ask on: a usage error, no STS call.
    const missed = await run([...args, "--cache", join(home.home, "empty-cache")], env, {
      detached: true,
    });
    expect(missed.code).toBe(2);
    expect(ownLines(missed.stderr).join("\n")).toMatch(
      /profile "mfa" \(mfa_serial\) needs a terminal.*--TokenCode/,
    );
    expect(sts.stats.calls()).toBe(0);
  });

  it.each([
    [["--profile", "base"], /profile "base" has no role_arn/],
    [["--profile", "dev", "--DurationSeconds", "900"], /--DurationSeconds need a role ARN/],
    [["--profile", "nowhere"], /Invalid profile "nowhere"/i],
  ])("refuses %j", async (extra, message) => {
    const env = setUp();
    const result = await run(["credential-process", ...extra], env);
    expect(result.code).toBe(2);
    expect(ownLines(result.stderr).join("\n")).toMatch(message);
    expect(sts.stats.calls()).toBe(0);
  });
});

describe("exec --profile (no role ARN)", () => {
  it("runs the command with the profile's credentials and region", async () => {
    const env = setUp();
    const script =
      "process.stdout.write(JSON.stringify([process.env.AWS_ACCESS_KEY_ID, process.env.AWS_REGION]))";
    const result = await run(
      [
        "exec",
        "--profile",
        "dev",
        "--endpoint-url",
        sts.endpoint,
        "--",
        process.execPath,
        "-e",
        script,
      ],
      env,
    );
    expect(ownLines(result.stderr)).toEqual([]);
    const [keyId, region] = JSON.parse(result.stdout);
    expect(keyId).toMatch(/^ASIA/);
    expect(region).toBe("eu-central-1");
    expect(sts.stats.calls("AssumeRole")).toBe(2);
  });

  it("a missing command is a usage error", async () => {
    const result = await run(["exec", "--profile", "dev"], setUp());
    expect(result.code).toBe(2);
    expect(ownLines(result.stderr).join("\n")).toMatch(/missing required argument 'command'/);
  });
});
