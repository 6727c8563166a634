/**
 * Parent binding through the CLI's default shared cache: one profile never gets the role
 * credentials that another profile's principal obtained (issue 12's alice/mallory case), and
 * a cache hit costs no STS call at all, not even GetCallerIdentity.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cleanEnv, ownLines, ROLE, run, tempHome } from "./helpers.js";

const rootKey = (name: string) => ({
  accessKeyId: `AKIA${randomBytes(8).toString("hex").toUpperCase()}`,
  secretAccessKey: randomBytes(30).toString("base64"),
  arn: `arn:aws:iam::123456789012:user/${name}`,
});
const alice = rootKey("alice");
const mallory = rootKey("mallory");
let sts: StsLocal;
let home: ReturnType<typeof tempHome>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sts = await startStsLocal({
    rootCredentials: [alice, mallory],
    roles: [{ arn: ROLE("AliceOnly"), trustedPrincipals: [alice.arn] }],
  });
  home = tempHome();
  writeFileSync(
    home.credentials,
    [alice, mallory]
      .map((k, i) =>
        [
          `[${i === 0 ? "alice" : "mallory"}]`,
          `aws_access_key_id = ${k.accessKeyId}`,
          `aws_secret_access_key = ${k.secretAccessKey}`,
          "",
        ].join("\n"),
      )
      .join("\n"),
  );
  env = cleanEnv(home.home, { AWS_REGION: sts.region });
});
afterAll(async () => {
  await sts.close();
  home.cleanup();
});

const credentialProcess = (profile: string) =>
  run(
    ["credential-process", ROLE("AliceOnly"), "--profile", profile, "--endpoint-url", sts.endpoint],
    env,
  );
const calls = (action: string, key: { accessKeyId: string }) =>
  sts.stats.requests.filter((r) => r.action === action && r.accessKeyId === key.accessKeyId).length;

it("mallory gets AccessDenied before and after alice filled the default cache", async () => {
  const before = await credentialProcess("mallory");
  expect(before.code).toBe(4);
  expect(ownLines(before.stderr).join("\n")).toContain("AccessDenied");

  const forAlice = await credentialProcess("alice");
  expect(forAlice.code).toBe(0);
  const aliceKeys = JSON.parse(forAlice.stdout) as { AccessKeyId: string };
  // The default cache is the AWS CLI's directory under HOME.
  const entries = readdirSync(join(home.home, ".aws", "cli", "cache"));
  // Alice's entry, and mallory's failure record: bound to mallory, so alice ignored it.
  expect(entries.filter((n) => n.endsWith(".json")).sort()).toEqual([
    expect.stringMatching(/^[0-9a-f]{40}\.json$/),
    expect.stringMatching(/^[0-9a-f]{40}\.refresh-failure\.json$/),
  ]);

  const after = await credentialProcess("mallory");
  expect(after.code).toBe(4);
  expect(after.stdout).not.toContain(aliceKeys.AccessKeyId);
  expect(ownLines(after.stderr).join("\n")).toContain("AccessDenied");

  // Alice's second run is a hit: no AssumeRole, and no GetCallerIdentity either (her
  // principal was kept in the private principals directory by the first run).
  const again = await credentialProcess("alice");
  expect(JSON.parse(again.stdout).AccessKeyId).toBe(aliceKeys.AccessKeyId);
  expect(calls("AssumeRole", alice)).toBe(1);
  expect(calls("GetCallerIdentity", alice)).toBe(1);
  // Alice's, and mallory's (learned when her run had to check alice's binding).
  expect(readdirSync(join(home.home, ".cache", "assume-role-lib", "principals"))).toHaveLength(2);
}, 60_000);
