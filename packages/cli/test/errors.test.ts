import { spawn } from "node:child_process";
import { once } from "node:events";
import { join } from "node:path";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, cleanEnv, ownLines, ROLE, type RunResult, run, tempHome } from "./helpers.js";

let sts: StsLocal;
let home: ReturnType<typeof tempHome>;
let env: NodeJS.ProcessEnv;
let secret: string;

beforeAll(async () => {
  sts = await startStsLocal();
  home = tempHome();
  secret = sts.rootCredentials.secretAccessKey;
  env = cleanEnv(home.home, {
    AWS_ACCESS_KEY_ID: sts.rootCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: secret,
    AWS_REGION: sts.region,
  });
});

afterAll(async () => {
  await sts.close();
  home.cleanup();
});

/** Common checks of every failure: one line of ours, no stack, no secret, nothing on stdout. */
function expectCleanFailure(out: RunResult, code: number, pattern: RegExp) {
  const lines = ownLines(out.stderr);
  expect(out.code, out.stderr).toBe(code);
  expect(lines[0]).toMatch(pattern);
  expect(out.stdout).toBe("");
  expect(out.stderr).not.toMatch(/^\s+at /m);
  expect(out.stderr).not.toContain(secret);
}

const ENDPOINT = "ENDPOINT";
const withEndpoint = (args: string[]) => args.map((a) => (a === ENDPOINT ? sts.endpoint : a));

describe.concurrent("usage errors exit 2 with a clear message", () => {
  const demo = ROLE("Demo");
  const cases: Array<[string, string[], RegExp]> = [
    [
      "bad DurationSeconds",
      ["env", demo, "--DurationSeconds", "abc"],
      /DurationSeconds.*whole number/,
    ],
    [
      "DurationSeconds out of range",
      ["env", demo, "--duration-seconds", "100", "--endpoint-url", ENDPOINT],
      /invalid AssumeRole parameters for .*Demo: DurationSeconds: must be at least 900/,
    ],
    ["bad Tags", ["env", demo, "--Tags", "novalue"], /Tags.*K=V,K2=V2/],
    ["bad Tags JSON", ["credential-process", demo, "--Tags", '{"a":'], /Tags.*not valid JSON/],
    ["Policy not an object", ["env", demo, "--Policy", "[1]"], /Policy.*must be a JSON object/],
    ["bad additional-kwargs", ["env", demo, "--additional-kwargs", "nope"], /not valid JSON/],
    ["bad PolicyArns", ["env", demo, "--PolicyArns", "[1]"], /PolicyArns/],
    ["unknown flag", ["env", demo, "--Bogus", "x"], /unknown option '--Bogus'/],
    ["missing role", ["credential-process"], /missing required argument 'role-arn'/],
    ["exec without a command", ["exec", demo], /missing required argument 'command'/],
    ["unknown command", ["frobnicate"], /unknown command 'frobnicate'/],
    ["bad format", ["env", demo, "--format", "xml"], /'xml' is invalid.*env, json, sh/],
    ["bad region", ["env", demo, "--region", "Mars 1"], /region.*must be a region name/],
    ["bad endpoint", ["env", demo, "--endpoint-url", "ftp://x"], /endpoint-url.*http/],
    [
      "not a role ARN",
      ["env", "arn:aws:s3:::bucket-name-here", "--no-cache"],
      /RoleArn: must be an IAM role ARN/,
    ],
    [
      "a known parameter through --additional-kwargs",
      ["env", demo, "--additional-kwargs", '{"DurationSeconds": 5}', "--no-cache"],
      /additionalParams\.DurationSeconds/,
    ],
    [
      "TransitiveTagKeys not among Tags",
      ["env", demo, "--Tags", "A=1", "--TransitiveTagKeys", "B", "--no-cache"],
      /TransitiveTagKeys: B is not one of the Tags' keys/,
    ],
    [
      "--mfa with --TokenCode",
      [
        "env",
        demo,
        "--mfa",
        "--TokenCode",
        "123456",
        "--SerialNumber",
        "arn:aws:iam::123456789012:mfa/me",
      ],
      /either --mfa or --TokenCode/,
    ],
    ["bad --workers", ["demo", "--workers", "0"], /workers.*at least 1/],
  ];
  it.each(cases)("%s", async (_name, args, pattern) => {
    expectCleanFailure(await run(withEndpoint(args), env), 2, pattern);
  });

  it("--mfa without a terminal", async () => {
    const out = await run(
      [
        "credential-process",
        ROLE("MfaRole"),
        "--endpoint-url",
        sts.endpoint,
        "--no-cache",
        "--SerialNumber",
        "arn:aws:iam::123456789012:mfa/me",
        "--mfa",
      ],
      env,
      { detached: true },
    );
    expectCleanFailure(out, 2, /--mfa needs a terminal.*--TokenCode/);
  });
});

describe.concurrent("credential failures", () => {
  it("a denied role exits 4 naming the role and AccessDenied", async () => {
    const out = await run(
      ["credential-process", ROLE("Denied"), "--endpoint-url", sts.endpoint, "--no-cache"],
      env,
    );
    expectCleanFailure(
      out,
      4,
      /^assume-role: AssumeRole failed for arn:aws:iam::123456789012:role\/Denied \[AccessDenied\]: /,
    );
  });

  it("a wrong parent secret exits 4 and never prints the secret", async () => {
    const wrong = `${secret.slice(0, -4)}XXXX`;
    const out = await run(["env", ROLE("Demo"), "--endpoint-url", sts.endpoint, "--no-cache"], {
      ...env,
      AWS_SECRET_ACCESS_KEY: wrong,
    });
    expectCleanFailure(out, 4, /\[SignatureDoesNotMatch\]/);
    expect(out.stderr).not.toContain(wrong);
  });

  it("no parent credentials exits 3", async () => {
    const out = await run(
      ["exec", ROLE("Demo"), "--endpoint-url", sts.endpoint, "--", "true"],
      cleanEnv(home.home),
    );
    expectCleanFailure(out, 3, /^assume-role: no parent credentials to assume .*role\/Demo/);
  });

  it("an unknown --profile exits 3", async () => {
    const out = await run(
      ["env", ROLE("Demo"), "--profile", "nope", "--cache", join(home.home, "c")],
      cleanEnv(home.home),
    );
    expectCleanFailure(out, 3, /no parent credentials.*nope/);
  });
});

describe("a reader that closed the pipe", () => {
  it.each([
    ["--help", ["--help"]],
    ["env", ["env", ROLE("Demo"), "--endpoint-url", ENDPOINT, "--no-cache"]],
  ])("%s: exit 141, as a tool killed by SIGPIPE, with no error printed", async (_, args) => {
    // The read end is closed before the process has started: its first write fails.
    const child = spawn(process.execPath, [CLI, ...withEndpoint(args)], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout.destroy();
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const [code] = (await once(child, "close")) as [number | null];
    expect(code, stderr).toBe(141);
    // (The SDK's own Node-version warning may be there on Node 20: not ours.)
    expect(ownLines(stderr)).toEqual([]);
    expect(stderr).not.toMatch(/EPIPE|^\s+at /m);
  });
});
