import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SHADOWING_VARIABLES } from "../src/server/container-env.js";
import { ownLines, ROLE, run, start, useCliFixture, waitFor } from "./helpers.js";
import { httpGet } from "./server-helpers.js";

// The parent's keys are in the environment, with everything else that would shadow the
// server in the command's SDKs: none of it may reach the command.
const fixture = useCliFixture({}, ({ home }) => ({
  AWS_REGION: "eu-west-1",
  AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/credentials/elsewhere",
  AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: join(home.home, "other-token"),
  AWS_WEB_IDENTITY_TOKEN_FILE: join(home.home, "web-identity-token"),
  AWS_ROLE_ARN: ROLE("Other"),
  AWS_DEFAULT_PROFILE: "other",
}));

const execArgs = (...command: string[]) => [
  "exec",
  ROLE("Demo"),
  "--endpoint-url",
  fixture.sts.endpoint,
  "--cache",
  join(fixture.home.home, "cache"),
  "--server",
  "--",
  ...command,
];

const node = (script: string) => [process.execPath, "-e", script];

/** The command fetches its credentials from the server itself, and reports what it saw. */
const FETCH_AND_REPORT = `
const http = require("node:http");
const names = ${JSON.stringify([...SHADOWING_VARIABLES, "AWS_REGION", "AWS_DEFAULT_REGION"])};
const seen = {}; for (const n of names) seen[n] = process.env[n] ?? null;
const url = process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
http.get(url, { headers: { Authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN } }, (res) => {
  let body = ""; res.on("data", (d) => (body += d));
  res.on("end", () => { console.log(JSON.stringify({ url, status: res.statusCode, doc: JSON.parse(body), seen })); process.exit(5); });
});`;

describe("exec --server", () => {
  it("gives the command the server's address and token, nothing that would shadow it; passes the exit code on; stops the server", async () => {
    const out = await run(execArgs(...node(FETCH_AND_REPORT)), fixture.env);
    expect(out.code, out.stderr).toBe(5);
    const report = JSON.parse(out.stdout);
    expect(report.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/credentials$/);
    expect(report.status).toBe(200);
    expect(report.doc.AccessKeyId).toMatch(/^ASIA/);
    expect(report.doc.AccessKeyId).not.toBe(fixture.sts.rootCredentials.accessKeyId);
    for (const name of SHADOWING_VARIABLES) expect(report.seen[name], name).toBeNull();
    expect(report.seen.AWS_REGION).toBe("eu-west-1");
    expect(report.seen.AWS_DEFAULT_REGION).toBe("eu-west-1");
    // The server is gone with the command.
    await expect(httpGet(report.url, {})).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  it("forwards SIGTERM to the command as exec does", async () => {
    const script =
      "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(42) }); console.log('ready'); setInterval(() => {}, 1000)";
    const cli = start(execArgs(...node(script)), fixture.env);
    await waitFor(() => cli.stdout().includes("ready"));
    cli.child.kill("SIGTERM");
    const out = await cli.done;
    expect(out.stdout).toContain("got SIGTERM");
    expect(out.code).toBe(42);
  });

  it("fails before starting the command when the role cannot be assumed (exit 4)", async () => {
    const args = execArgs(...node("console.log('started')"));
    args[1] = ROLE("Denied");
    const out = await run(args, fixture.env);
    expect(out.code).toBe(4);
    expect(out.stdout).not.toContain("started");
  });

  it("refuses --mfa: the prompt at a refresh would fight the command for the terminal (exit 2)", async () => {
    const out = await run(
      execArgs("true").flatMap((a) =>
        a === "--server" ? [a, "--SerialNumber", "arn:aws:iam::123456789012:mfa/me", "--mfa"] : [a],
      ),
      fixture.env,
    );
    expect(out.code).toBe(2);
    expect(ownLines(out.stderr).join("\n")).toMatch(/--mfa cannot be used with --server/);
  });
});
