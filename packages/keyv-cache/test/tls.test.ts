/**
 * rediss://: KeyvCache over TLS, through the bundle (whose Redis client loads node:tls on
 * first use, not at import). A TLS server in this process terminates TLS with a test
 * certificate for localhost (fixtures/tls-localhost.*, self-signed, test use only) and
 * relays each connection to a plain throwaway Redis.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { createServer, type Server } from "node:tls";
import { promisify } from "node:util";
import { sampleEntry } from "@assume-role-lib/cache-conformance";
import { KeyvCache } from "@assume-role-lib/keyv-cache";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testRedisUrl, uniqueNamespace } from "./helpers.js";
import { stopAllRedis } from "./redis-harness.js";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const cert = fixture("tls-localhost.crt");

let server: Server;
let tlsUrl: string;
let secureConnections = 0;
let handshakeFailures = 0;
const opened: KeyvCache[] = [];

beforeAll(async () => {
  const plain = new URL(await testRedisUrl());
  server = createServer({ cert, key: fixture("tls-localhost.key") }, (socket) => {
    secureConnections++;
    const redis = connectTcp(Number(plain.port), plain.hostname);
    socket.pipe(redis).pipe(socket);
    for (const end of [socket, redis]) end.on("error", () => socket.destroy());
  });
  server.on("tlsClientError", () => {
    handshakeFailures++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  tlsUrl = `rediss://localhost:${port}`;
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  server?.close();
  await stopAllRedis();
});

const open = (ca?: Buffer) => {
  const cache = KeyvCache.redis(tlsUrl, {
    namespace: uniqueNamespace("tls"),
    operationTimeoutMs: 2000,
    ...(ca ? { clientOptions: { socket: { tls: true, ca } } } : {}),
  });
  opened.push(cache);
  return cache;
};

describe("KeyvCache over rediss://", () => {
  it("stores and reads entries over TLS when the server's certificate is trusted", async () => {
    const cache = open(cert);
    const key = "c".repeat(40);
    const entry = sampleEntry(600_000);
    await cache.set(key, entry);
    expect(await cache.get(key)).toEqual(entry);
    expect(secureConnections).toBeGreaterThan(0);
  });

  it("reads nothing from a server whose certificate it does not trust", async () => {
    const cache = open();
    const before = secureConnections;
    // The client refuses the handshake and keeps retrying: the read runs out of time.
    await expect(cache.get("d".repeat(40))).rejects.toMatchObject({
      name: "KeyvCacheTimeoutError",
    });
    expect(handshakeFailures).toBeGreaterThan(0);
    expect(secureConnections).toBe(before);
  });
});

describe("KeyvCache over redis://", () => {
  it("reads without node:tls, node:dns/promises or node:crypto (each loaded on first use)", async () => {
    const bundle = new URL("../dist/index.js", import.meta.url).href;
    const script = `
      const { KeyvCache } = await import(${JSON.stringify(bundle)});
      const cache = KeyvCache.redis(${JSON.stringify(await testRedisUrl())});
      const builtins = () =>
        process.moduleLoadList.filter((m) => m.startsWith("NativeModule ")).map((m) => m.slice(13));
      await cache.get("e".repeat(40));
      const read = builtins();
      // A lock's token is random: node:crypto is there when it is needed.
      const release = await cache.lock("e".repeat(40), { waitMs: 0, ttlMs: 5000 });
      await release();
      await cache.close();
      process.stdout.write(JSON.stringify({ read, locked: builtins() }));`;
    const { stdout } = await promisify(execFile)(process.execPath, [
      "--input-type=module",
      "-e",
      script,
    ]);
    const { read, locked } = JSON.parse(stdout) as { read: string[]; locked: string[] };
    expect(read).toContain("net"); // the check sees what the client did load
    for (const module of ["tls", "dns/promises", "crypto"]) expect(read).not.toContain(module);
    expect(locked).toContain("crypto");
  });
});
