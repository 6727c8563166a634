/**
 * The token and the credentials never appear in the output of `serve` or `exec --server`,
 * with or without --debug: through refreshes, failed refreshes and refused requests.
 * Credentials live 4 seconds here, so a few seconds see several refreshes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { ROLE, readEnvFile, run, start, useCliFixture, waitFor } from "./helpers.js";
import { httpGet } from "./server-helpers.js";

const fixture = useCliFixture({ issuedLifetimeSeconds: 4 });

/** Every secret in `docs`, plus the token. */
function secretsOf(token: string, docs: Array<{ SecretAccessKey: string; Token: string }>) {
  return [token, ...docs.flatMap((d) => [d.SecretAccessKey, d.Token])];
}

function expectNoSecret(text: string, secrets: string[]): void {
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(20);
    if (text.includes(secret)) throw new Error("a secret appears in the output");
  }
}

describe("serve: nothing secret in its output", () => {
  it.each([
    ["with --debug", ["--debug"]],
    ["without", []],
  ])(
    "%s, through refreshes, a failing STS and refused requests",
    async (_name, flags) => {
      const file = join(fixture.home.home, `serve-${flags.length}.env`);
      const server = start(
        [
          "serve",
          ROLE("Demo"),
          "--endpoint-url",
          fixture.sts.endpoint,
          "--no-cache",
          "--write-env-file",
          file,
          ...flags,
        ],
        fixture.env,
      );
      await waitFor(() => server.stderr().includes("serving"));
      const vars = readEnvFile(file);
      const url = vars.AWS_CONTAINER_CREDENTIALS_FULL_URI as string;
      const token = vars.AWS_CONTAINER_AUTHORIZATION_TOKEN as string;
      const docs = [];
      for (let i = 0; i < 60; i++) {
        if (i === 25) fixture.sts.faults.serverErrorNext(4, 503, { action: "AssumeRole" });
        const res = await httpGet(url, { Authorization: token });
        if (res.status === 200) docs.push(JSON.parse(res.body));
        await httpGet(url, { Authorization: `${token.slice(0, -1)}x` });
        await httpGet(url, { Authorization: token, Host: "evil.example" });
        await httpGet(url, { Authorization: token }, { method: "POST", path: `/${token}` });
        await sleep(100);
      }
      server.child.kill("SIGTERM");
      const out = await server.done;
      expect(out.code).toBe(0);
      const keys = new Set(docs.map((d) => d.AccessKeyId));
      expect(keys.size).toBeGreaterThanOrEqual(2);
      // The output did report what happened, so the scan below looked at something.
      expect(out.stderr).toMatch(/refreshing credentials failed|refresh-failed/);
      if (flags.length > 0) {
        expect(out.stderr).toContain("refresh-succeeded");
        expect(out.stderr).toContain("403 wrong token");
      }
      expectNoSecret(out.stdout + out.stderr, secretsOf(token, docs));
    },
    30_000,
  );
});

describe("exec --server --debug: nothing secret in its output", () => {
  it("while the command fetches credentials through refreshes", async () => {
    const report = join(fixture.home.home, "seen.json");
    const script = `
const http = require("node:http"); const fs = require("node:fs");
const get = () => new Promise((resolve) => http.get(process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI,
  { headers: { Authorization: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN } },
  (res) => { let b = ""; res.on("data", (d) => (b += d)); res.on("end", () => resolve(JSON.parse(b))); }));
(async () => {
  const docs = [];
  for (let i = 0; i < 30; i++) { docs.push(await get()); await new Promise((r) => setTimeout(r, 150)); }
  fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify({ token: process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN, docs }), { mode: 0o600 });
})();`;
    const out = await run(
      [
        "exec",
        ROLE("Demo"),
        "--endpoint-url",
        fixture.sts.endpoint,
        "--no-cache",
        "--server",
        "--debug",
        "--",
        process.execPath,
        "-e",
        script,
      ],
      fixture.env,
    );
    expect(out.code, out.stderr).toBe(0);
    const seen = JSON.parse(readFileSync(report, "utf8"));
    expect(
      new Set(seen.docs.map((d: { AccessKeyId: string }) => d.AccessKeyId)).size,
    ).toBeGreaterThanOrEqual(2);
    expect(out.stderr).toContain("server: 200 served");
    expectNoSecret(out.stdout + out.stderr, secretsOf(seen.token, seen.docs));
  });
});
