/**
 * JSONFileCache under a real assumed-role session, against sts-local over HTTP.
 */
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type AssumeRoleEvent,
  assumeRole,
  cacheKey,
  parseCacheEntry,
  Session,
} from "@assume-role-lib/core";
import { JSONFileCache } from "@assume-role-lib/file-cache";
import {
  randomKeyId,
  randomSecret,
  randomSessionToken,
  type StsLocal,
  startStsLocal,
} from "@assume-role-lib/sts-local";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { leftovers, tempDir } from "./helpers.js";

const ROLE = "arn:aws:iam::123456789012:role/Demo";
// Made at run time (sts-local's generator): no key-shaped literal is committed.
const CLI_KEY = randomKeyId("ASIA");
let sts: StsLocal;
const cleanups: Array<() => Promise<void>> = [];
beforeAll(async () => {
  sts = await startStsLocal();
});
afterAll(async () => {
  await sts.close();
});
afterEach(async () => {
  sts.stats.reset();
  sts.faults.clear();
  await Promise.all(cleanups.splice(0).map((c) => c()));
});

async function dir() {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

/** A new root session and assumed role, as a new process would build them. */
function session(cache: JSONFileCache, events: AssumeRoleEvent[] = []) {
  const parent = Session.fromCredentials(sts.rootCredentials, {
    region: sts.region,
    stsClientConfig: { endpoint: sts.endpoint, maxAttempts: 1 },
  });
  return assumeRole(parent, ROLE, { cache, onEvent: (e) => events.push(e) });
}

describe("JSONFileCache with a real session and sts-local", () => {
  it("a second session (a new process) gets the credentials from the file: one STS call", async () => {
    const cacheDir = await dir();
    const first = await session(new JSONFileCache(cacheDir)).credentials();
    const events: AssumeRoleEvent[] = [];
    const second = await session(new JSONFileCache(cacheDir), events).credentials();
    expect(second.accessKeyId).toBe(first.accessKeyId);
    expect(sts.stats.calls("AssumeRole")).toBe(1);
    expect(events.map((e) => e.type)).toContain("cache-hit");
    // The file is named by botocore's key: the AWS CLI would find it.
    const key = cacheKey({ RoleArn: ROLE }, { generatedSessionName: true });
    expect(await readdir(cacheDir)).toEqual([`${key}.json`, `${key}.json.lock`]);
    expect(await leftovers(cacheDir)).toEqual([]);
  });

  it("uses an entry the AWS CLI wrote (UTC suffix, ResponseMetadata) without calling STS", async () => {
    const cacheDir = await dir();
    const key = cacheKey({ RoleArn: ROLE }, { generatedSessionName: true });
    const expiration = new Date(Date.now() + 3_600_000).toISOString().slice(0, 19);
    await writeFile(
      join(cacheDir, `${key}.json`),
      JSON.stringify({
        Credentials: {
          AccessKeyId: CLI_KEY,
          SecretAccessKey: randomSecret(),
          SessionToken: randomSessionToken(),
          Expiration: `${expiration}UTC`,
        },
        AssumedRoleUser: {
          AssumedRoleId: "AROA:cli",
          Arn: "arn:aws:sts::123456789012:assumed-role/Demo/cli",
        },
        ResponseMetadata: { RequestId: "x", HTTPStatusCode: 200 },
      }),
    );
    const creds = await session(new JSONFileCache(cacheDir)).credentials();
    expect(creds.accessKeyId).toBe(CLI_KEY);
    expect(sts.stats.calls("AssumeRole")).toBe(0);
  });

  it("a corrupt entry is a miss and is replaced with a valid one", async () => {
    const cacheDir = await dir();
    const key = cacheKey({ RoleArn: ROLE }, { generatedSessionName: true });
    const file = join(cacheDir, `${key}.json`);
    await writeFile(file, '{"Credentials": {"AccessKeyId": "trunc');
    const events: AssumeRoleEvent[] = [];
    const creds = await session(new JSONFileCache(cacheDir), events).credentials();
    expect(sts.stats.calls("AssumeRole")).toBe(1);
    expect(events).toContainEqual(expect.objectContaining({ type: "cache-miss", why: "invalid" }));
    expect(parseCacheEntry(await readFile(file))?.Credentials.AccessKeyId).toBe(creds.accessKeyId);
    expect(await leftovers(cacheDir)).toEqual([]);
  });

  it("an unusable cache directory (simulated: its path runs through a regular file, ENOTDIR) is reported and STS still answers", async () => {
    // Tests run as root, for whom chmod 0500 does not block writes; a regular file in the
    // path fails every read, write and lock the way a read-only or vanished mount would.
    const root = await dir();
    await writeFile(join(root, "file"), "not a directory");
    const events: AssumeRoleEvent[] = [];
    const creds = await session(
      new JSONFileCache(join(root, "file", "cache")),
      events,
    ).credentials();
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(sts.stats.calls("AssumeRole")).toBe(1);
    const errors = events.filter((e) => e.type === "cache-error");
    // The core reads again after trying the lock, so "get" may be reported twice.
    expect(new Set(errors.map((e) => e.type === "cache-error" && e.operation))).toEqual(
      new Set(["get", "lock", "set"]),
    );
    // The reported errors carry no secret.
    expect(
      JSON.stringify(errors.map((e) => e.type === "cache-error" && e.error.message)),
    ).not.toContain(creds.secretAccessKey);
  });

  it("a cache directory replaced by a file after the first write is reported and STS still answers", async () => {
    const root = await dir();
    const cacheDir = join(root, "cache");
    await session(new JSONFileCache(cacheDir)).credentials();
    await import("node:fs/promises").then((fs) => fs.rm(cacheDir, { recursive: true }));
    await writeFile(cacheDir, "now a file");
    const events: AssumeRoleEvent[] = [];
    const creds = await session(new JSONFileCache(cacheDir), events).credentials();
    expect(creds.accessKeyId).toMatch(/^ASIA/);
    expect(sts.stats.calls("AssumeRole")).toBe(2);
    expect(events.some((e) => e.type === "cache-error" && e.operation === "set")).toBe(true);
  });
});
