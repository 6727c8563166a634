import { readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  freePort,
  ownLines,
  ROLE,
  readEnvFile,
  run,
  start,
  useCliFixture,
  waitFor,
} from "./helpers.js";
import { httpGet } from "./server-helpers.js";

const fixture = useCliFixture();
const sts = () => fixture.sts;
const home = () => fixture.home;

let n = 0;
const serveArgs = (...extra: string[]) => [
  "serve",
  ROLE("Demo"),
  "--endpoint-url",
  sts().endpoint,
  "--cache",
  join(home().home, `cache-${++n}`),
  ...extra,
];

/** The export lines of `serve`'s stdout, as variables. */
function exported(stdout: string): Record<string, string> {
  return Object.fromEntries(
    [...stdout.matchAll(/^export (\w+)='([^']*)'$/gm)].map((m) => [m[1], m[2]]),
  );
}

function refused(url: string): Promise<boolean> {
  return httpGet(url, {}).then(
    () => false,
    (error: NodeJS.ErrnoException) => error.code === "ECONNREFUSED",
  );
}

describe("serve", () => {
  it.each(["SIGTERM", "SIGINT", "SIGHUP"] as const)(
    "prints the two export lines, serves with that token, and stops on %s with exit 0",
    async (signal) => {
      const server = start(serveArgs(), fixture.env);
      await waitFor(() => server.stderr().includes("serving"));
      const vars = exported(server.stdout());
      expect(Object.keys(vars)).toEqual([
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
      ]);
      const url = vars.AWS_CONTAINER_CREDENTIALS_FULL_URI as string;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/credentials$/);
      const ok = await httpGet(url, {
        Authorization: vars.AWS_CONTAINER_AUTHORIZATION_TOKEN as string,
      });
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body).AccessKeyId).toMatch(/^ASIA/);
      server.child.kill(signal);
      const out = await server.done;
      expect(out.code).toBe(0);
      expect(ownLines(out.stderr).join("\n")).toContain(`${signal}: stopping`);
      expect(await refused(url)).toBe(true);
    },
  );

  it("--write-env-file: NAME=value lines in a 0600 file, and nothing on stdout", async () => {
    const file = join(home().home, "serve.env");
    const server = start(serveArgs("--write-env-file", file), fixture.env);
    await waitFor(() => server.stderr().includes("serving"));
    expect((statSync(file).mode & 0o777).toString(8)).toBe("600");
    const vars = readEnvFile(file);
    expect(Object.keys(vars)).toEqual([
      "AWS_CONTAINER_CREDENTIALS_FULL_URI",
      "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    ]);
    expect(vars.AWS_CONTAINER_AUTHORIZATION_TOKEN).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(server.stdout()).toBe("");
    server.child.kill("SIGTERM");
    expect((await server.done).code).toBe(0);
  });

  it("--port and --token-file: a restart on the same port with the same file keeps the token", async () => {
    const port = await freePort();
    const tokenFile = join(home().home, "serve.token");
    const tokens: string[] = [];
    for (let i = 0; i < 2; i++) {
      const server = start(
        serveArgs("--port", String(port), "--token-file", tokenFile),
        fixture.env,
      );
      await waitFor(() => server.stderr().includes("serving"));
      const vars = exported(server.stdout());
      expect(vars.AWS_CONTAINER_CREDENTIALS_FULL_URI).toBe(`http://127.0.0.1:${port}/credentials`);
      tokens.push(vars.AWS_CONTAINER_AUTHORIZATION_TOKEN as string);
      server.child.kill("SIGTERM");
      expect((await server.done).code).toBe(0);
    }
    expect(tokens[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(tokens[1]).toBe(tokens[0]);
    expect((statSync(tokenFile).mode & 0o777).toString(8)).toBe("600");
    expect(readFileSync(tokenFile, "utf8").trim()).toBe(tokens[0]);
  });

  it.each([
    [
      "readable by others",
      (f: string) => writeFileSync(f, `${"a".repeat(43)}\n`, { mode: 0o644 }),
      /chmod 600/,
    ],
    ["too short", (f: string) => writeFileSync(f, "short\n", { mode: 0o600 }), /at least 43/],
    [
      "with shell characters",
      (f: string) => writeFileSync(f, `${"a".repeat(43)}$(x)\n`, { mode: 0o600 }),
      /at least 43/,
    ],
    [
      "a symbolic link",
      (f: string) => symlinkSync(join(home().home, "serve.token"), f),
      /symbolic link/,
    ],
  ])(
    "a token file %s is refused (exit 2), its content never shown",
    async (_name, make, message) => {
      const file = join(home().home, `bad-${++n}.token`);
      make(file);
      const out = await run(serveArgs("--token-file", file), fixture.env);
      expect(out.code).toBe(2);
      expect(ownLines(out.stderr).join("\n")).toMatch(message);
      expect(out.stderr).not.toContain("a".repeat(43));
      expect(out.stdout).toBe("");
    },
  );

  it("fails as the other commands do, before serving: AccessDenied exits 4, a port in use 2", async () => {
    const args = serveArgs();
    args[1] = ROLE("Denied");
    const denied = await run(args, fixture.env);
    expect(denied.code).toBe(4);
    expect(ownLines(denied.stderr).join("\n")).toMatch(/AccessDenied/);
    expect(denied.stdout).toBe("");

    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    const busy = await run(serveArgs("--port", String(port)), fixture.env);
    blocker.close();
    expect(busy.code).toBe(2);
    expect(ownLines(busy.stderr).join("\n")).toMatch(
      /cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE/,
    );
  });
});
