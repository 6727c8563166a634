/**
 * The attack, replayed with two real local users: `arl-mallory` makes a
 * world-writable cache directory and plants an entry whose AccessKeyId would set PATH to
 * /evil; `arl-victim` runs `export $(assume-role env ROLE --cache DIR)`. Each step is a real
 * process with that user's uid (cache-conformance's os-users.ts). Skipped, with the reason,
 * where users cannot be created (not root, or not under CI=true or
 * ASSUME_ROLE_LIB_OS_USER_TESTS=1).
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import {
  actAs,
  type OsUser,
  osUsers,
  runAs,
  tempDirOwnedBy,
} from "@assume-role-lib/cache-conformance";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, ROLE } from "./helpers.js";

const users = osUsers();
const skip = users.available ? false : users.reason;
if (skip) console.warn(`cli hostile-users tests skipped: ${skip}`);
const suite = skip ? `hostile local users (skipped: ${skip})` : "hostile local users";
const NOBODY: OsUser = { name: "root", uid: 0, gid: 0 };
const { victim, mallory } = users.available ? users : { victim: NOBODY, mallory: NOBODY };

let sts: StsLocal;
const dirs: string[] = [];
beforeAll(async () => {
  if (!skip) sts = await startStsLocal();
});
afterAll(async () => {
  await sts?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const PLANTED = JSON.stringify({
  Credentials: {
    AccessKeyId: "ASIAQ\nPWNED=1 PATH=/evil",
    SecretAccessKey: "mallory-chose-this",
    SessionToken: "mallory-chose-this-too",
    Expiration: "2099-01-01T00:00:00Z",
  },
});

function ownedBy(user: OsUser, prefix: string, mode: number): string {
  const dir = tempDirOwnedBy(user, prefix, mode);
  dirs.push(dir);
  return dir;
}

/** The victim's environment: the parent credentials, and a home of their own. */
function victimEnv(home: string): Record<string, string> {
  return {
    HOME: home,
    AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sts.rootCredentials.secretAccessKey,
    AWS_REGION: sts.region,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}

const envArgs = (cache: string) => [
  CLI,
  "env",
  ROLE("Demo"),
  "--endpoint-url",
  sts.endpoint,
  "--cache",
  cache,
];

describe.skipIf(skip)(suite, () => {
  it("mallory's 0777 directory with a planted entry: the victim's `export $(…)` keeps PATH, and leaves nothing there", async () => {
    const home = ownedBy(victim, "hostile-cli-home-", 0o700);
    const env = victimEnv(home);
    // The key this command uses, as the victim's own run reports it.
    const probe = await runAs(victim, [...envArgs(join(home, "probe")), "--debug"], { env });
    expect(probe.code, probe.stderr).toBe(0);
    const key = /cache-miss key=(\S+)/.exec(probe.stderr)?.[1] as string;
    expect(key).toBeTruthy();

    const shared = join(ownedBy(mallory, "hostile-cli-shared-", 0o755), "cache");
    const planted = await actAs(mallory, [
      { do: "mkdir", path: shared, mode: 0o777 },
      { do: "write", path: join(shared, `${key}.json`), text: PLANTED, mode: 0o666 },
    ]);
    expect(planted.every((o) => o.ok)).toBe(true);

    const direct = await runAs(victim, envArgs(shared), { env });
    expect(direct.code, direct.stderr).toBe(0);
    expect(direct.stdout).toMatch(/^AWS_ACCESS_KEY_ID=ASIA[A-Z0-9]+$/m);
    expect(direct.stdout).not.toMatch(/PWNED|evil/);
    expect(direct.stderr).toMatch(/assume-role: warning: Cache directory .* is not used/);

    const cli = [process.execPath, ...envArgs(shared)].map((a) => `'${a}'`).join(" ");
    const shell = await runAs(
      victim,
      ["-c", `export $(${cli}) >/dev/null; printf '%s|%s' "$PATH" "\${PWNED-unset}"`],
      { env: { ...env, PATH: "/usr/bin:/bin" }, file: "/bin/bash" },
    );
    expect(shell.stdout).toBe("/usr/bin:/bin|unset");
    // Nothing of the victim's is in mallory's directory.
    expect(await actAs(mallory, [{ do: "readdir", path: shared }])).toEqual([
      { ok: true, value: [`${key}.json`] },
    ]);
  });

  it("the victim's default cache (~/.aws/cli/cache): mallory can neither read nor list it", async () => {
    const home = ownedBy(victim, "hostile-cli-default-", 0o755);
    const out = await runAs(victim, [CLI, "env", ROLE("Demo"), "--endpoint-url", sts.endpoint], {
      env: victimEnv(home),
    });
    expect(out.code, out.stderr).toBe(0);
    const cache = join(home, ".aws", "cli", "cache");
    const [listed] = await actAs(mallory, [{ do: "readdir", path: cache }]);
    expect(listed).toMatchObject({ ok: false, code: "EACCES" });
    const [entries] = await actAs(victim, [{ do: "readdir", path: cache }]);
    const name = (entries as { value: string[] }).value.find((n) => n.endsWith(".json"));
    expect(name).toBeTruthy();
    const [read] = await actAs(mallory, [{ do: "read", path: join(cache, name as string) }]);
    expect(read).toMatchObject({ ok: false, code: "EACCES" });
  });
});
