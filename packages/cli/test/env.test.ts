import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { quoteFish, quotePowerShell, quoteSh } from "@assume-role-lib/cli";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, ROLE, type RunResult, run, tempHome } from "./helpers.js";

let sts: StsLocal;
let home: ReturnType<typeof tempHome>;
const outputs = new Map<string, RunResult>();
let expected: { accessKeyId: string; expiration: string };

beforeAll(async () => {
  sts = await startStsLocal();
  home = tempHome();
  const env = cleanEnv(home.home, {
    AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sts.rootCredentials.secretAccessKey,
  });
  const cache = join(home.home, "cache");
  const formats = ["env", "json", "sh", "fish", "powershell"];
  // The first run fills the cache; the others (in parallel) read the same credentials.
  outputs.set(
    "default",
    await run(["env", ROLE("Demo"), "--endpoint-url", sts.endpoint, "--cache", cache], env),
  );
  const results = await Promise.all(
    formats.map((format) =>
      run(
        [
          "env",
          ROLE("Demo"),
          "--endpoint-url",
          sts.endpoint,
          "--cache",
          cache,
          "--format",
          format,
          "--region",
          "ap-south-1",
        ],
        env,
      ),
    ),
  );
  formats.forEach((format, i) => {
    outputs.set(format, results[i] as RunResult);
  });
  const first = outputs.get("default") as RunResult;
  const lines = Object.fromEntries(
    first.stdout
      .trim()
      .split("\n")
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  expected = {
    accessKeyId: lines.AWS_ACCESS_KEY_ID ?? "",
    expiration: lines.AWS_CREDENTIALS_EXPIRATION ?? "",
  };
});

afterAll(async () => {
  await sts.close();
  home.cleanup();
});

describe("env", () => {
  it("prints exactly the Python CLI's four lines by default", () => {
    const out = outputs.get("default") as RunResult;
    expect(out.code).toBe(0);
    const lines = out.stdout.split("\n");
    expect(lines.at(-1)).toBe("");
    const names = lines.slice(0, -1).map((l) => l.split("=")[0]);
    expect(names).toEqual([
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_CREDENTIALS_EXPIRATION",
    ]);
    expect(expected.accessKeyId).toMatch(/^ASIA/);
    expect(expected.expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((outputs.get("env") as RunResult).stdout).toBe(out.stdout);
    expect(sts.stats.calls("AssumeRole")).toBe(1);
  });

  it("--format json parses back to the variables", () => {
    const out = outputs.get("json") as RunResult;
    expect(out.code).toBe(0);
    const vars = JSON.parse(out.stdout) as Record<string, string>;
    expect(vars).toMatchObject({
      AWS_ACCESS_KEY_ID: expected.accessKeyId,
      AWS_CREDENTIAL_EXPIRATION: expected.expiration,
      AWS_REGION: "ap-south-1",
      AWS_DEFAULT_REGION: "ap-south-1",
    });
    expect(vars.AWS_SECRET_ACCESS_KEY).toHaveLength(40);
  });

  it("--format sh is evaluated by sh", () => {
    const out = outputs.get("sh") as RunResult;
    expect(out.code).toBe(0);
    const printed = execFileSync(
      "sh",
      [
        "-c",
        `${out.stdout}\nprintf '%s\\n' "$AWS_ACCESS_KEY_ID" "$AWS_REGION" "\${AWS_PROFILE-unset}"`,
      ],
      { env: { PATH: process.env.PATH, AWS_PROFILE: "someone" }, encoding: "utf8" },
    );
    expect(printed.split("\n")).toEqual([expected.accessKeyId, "ap-south-1", "unset", ""]);
  });

  it("--format fish and powershell parse back", () => {
    const fish = (outputs.get("fish") as RunResult).stdout;
    const fishVars = Object.fromEntries(
      [...fish.matchAll(/^set -gx (\w+) '((?:[^'\\]|\\.)*)'$/gm)].map((m) => [
        m[1],
        (m[2] ?? "").replace(/\\(.)/g, "$1"),
      ]),
    );
    expect(fish).toMatch(/^set -e AWS_PROFILE$/m);
    expect(fishVars.AWS_ACCESS_KEY_ID).toBe(expected.accessKeyId);
    expect(fishVars.AWS_CREDENTIAL_EXPIRATION).toBe(expected.expiration);

    const ps = (outputs.get("powershell") as RunResult).stdout;
    const psVars = Object.fromEntries(
      [...ps.matchAll(/^\$Env:(\w+) = '((?:[^']|'')*)'$/gm)].map((m) => [
        m[1],
        (m[2] ?? "").replace(/''/g, "'"),
      ]),
    );
    expect(ps).toMatch(/^Remove-Item -Path Env:AWS_PROFILE/m);
    expect(psVars.AWS_ACCESS_KEY_ID).toBe(expected.accessKeyId);
    expect(psVars.AWS_REGION).toBe("ap-south-1");
    expect(Object.keys(psVars)).toHaveLength(6);
  });

  it("quotes values for each shell", () => {
    const nasty = `a'b"c$d\`e\\f g`;
    expect(execFileSync("sh", ["-c", `printf %s ${quoteSh(nasty)}`], { encoding: "utf8" })).toBe(
      nasty,
    );
    expect(quoteFish(nasty)).toBe(`'a\\'b"c$d\`e\\\\f g'`);
    expect(quotePowerShell(nasty)).toBe(`'a''b"c$d\`e\\f g'`);
  });
});
