/**
 * KeyvCache against whoever else can reach the store: an app in another namespace, a Redis
 * user with the wrong password or a narrow ACL, a writer without the encryption key, and
 * careless configuration. The "other users" here are Redis ACL users on a throwaway
 * redis-server started with --requirepass.
 */
import { sampleEntry } from "@assume-role-lib/cache-conformance";
import { type AssumeRoleEvent, assumeRole, parseCacheEntry, Session } from "@assume-role-lib/core";
import { KeyvCache, unreadableReason } from "@assume-role-lib/keyv-cache";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { Keyv } from "keyv";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RawRedis, rawRedis, TEST_KEY } from "./helpers.js";
import { RedisServer, stopAllRedis } from "./redis-harness.js";

const ROLE = "arn:aws:iam::123456789012:role/Demo";
const KEY = "0123456789abcdef0123456789abcdef01234567";
const PASSWORD = "correct-horse-battery-staple";
let server: RedisServer;
let admin: RawRedis;
let sts: StsLocal;
const opened: KeyvCache[] = [];
const url = (auth: string) => `redis://${auth}@127.0.0.1:${server.port}`;
const open = (u: string, options: Parameters<typeof KeyvCache.redis>[1] = {}) => {
  const cache = KeyvCache.redis(u, {
    operationTimeoutMs: 5000,
    reconnectMaxDelayMs: 200,
    ...options,
  });
  opened.push(cache);
  return cache;
};

beforeAll(async () => {
  [server, sts] = await Promise.all([
    RedisServer.start({ args: ["--requirepass", PASSWORD] }),
    startStsLocal(),
  ]);
  admin = await rawRedis(url(`:${PASSWORD}`));
  // billing-app may use the keys of namespace "billing" (entries and locks) and nothing else.
  await admin.sendCommand([
    "ACL",
    "SETUSER",
    "billing-app",
    "on",
    ">billing-pw",
    "~billing:*",
    "+@read",
    "+@write",
    "+@scripting",
    "+@connection",
  ]);
});
afterAll(async () => {
  await Promise.all(opened.map((c) => c.close()));
  await admin?.close();
  await sts?.close();
  await stopAllRedis();
});

/** An assumed-role session on sts-local over `cache`, reporting events to `events`. */
const roleSession = (cache: KeyvCache, events: AssumeRoleEvent[]) =>
  assumeRole(
    Session.fromCredentials(sts.rootCredentials, {
      region: sts.region,
      stsClientConfig: { endpoint: sts.endpoint, maxAttempts: 1 },
    }),
    ROLE,
    { cache, onEvent: (e) => events.push(e) },
  );

/** Resolves what `work` rejected with, and how long it took. */
async function rejection(work: () => Promise<unknown>) {
  const started = Date.now();
  try {
    await work();
  } catch (error) {
    return { error: error as Error & { code?: string }, ms: Date.now() - started };
  }
  throw new Error("expected a rejection");
}

describe("Redis refusing us is reported as what it is, not as a timeout", () => {
  it.each([
    ["a wrong password", "WRONGPASS", () => url(":wrong-password")],
    ["a wrong ACL user password", "WRONGPASS", () => url("billing-app:nope")],
    ["no password", "NOAUTH", () => `redis://127.0.0.1:${server.port}`],
  ])("%s: RedisAccessError %s, long before the 5 s deadline", async (_, code, u) => {
    const cache = open(u(), { namespace: "billing" });
    for (const op of [
      () => cache.get(KEY),
      () => cache.set(KEY, sampleEntry()),
      () => cache.lock(KEY, { waitMs: 100, ttlMs: 1000 }),
    ]) {
      const { error, ms } = await rejection(op);
      expect(error).toMatchObject({ name: "RedisAccessError", code });
      expect(error.message).not.toContain("wrong-password");
      expect(ms).toBeLessThan(2500);
    }
  });

  it("an ACL that does not cover the namespace: NOPERM for entries and locks; its own namespace works", async () => {
    const other = open(url("billing-app:billing-pw"), { namespace: "payroll" });
    for (const op of [
      () => other.get(KEY),
      () => other.set(KEY, sampleEntry()),
      () => other.lock(KEY, { waitMs: 100, ttlMs: 1000 }),
    ]) {
      expect((await rejection(op)).error).toMatchObject({
        name: "RedisAccessError",
        code: "NOPERM",
      });
    }
    // One ACL pattern, ~billing:*, covers the namespace's entries and its locks.
    const own = open(url("billing-app:billing-pw"), { namespace: "billing" });
    await own.set(KEY, sampleEntry());
    expect(parseCacheEntry(await own.get(KEY))).toBeDefined();
    const release = await own.lock(KEY, { waitMs: 100, ttlMs: 1000 });
    expect(release).toBeTypeOf("function");
    await release?.();
  });

  it("through the core: a cache-error event that names it, and credentials from STS", async () => {
    const events: AssumeRoleEvent[] = [];
    const cache = open(url(":wrong-password"), { namespace: "core-wrongpass" });
    const session = roleSession(cache, events);
    const started = Date.now();
    const credentials = await session.credentials();
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(Date.now() - started).toBeLessThan(4000);
    const errors = events.filter((e) => e.type === "cache-error");
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.type === "cache-error" && e.error).toMatchObject({
        name: "RedisAccessError",
        code: "WRONGPASS",
      });
    }
  });
});

