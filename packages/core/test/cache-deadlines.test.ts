/**
 * Every cache operation the core awaits has a deadline: a cache that never answers costs
 * a refresh one deadline, then the caller gets credentials from STS, and a process whose
 * cache hangs can still exit.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { type CredentialCache, MemoryCache } from "@assume-role-lib/core";
import { beforeAll, describe, expect, it } from "vitest";
import { EventLog, type FrozenSts, role, rootSession, useFrozenSts } from "./helpers.js";

const getSts = useFrozenSts();
let sts: FrozenSts;
beforeAll(() => {
  sts = getSts();
});

const never = () => new Promise<never>(() => {});
type Op = "get" | "set" | "lock" | "release";

/** A MemoryCache whose `hang` operation never settles. */
function hangingOn(hang: Op): CredentialCache {
  const inner = new MemoryCache();
  return {
    get: (k) => (hang === "get" ? never() : inner.get(k)),
    set: (k, v) => (hang === "set" ? never() : inner.set(k, v)),
    has: (k) => inner.has(k),
    delete: (k) => inner.delete(k),
    lock: async (k, o) => {
      if (hang === "lock") return never();
      const release = await inner.lock(k, o);
      return hang === "release" ? () => never() : release;
    },
  };
}

describe("a cache operation that never settles", () => {
  it.each<Op>(["get", "set", "lock", "release"])(
    "%s: the caller gets credentials from STS after one deadline, and hears why",
    async (hang) => {
      const log = new EventLog();
      const s = rootSession(sts, log).assumeRole(role("Demo"), {
        cache: hangingOn(hang),
        cacheTimeoutMs: 200,
      });
      const started = performance.now();
      const creds = await s.credentials();
      const took = performance.now() - started;
      expect(creds.accessKeyId).toMatch(/^ASIA/);
      expect(took).toBeGreaterThanOrEqual(190);
      // One deadline (a lock attempt: its 250 ms slice on top), not one per step.
      expect(took).toBeLessThan(2000);
      const errors = log.of("cache-error");
      expect(errors).toHaveLength(1);
      expect(errors[0]?.operation).toBe(hang === "release" ? "unlock" : hang);
      expect(errors[0]?.error).toMatchObject({ name: "CacheTimeoutError", code: "ETIMEDOUT" });
      expect(sts.stats.calls("AssumeRole")).toBe(1);
    },
  );
});

describe("a process whose cache hangs", () => {
  it("prints its credentials and exits by itself", async () => {
    const child = spawn(
      process.execPath,
      [fileURLToPath(new URL("./fixtures/hanging-cache.mjs", import.meta.url))],
      {
        env: {
          ...process.env,
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
          STS_ENDPOINT: sts.endpoint,
          STS_REGION: sts.region,
          ROOT_KEY_ID: sts.rootCredentials.accessKeyId,
          ROOT_SECRET: sts.rootCredentials.secretAccessKey,
        },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
      child.once("close", (c, s) => resolve([c, s])),
    );
    clearTimeout(killer);
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^ASIA/);
  }, 30_000);
});
