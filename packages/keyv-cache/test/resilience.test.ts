import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
/**
 * Redis down, stalled, restarting or absent at start: operations fail fast (the core then
 * calls STS), nothing crashes, and sharing resumes when Redis is back. Throwaway servers.
 */
import { sampleEntry } from "@assume-role-lib/cache-conformance";
import { type AssumeRoleEvent, assumeRole, parseCacheEntry, Session } from "@assume-role-lib/core";
import { KeyvCache, KeyvCacheTimeoutError } from "@assume-role-lib/keyv-cache";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueNamespace, waitFor } from "./helpers.js";
import { freePort, RedisServer, stopAllRedis } from "./redis-harness.js";

const ROLE = "arn:aws:iam::123456789012:role/Demo";
const key = () => Math.random().toString(16).slice(2).padEnd(40, "0");
const opened: KeyvCache[] = [];
const open = (url: string, options: Parameters<typeof KeyvCache.redis>[1] = {}) => {
  const cache = KeyvCache.redis(url, {
    namespace: uniqueNamespace("res"),
    reconnectMaxDelayMs: 200,
    ...options,
  });
  opened.push(cache);
  return cache;
};

/** How long `work` took to reject (it must reject). */
async function rejectsWithin(work: () => Promise<unknown>): Promise<number> {
  const started = Date.now();
  await expect(work()).rejects.toBeInstanceOf(Error);
  return Date.now() - started;
}

/** True once the cache can write and read again. */
const usable = (cache: KeyvCache) => async () => {
  try {
    const k = key();
    await cache.set(k, sampleEntry());
    return parseCacheEntry(await cache.get(k)) !== undefined;
  } catch {
    return false;
  }
};

afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await stopAllRedis();
});

describe("Redis faults", () => {
  it("a killed Redis fails every operation fast; after a restart sharing resumes", async () => {
    const server = await RedisServer.start();
    const errors: unknown[] = [];
    const cache = open(server.url, { onError: (e) => errors.push(e) });
    const k = key();
    await cache.set(k, sampleEntry());
    expect(parseCacheEntry(await cache.get(k))).toBeDefined();

    await server.kill();
    const ops: Array<() => Promise<unknown>> = [
      () => cache.get(k),
      () => cache.set(k, sampleEntry()),
      () => cache.has(k),
      () => cache.delete(k),
      () => cache.lock(k, { waitMs: 5000, ttlMs: 5000 }),
    ];
    for (const op of ops) expect(await rejectsWithin(op)).toBeLessThan(1500);
    expect(errors.length).toBeGreaterThan(0); // reported to onError, and the process lives

    await server.restart(); // same port, empty
    await waitFor(usable(cache), 10_000);
    const release = await cache.lock(k, { waitMs: 1000, ttlMs: 5000 });
    expect(release).toBeTypeOf("function");
    await release?.();
    await server.stop();
  });

  it("a stalled Redis costs at most operationTimeoutMs per operation", async () => {
    const server = await RedisServer.start();
    const cache = open(server.url, { operationTimeoutMs: 300 });
    await waitFor(usable(cache));
    server.pause();
    try {
      const started = Date.now();
      await expect(cache.get(key())).rejects.toBeInstanceOf(KeyvCacheTimeoutError);
      await expect(cache.lock(key(), { waitMs: 5000, ttlMs: 5000 })).rejects.toBeInstanceOf(
        KeyvCacheTimeoutError,
      );
      expect(Date.now() - started).toBeLessThan(1500);
    } finally {
      server.resume();
    }
    await waitFor(usable(cache));
    await server.stop();
  });

  it("Redis absent at start: fails fast, then connects once it is up", async () => {
    const port = await freePort();
    const cache = open(`redis://127.0.0.1:${port}`, { operationTimeoutMs: 300 });
    expect(await rejectsWithin(() => cache.get(key()))).toBeLessThan(1000);
    const server = await RedisServer.start({ port });
    await waitFor(usable(cache), 10_000);
    await server.stop();
  });
});

describe("with assumeRole and sts-local", () => {
  let sts: StsLocal;
  beforeAll(async () => {
    sts = await startStsLocal();
  });
  afterAll(() => sts?.close());

  it("shares credentials; with Redis down no request fails; sharing resumes after", async () => {
    const server = await RedisServer.start();
    const namespace = uniqueNamespace("core");
    const [a, b] = [open(server.url, { namespace }), open(server.url, { namespace })];
    const events: AssumeRoleEvent[] = [];
    const session = (cache: KeyvCache) =>
      assumeRole(
        Session.fromCredentials(sts.rootCredentials, {
          region: sts.region,
          stsClientConfig: { endpoint: sts.endpoint, maxAttempts: 1 },
        }),
        ROLE,
        { cache, onEvent: (e) => events.push(e) },
      );
    const calls = () => sts.stats.calls("AssumeRole", ROLE);
    const base = calls();

    const first = await session(a).credentials();
    const second = await session(b).credentials();
    expect(second.accessKeyId).toBe(first.accessKeyId);
    expect(calls() - base).toBe(1);

    await server.kill();
    const during = await Promise.all(
      [session(a), session(b), session(a)].map((s) => s.credentials()),
    );
    expect(during.every((c) => c.accessKeyId.startsWith("ASIA"))).toBe(true);
    expect(calls() - base).toBe(4);
    expect(events.some((e) => e.type === "cache-error")).toBe(true);
    for (const e of events) expect(JSON.stringify(e)).not.toContain(first.secretAccessKey);

    await server.restart();
    await waitFor(async () => (await usable(a)()) && (await usable(b)()), 10_000);
    const after = await session(a).credentials();
    expect((await session(b).credentials()).accessKeyId).toBe(after.accessKeyId);
    expect(calls() - base).toBe(5);
    await server.stop();
  });
});

describe("close() when Redis was never reachable", () => {
  it("lets the process exit (node-redis would otherwise reconnect for ever)", () => {
    const script = `
      const { KeyvCache } = await import("@assume-role-lib/keyv-cache");
      const cache = KeyvCache.redis("redis://127.0.0.1:1");
      await cache.get("k").catch(() => {});
      await cache.close();
    `;
    const started = performance.now();
    const r = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      timeout: 20_000,
      encoding: "utf8",
    });
    expect(r.signal, "the process had to be killed: close() left it running").toBeNull();
    expect(r.status).toBe(0);
    expect(performance.now() - started).toBeLessThan(15_000);
  });
});