describe("namespaces cannot reach each other's entries or locks", () => {
  it.each(["billing:lock", "billing:", ":billing", "", "a b", "bill/ing", "x".repeat(129), "é"])(
    "namespace %j is an AssumeRoleValidationError, before any connection",
    (namespace) => {
      for (const make of [
        () => new KeyvCache(new Keyv(), { namespace }),
        () => KeyvCache.redis(url(`:${PASSWORD}`), { namespace }),
      ]) {
        expect(make).toThrow(
          expect.objectContaining({ name: "AssumeRoleValidationError", fields: ["namespace"] }),
        );
      }
    },
  );

  it("keys with ':' or spaces are refused, so no key is another key's lock", async () => {
    const cache = new KeyvCache(new Keyv(), { namespace: "billing" });
    for (const key of ["lock:abc", "a b", "", "é"]) {
      await expect(cache.get(key)).rejects.toMatchObject({ name: "InvalidCacheKeyError" });
      await expect(cache.set(key, sampleEntry())).rejects.toMatchObject({
        name: "InvalidCacheKeyError",
      });
      await expect(cache.lock(key, { waitMs: 10, ttlMs: 100 })).rejects.toMatchObject({
        name: "InvalidCacheKeyError",
      });
    }
  });

  it("on Redis: an entry key and a lock key of two namespaces never meet", async () => {
    const billing = open(url(`:${PASSWORD}`), { namespace: "billing" });
    const release = await billing.lock(KEY, { waitMs: 100, ttlMs: 10_000 });
    const lockValue = await admin.get(billing.lockKey(KEY));
    // The namespace that used to write onto billing's lock keys cannot exist any more, and
    // no other namespace's entry key is billing's lock key.
    expect(() => open(url(`:${PASSWORD}`), { namespace: "billing:lock" })).toThrow();
    const other = open(url(`:${PASSWORD}`), { namespace: "billing-lock" });
    await other.set(KEY, sampleEntry());
    expect(await admin.get(billing.lockKey(KEY))).toBe(lockValue);
    await release?.();
  });
});

describe("careless configuration is an error, never a silent downgrade", () => {
  it.each([
    ["an empty string", ""],
    ["null", null],
    ["undefined (an unset environment variable)", undefined],
    ["0", 0],
    ["false", false],
  ])("encryptionKey %s: AssumeRoleValidationError, not entries in clear", (_, encryptionKey) => {
    const options = { encryptionKey } as never;
    for (const make of [
      () => new KeyvCache(new Keyv(), options),
      () => KeyvCache.redis(url(`:${PASSWORD}`), options),
    ]) {
      expect(make).toThrow(
        expect.objectContaining({ name: "AssumeRoleValidationError", fields: ["encryptionKey"] }),
      );
    }
    expect(new KeyvCache(new Keyv()).encrypted).toBe(false);
  });

  it.each([
    ["undefined", "url", undefined],
    ["empty", "url", ""],
    ["another scheme", "url", "redis+sentinel://127.0.0.1:26379"],
    ["http", "url", "http://127.0.0.1:6379"],
    ["not a URL", "url", "127.0.0.1:6379"],
    ["no host", "url", "redis://"],
    ["a path that is not a database", "url", "redis://127.0.0.1:6379/cache"],
    ["no URL at all", "url", []],
    ["a bad one in a list", "url[1]", ["redis://127.0.0.1:7000", 5]],
  ])(
    "KeyvCache.redis(%s): AssumeRoleValidationError on %s, no connection to localhost",
    (_, field, u) => {
      expect(() => KeyvCache.redis(u as never, { cluster: true })).toThrow(
        expect.objectContaining({ name: "AssumeRoleValidationError", fields: [field] }),
      );
    },
  );

  it("a password in a bad URL is never quoted", () => {
    expect(() => KeyvCache.redis("redis://:hunter2-secret@host:notaport")).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining("hunter2") }),
    );
  });
});

describe("a writer without the encryption key cannot plant a usable entry", () => {
  it("planted plain text is undecryptable and tampering is tampered; the core calls STS and does not report 'absent'", async () => {
    const namespace = "enc-hostile";
    const cache = open(url(`:${PASSWORD}`), { namespace, encryptionKey: TEST_KEY });
    const events: AssumeRoleEvent[] = [];
    const session = () => roleSession(cache, events);
    const first = await session().credentials();
    const key = (events.find((e) => e.type === "cache-miss") as { key: string }).key;
    const sealed = (await admin.get(cache.storeKey(key))) as string;

    // Mallory, who can write Redis but has no key, plants her own credentials in clear.
    const planted = sampleEntry();
    await admin.set(cache.storeKey(key), JSON.stringify({ value: planted, expires: null }));
    expect(unreadableReason(await cache.get(key))).toBe("undecryptable");
    events.length = 0;
    const afterPlant = await session().credentials();
    expect(afterPlant.accessKeyId).not.toBe(planted.Credentials.AccessKeyId);
    expect(afterPlant.accessKeyId).toMatch(/^ASIA/);
    const miss = events.find((e) => e.type === "cache-miss");
    expect(miss && "why" in miss && miss.why).not.toBe("absent");

    // She flips one bit of a sealed entry.
    const doc = JSON.parse(sealed);
    const tag = Buffer.from(doc.value.tag, "base64");
    tag[0] = (tag[0] ?? 0) ^ 1;
    doc.value.tag = tag.toString("base64");
    await admin.set(cache.storeKey(key), JSON.stringify(doc));
    expect(unreadableReason(await cache.get(key))).toBe("tampered");
    expect(first.accessKeyId).toMatch(/^ASIA/);
  });
});
