import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLI,
  cleanEnv,
  hasPty,
  ownLines,
  ROLE,
  run,
  runAtTerminal,
  start,
  tempHome,
  waitFor,
} from "./helpers.js";

let sts: StsLocal;
let home: ReturnType<typeof tempHome>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  sts = await startStsLocal();
  home = tempHome();
  // The parent comes from a profile (AWS_PROFILE): the child must not inherit it.
  writeFileSync(
    join(home.home, "credentials"),
    `[base]\naws_access_key_id = ${sts.rootCredentials.accessKeyId}\naws_secret_access_key = ${sts.rootCredentials.secretAccessKey}\n`,
  );
  env = cleanEnv(home.home, {
    AWS_SHARED_CREDENTIALS_FILE: join(home.home, "credentials"),
    AWS_PROFILE: "base",
    AWS_REGION: "eu-west-1",
  });
});

afterAll(async () => {
  await sts.close();
  home.cleanup();
});

const execArgs = (...command: string[]) => [
  "exec",
  ROLE("Demo"),
  "--endpoint-url",
  sts.endpoint,
  "--cache",
  join(home.home, "cache"),
  "--",
  ...command,
];

const node = (script: string) => [process.execPath, "-e", script];

describe("exec", () => {
  it("runs the command with the credentials and region in its environment, AWS_PROFILE unset", async () => {
    const names = [
      "AWS_ACCESS_KEY_ID",
      "AWS_SECRET_ACCESS_KEY",
      "AWS_SESSION_TOKEN",
      "AWS_CREDENTIAL_EXPIRATION",
      "AWS_REGION",
      "AWS_DEFAULT_REGION",
      "AWS_PROFILE",
    ];
    const script = `const pick = {}; for (const n of ${JSON.stringify(names)}) pick[n] = process.env[n] ?? null; pick.argv = process.argv.slice(1); console.log(JSON.stringify(pick))`;
    const out = await run(execArgs(...node(script), "--", "--not-an-assume-role-flag"), env);
    expect(out.code).toBe(0);
    const seen = JSON.parse(out.stdout) as Record<string, string | null>;
    expect(seen.argv).toEqual(["--not-an-assume-role-flag"]);
    expect(seen.AWS_ACCESS_KEY_ID).toMatch(/^ASIA/);
    expect(seen.AWS_ACCESS_KEY_ID).not.toBe(sts.rootCredentials.accessKeyId);
    expect(seen.AWS_SECRET_ACCESS_KEY).toHaveLength(40);
    expect(seen.AWS_SESSION_TOKEN?.length).toBeGreaterThan(100);
    expect(Date.parse(seen.AWS_CREDENTIAL_EXPIRATION ?? "")).toBeGreaterThan(Date.now());
    expect(seen.AWS_REGION).toBe("eu-west-1");
    expect(seen.AWS_DEFAULT_REGION).toBe("eu-west-1");
    expect(seen.AWS_PROFILE).toBeNull();
    const issued = sts.stats.requests.find((r) => r.roleArn === ROLE("Demo"));
    expect(issued?.accessKeyId).toBe(sts.rootCredentials.accessKeyId);
  });

  it("passes the exit code through; 127 when the command does not exist", async () => {
    const [seven, zero, missing] = await Promise.all([
      run(execArgs(...node("process.exit(7)")), env),
      run(execArgs("true"), env),
      run(execArgs("no-such-command-for-assume-role-test"), env),
    ]);
    expect(seven.code).toBe(7);
    expect(zero.code).toBe(0);
    expect(missing.code).toBe(127);
    expect(ownLines(missing.stderr).join("\n")).toMatch(/command not found/);
  });

  it("forwards SIGTERM to the command and exits with its code", async () => {
    const script =
      "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(42) }); console.log('ready'); setInterval(() => {}, 1000)";
    const cli = start(execArgs(...node(script)), env);
    await waitFor(() => cli.stdout().includes("ready"));
    cli.child.kill("SIGTERM");
    const out = await cli.done;
    expect(out.stdout).toContain("got SIGTERM");
    expect(out.code).toBe(42);
  });

  it("dies of the signal the command died of (SIGINT forwarded, SIGKILL)", async () => {
    const cli = start(execArgs(...node("console.log('ready'); setInterval(() => {}, 1000)")), env);
    await waitFor(() => cli.stdout().includes("ready"));
    cli.child.kill("SIGINT");
    const interrupted = await cli.done;
    expect(interrupted.signal === "SIGINT" || interrupted.code === 130).toBe(true);

    const killed = await run(execArgs(...node("process.kill(process.pid, 'SIGKILL')")), env);
    expect(killed.signal === "SIGKILL" || killed.code === 137).toBe(true);
  });
});

describe("at a terminal", () => {
  // Ctrl-C typed at a real pseudo-terminal reaches the whole foreground process group, so
  // the command must get exactly one SIGINT, not a relayed second.
  it.skipIf(!hasPty)(
    "Ctrl-C reaches the command once",
    async () => {
      const counter =
        "let n = 0; process.on('SIGINT', () => { n++; setTimeout(() => { console.log('SIGINTS=' + n); process.exit(0); }, 300); }); console.log('ready'); setInterval(() => {}, 1000)";
      const argv = [process.execPath, CLI, ...execArgs(process.execPath, "-e", counter)];
      expect(await runAtTerminal(argv, env, "\x03", "SIGINTS=")).toContain("SIGINTS=1");
    },
    45_000,
  );
});
