/** Shared test plumbing: one throwaway Redis per test file (or REDIS_URL), raw access to it. */
import { createClient } from "@redis/client";
import { RedisServer } from "./redis-harness.js";

const rawClient = (url: string) => createClient({ url, socket: { reconnectStrategy: false } });
export type RawRedis = ReturnType<typeof rawClient>;

/** A test encryption key (32 bytes, hex). */
export const TEST_KEY = "a1".repeat(32);
export const OTHER_KEY = "b2".repeat(32);

let server: Promise<RedisServer> | undefined;

/**
 * The Redis for the basic suites: REDIS_URL when set, else a throwaway server started on
 * first use. Tests that kill or restart Redis always start their own.
 */
export async function testRedisUrl(): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  server ??= RedisServer.start();
  return (await server).url;
}

/** A plain node-redis client, to look at and tamper with what the cache stored. */
export async function rawRedis(url: string): Promise<RawRedis> {
  const client = rawClient(url);
  client.on("error", () => {});
  await client.connect();
  return client;
}

/** Bytes or text as a raw Redis string value, the way a foreign writer would store it. */
export function rawValue(value: string | Buffer | object | number): string | Buffer {
  if (typeof value === "string" || Buffer.isBuffer(value)) return value;
  return typeof value === "number" ? String(value) : JSON.stringify(value);
}

/** A namespace nobody else uses. */
export function uniqueNamespace(label: string): string {
  return `test-${label}-${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Resolves once `check()` is true, polling; rejects after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("timed out waiting for a condition");
    await new Promise((r) => setTimeout(r, 20));
  }
}
