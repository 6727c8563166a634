import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { fromProcess } from "@aws-sdk/credential-provider-process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, cleanEnv, findRedis, ROLE, run, tempHome } from "./helpers.js";

let sts: StsLocal;
let home: ReturnType<typeof tempHome>;
let parentEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  sts = await startStsLocal();
  home = tempHome();
  parentEnv = cleanEnv(home.home, {
    AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sts.rootCredentials.secretAccessKey,
    AWS_REGION: sts.region,
  });
});

afterAll(async () => {
  await sts.close();
  home.cleanup();
});

function parseDocument(stdout: string) {
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe("credential-process", () => {
  it("is a credential_process source for the SDK's fromProcess, and a second run hits the file cache", async () => {
    const cacheDir = join(home.home, "cp-cache");
    const config = join(home.home, "config-cp");
    writeFileSync(
      config,
      [
        "[profile assumed]",
        `credential_process = "${process.execPath}" "${CLI}" credential-process ${ROLE("Demo")} --endpoint-url ${sts.endpoint} --cache "${cacheDir}"`,
        "",
      ].join("\n"),
    );
    // fromProcess runs the command with this process's environment: give it the parent
    // credentials and a clean HOME for the duration of the calls.
    const saved = { ...process.env };
    Object.assign(process.env, parentEnv);
    for (const name of ["AWS_PROFILE", "AWS_SESSION_TOKEN"]) delete process.env[name];
    try {
      const before = sts.stats.calls("AssumeRole", ROLE("Demo"));
      const provider = () =>
        fromProcess({
          profile: "assumed",
          configFilepath: config,
          filepath: home.credentials,
          ignoreCache: true,
        })();
      const first = await provider();
      expect(first.accessKeyId).toMatch(/^ASIA/);
      expect(first.secretAccessKey).toHaveLength(40);
      expect(first.sessionToken).toBeTruthy();
      expect(first.expiration?.getTime()).toBeGreaterThan(Date.now() + 50 * 60_000);
      expect(sts.stats.calls("AssumeRole", ROLE("Demo"))).toBe(before + 1);
      expect(readdirSync(cacheDir).filter((f) => f.endsWith(".json"))).toHaveLength(1);

      const second = await provider();
      expect(second.accessKeyId).toBe(first.accessKeyId);
      expect(sts.stats.calls("AssumeRole", ROLE("Demo"))).toBe(before + 1);
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });

  it("prints Version 1 JSON with an ISO-8601 Expiration; caches in ~/.aws/cli/cache by default", async () => {
    const args = ["credential-process", ROLE("RoleA"), "--endpoint-url", sts.endpoint];
    const before = sts.stats.calls("AssumeRole", ROLE("RoleA"));
    const out = await run(args, parentEnv);
    expect(out.code).toBe(0);
    const doc = parseDocument(out.stdout);
    expect(Object.keys(doc)).toEqual([
      "Version",
      "AccessKeyId",
      "SecretAccessKey",
      "SessionToken",
      "Expiration",
    ]);
    expect(doc.Version).toBe(1);
    expect(doc.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(readdirSync(join(home.home, ".aws", "cli", "cache")).length).toBeGreaterThan(0);
    const again = await run(args, parentEnv);
    expect(parseDocument(again.stdout).AccessKeyId).toBe(doc.AccessKeyId);
    expect(sts.stats.calls("AssumeRole", ROLE("RoleA"))).toBe(before + 1);
  });

  it("--no-cache calls STS every time", async () => {
    const args = [
      "credential-process",
      ROLE("RoleB"),
      "--endpoint-url",
      sts.endpoint,
      "--no-cache",
    ];
    const before = sts.stats.calls("AssumeRole", ROLE("RoleB"));
    const [a, b] = await Promise.all([run(args, parentEnv), run(args, parentEnv)]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(sts.stats.calls("AssumeRole", ROLE("RoleB"))).toBe(before + 2);
  });

  it("passes AssumeRole parameters: ExternalId, MFA, tags, duration", async () => {
    const ext = await run(
      [
        "credential-process",
        ROLE("ExternalIdRole"),
        "--endpoint-url",
        sts.endpoint,
        "--no-cache",
        "--external-id",
        "sts-local-external-id",
      ],
      parentEnv,
    );
    expect(ext.code).toBe(0);
    const mfa = await run(
      [
        "credential-process",
        ROLE("MfaRole"),
        "--endpoint-url",
        sts.endpoint,
        "--no-cache",
        "--SerialNumber",
        "arn:aws:iam::123456789012:mfa/tester",
        "--TokenCode",
        "123456",
        "--Tags",
        "Project=demo,Team=cli",
        "--TransitiveTagKeys",
        "Project",
        "--DurationSeconds",
        "1800",
        "--RoleSessionName",
        "cli-test",
      ],
      parentEnv,
    );
    expect(mfa.code).toBe(0);
    const request = sts.stats.requests.filter((r) => r.roleArn === ROLE("MfaRole")).at(-1);
    expect(request?.params).toMatchObject({
      RoleSessionName: "cli-test",
      DurationSeconds: "1800",
      SerialNumber: "arn:aws:iam::123456789012:mfa/tester",
      "Tags.member.1.Key": "Project",
      "Tags.member.1.Value": "demo",
      "TransitiveTagKeys.member.1": "Project",
    });
    const expiration = Date.parse(parseDocument(mfa.stdout).Expiration as string);
    expect(expiration - Date.now()).toBeLessThanOrEqual(1800_000);
  });

  it("--cache redis://… shares the credentials through Redis", async () => {
    const redis = await findRedis();
    if (!redis) {
      console.warn("no Redis available: skipping the KeyvCache check");
      return;
    }
    try {
      // A unique session name gives a key of its own, so runs never collide.
      const name = `redis-${process.pid}-${Date.now()}`;
      const args = [
        "credential-process",
        ROLE("RoleC"),
        "--endpoint-url",
        sts.endpoint,
        "--cache",
        redis.url,
        "--role-session-name",
        name,
      ];
      const before = sts.stats.calls("AssumeRole", ROLE("RoleC"));
      const first = await run(args, parentEnv);
      expect(first.code).toBe(0);
      const second = await run(args, parentEnv);
      expect(second.code).toBe(0);
      expect(parseDocument(second.stdout).AccessKeyId).toBe(
        parseDocument(first.stdout).AccessKeyId,
      );
      expect(sts.stats.calls("AssumeRole", ROLE("RoleC"))).toBe(before + 1);
    } finally {
      redis.stop();
    }
  });
});
