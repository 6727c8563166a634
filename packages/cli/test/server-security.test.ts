import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newToken, tokenChecker } from "../src/server/auth-token.js";
import {
  type FrozenSts,
  fetchCredentials,
  httpGet,
  type InProcessServer,
  ROLE_ARN,
  serveInProcess,
  startFrozenSts,
} from "./server-helpers.js";

let sts: FrozenSts;
let running: InProcessServer;
const debugLines: string[] = [];

beforeAll(async () => {
  sts = await startFrozenSts();
  running = await serveInProcess(sts, ROLE_ARN("Demo"), { log: (l) => debugLines.push(l) });
});

afterAll(async () => {
  await running.close();
  await sts.close();
});

const url = () => running.server.url;
const auth = () => ({ Authorization: running.token });
/** A refusal says its status and nothing more. */
const NO_DETAIL = /^\{"Message":"[A-Za-z ]+"\}$/;

describe("the token", () => {
  it("is 256 random bits (43 base64url characters), new each time", () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => newToken()));
    expect(tokens.size).toBe(1000);
    for (const token of tokens) {
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(token, "base64url")).toHaveLength(32);
    }
  });

  it("is compared on equal-length digests: any candidate length is a plain false", () => {
    const matches = tokenChecker("a".repeat(43));
    expect(matches("a".repeat(43))).toBe(true);
    for (const candidate of ["", "a", "a".repeat(42), "a".repeat(44), "a".repeat(10_000)]) {
      expect(matches(candidate)).toBe(false);
    }
  });
});

describe("without the exact token: 401 or 403, no detail", () => {
  it("no Authorization header: 401", async () => {
    const res = await httpGet(url(), {});
    expect(res.status).toBe(401);
    expect(res.body).toMatch(NO_DETAIL);
  });

  it.each([
    ["a wrong token", () => newToken()],
    ["the token without its last character", () => running.token.slice(0, -1)],
    ["the token and one more character", () => `${running.token}x`],
    ["the token as a Bearer token", () => `Bearer ${running.token}`],
    ["the token in other case", () => running.token.toUpperCase()],
    ["an empty value", () => ""],
  ])("%s: 403", async (_name, token) => {
    const res = await httpGet(url(), { Authorization: token() });
    expect(res.status).toBe(403);
    expect(res.body).toMatch(NO_DETAIL);
    expect(res.body).not.toContain(running.token);
  });

  it("a wrong method or path without the token is still just 401/403", async () => {
    expect((await httpGet(url(), {}, { method: "POST" })).status).toBe(401);
    expect((await httpGet(url(), { Authorization: "x" }, { path: "/" })).status).toBe(403);
  });
});

describe("with the token", () => {
  it("serves the container-credentials document", async () => {
    const res = await httpGet(url(), auth());
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/json");
    expect(res.headers["cache-control"]).toBe("no-store");
    const doc = JSON.parse(res.body);
    expect(Object.keys(doc).sort()).toEqual([
      "AccessKeyId",
      "AccountId",
      "Expiration",
      "SecretAccessKey",
      "Token",
    ]);
    expect(doc.AccessKeyId).toMatch(/^ASIA/);
    expect(doc.AccountId).toBe("123456789012");
    expect(doc.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it.each(["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])("%s: 405", async (method) => {
    const res = await httpGet(url(), auth(), { method });
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe("GET");
  });

  it.each([
    "/",
    "/credentials/",
    "/credentials?role=x",
    "/role-arn/arn:aws:iam::1:role/X",
    "//credentials",
  ])("path %s: 404", async (path) => {
    expect((await httpGet(url(), auth(), { path })).status).toBe(404);
  });
});

describe("DNS rebinding: the Host header must name loopback on this port", () => {
  it.each([
    ["evil.example", 403],
    ["evil.example:PORT", 403],
    ["127.0.0.1.evil.example:PORT", 403],
    ["127.0.0.1:1", 403],
    ["10.0.0.1:PORT", 403],
    ["localhost.:PORT", 403],
    ["127.0.0.1:PORT", 200],
    ["localhost:PORT", 200],
    ["LOCALHOST:PORT", 200],
    ["[::1]:PORT", 200],
    ["127.1.2.3:PORT", 200],
    ["127.0.0.1", 200],
  ])("Host %s: %i", async (host, status) => {
    const res = await httpGet(url(), {
      ...auth(),
      Host: host.replace("PORT", String(running.server.port)),
    });
    expect(res.status).toBe(status);
    if (status !== 200) expect(res.body).toMatch(NO_DETAIL);
  });
});

describe("oversized requests", () => {
  it("a request body: 413", async () => {
    const res = await httpGet(
      url(),
      { ...auth(), "Content-Length": "100" },
      { body: "x".repeat(100) },
    );
    expect(res.status).toBe(413);
  });

  it("a chunked body: 413", async () => {
    const res = await httpGet(url(), { ...auth(), "Transfer-Encoding": "chunked" }, { body: "x" });
    expect(res.status).toBe(413);
  });

  it("a long URL: 414", async () => {
    const res = await httpGet(url(), auth(), { path: `/credentials?${"x".repeat(2000)}` });
    expect(res.status).toBe(414);
  });

  it("headers over 8 KiB: 431, from Node before any handler", async () => {
    const res = await httpGet(url(), { ...auth(), "X-Padding": "x".repeat(10_000) });
    expect(res.status).toBe(431);
  });
});

describe("listening", () => {
  it("on 127.0.0.1 only: another address of this machine is refused", async () => {
    expect(url()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/credentials$/);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === "IPv4")
      .map((a) => a?.address as string);
    for (const address of others) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = connect(running.server.port, address);
        socket.once("connect", () => {
          socket.destroy();
          resolve("connected");
        });
        socket.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? "error"));
      });
      expect(outcome).toBe("ECONNREFUSED");
    }
  });
});

describe("nothing secret in the request log", () => {
  it("debug lines name statuses and reasons, never the token or a credential", async () => {
    const doc = await fetchCredentials(running);
    await httpGet(url(), { Authorization: `${running.token}x` });
    await httpGet(url(), { ...auth(), Host: "evil.example" });
    const log = debugLines.join("\n");
    expect(log).toContain("200 served");
    expect(log).toContain("403 wrong token");
    for (const secret of [running.token, doc.SecretAccessKey, doc.Token]) {
      expect(log).not.toContain(secret);
    }
  });
});
