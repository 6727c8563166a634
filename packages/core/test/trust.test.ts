/**
 * What an entry read from a shared cache must prove (entry-trust.ts), and the parent binding
 * (parent-binding.ts): tried as a hostile writer of the cache would, against sts-local.
 */
import {
  type AssumeRoleEvent,
  assumeRole,
  CACHE_MISS_REASON,
  type CacheEntry,
  type CredentialCache,
  NoParentCredentialsError,
  parseCacheEntry,
  Session,
} from "@assume-role-lib/core";
import {
  randomKeyId,
  randomSecret,
  randomSessionToken,
  type StsLocal,
  startStsLocal,
} from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { role } from "./helpers.js";

const rootKey = (name: string) => ({
  accessKeyId: randomKeyId("AKIA"),
  secretAccessKey: randomSecret(),
  arn: `arn:aws:iam::123456789012:user/${name}`,
});
// Fake keys made at run time (sts-local's generators): no key-shaped literal is committed.
const PLANTED_KEY = randomKeyId("ASIA");
const alice = rootKey("alice");
const mallory = rootKey("mallory");
const counted = rootKey("counted");
const stored = rootKey("stored");
let sts: StsLocal;

beforeAll(async () => {
  sts = await startStsLocal({
    rootCredentials: [alice, mallory, counted, stored],
    roles: [
      { arn: role("Demo") },
      { arn: role("Other") },
      { arn: role("Worker") },
      { arn: role("AliceOnly"), trustedPrincipals: [alice.arn] },
    ],
  });
});
afterAll(() => sts.close());

const parentOf = (key: { accessKeyId: string; secretAccessKey: string }) =>
  Session.fromCredentials(
    { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
    { region: sts.region, stsClientConfig: { endpoint: sts.endpoint, maxAttempts: 1 } },
  );
const calls = (action: string, key?: { accessKeyId: string }) =>
  sts.stats.requests.filter(
    (r) => r.action === action && (!key || r.accessKeyId === key.accessKeyId),
  ).length;

function entryFor(
  roleName: string,
  overrides: Partial<CacheEntry["Credentials"]> = {},
  session = "sess",
): CacheEntry {
  return {
    Credentials: {
      AccessKeyId: PLANTED_KEY,
      SecretAccessKey: randomSecret(),
      SessionToken: randomSessionToken(),
      Expiration: new Date(Date.now() + 3_000_000).toISOString(),
      ...overrides,
    },
    AssumedRoleUser: {
      AssumedRoleId: "AROAPLANTED:sess",
      Arn: `arn:aws:sts::123456789012:assumed-role/${roleName}/${session}`,
    },
  };
}

async function missReason(
  planted: CacheEntry,
  options: Record<string, unknown> = {},
): Promise<{ why: string[]; accessKeyId: string }> {
  const cache = new Map<string, unknown>();
  const events: AssumeRoleEvent[] = [];
  const child = assumeRole(parentOf(alice), role("Demo"), {
    RoleSessionName: "sess",
    cache,
    onEvent: (e) => events.push(e),
    ...options,
  });
  cache.set(child.cacheKey as string, planted);
  const { accessKeyId } = await child.credentials();
  const why = events.flatMap((e) => (e.type === "cache-miss" ? [e.why] : []));
  return { why, accessKeyId };
}

describe("what an entry must prove", () => {
  it.each([
    ["a newline in the AccessKeyId", { AccessKeyId: "ASIAQ\nPWNED=1 PATH=/evil" }],
    ["a space in the secret", { SecretAccessKey: "abc def ghi jkl mno pqr stu vwx" }],
    ["a quote in the token", { SessionToken: `FQoGZXIvYXdzE${"'"}$(touch /tmp/x)AAAAAAAAAAA` }],
    ["a short key id", { AccessKeyId: "ASIAQ" }],
    ["an account id that is not 12 digits", { AccountId: "12345678901x" }],
  ] as Array<[string, Partial<CacheEntry["Credentials"]>]>)(
    "%s is a miss (bad-characters), and STS is asked",
    async (_, overrides) => {
      const { why, accessKeyId } = await missReason(entryFor("Demo", overrides));
      expect(why).toEqual(["bad-characters"]);
      expect(accessKeyId).not.toBe(overrides.AccessKeyId ?? PLANTED_KEY);
    },
  );

  it("an Expiration years ahead is a miss (expiration-out-of-range)", async () => {
    const planted = entryFor("Demo", { Expiration: "2099-01-01T00:00:00Z" });
    expect((await missReason(planted)).why).toEqual(["expiration-out-of-range"]);
  });

  it("another role's entry copied over this role's key is a miss (role-mismatch)", async () => {
    expect((await missReason(entryFor("Other"))).why).toEqual(["role-mismatch"]);
    // Same role, another session name: not this request's credentials either.
    expect((await missReason(entryFor("Demo", {}, "someone-else"))).why).toEqual(["role-mismatch"]);
  });

  it("an entry the AWS CLI wrote (no binding, right role) is used; strict mode refuses it", async () => {
    const planted = entryFor("Demo");
    const used = await missReason(planted);
    expect(used).toEqual({ why: [], accessKeyId: PLANTED_KEY });
    const strict = await missReason(planted, { parentBinding: "strict" });
    expect(strict.why).toEqual(["parent-mismatch"]);
  });
});

describe("what a backend reports", () => {
  it.each(["tampered", "undecryptable"])(
    "a %s marker from get() is a miss with that reason",
    async (reason) => {
      const marker = { [CACHE_MISS_REASON]: reason, detail: "test" };
      const { why } = await missReason(marker as unknown as CacheEntry);
      expect(why).toEqual([reason]);
    },
  );
});

describe("parent binding", () => {
  it("mallory never gets the credentials alice's parent obtained (alice/mallory)", async () => {
    const cache = new Map<string, unknown>();
    const forAlice = assumeRole(parentOf(alice), role("AliceOnly"), { cache });
    const aliceKeys = await forAlice.credentials();
    const written = cache.get(forAlice.cacheKey as string) as Record<string, unknown>;
    expect(written.AssumeRoleLib).toEqual({ ParentPrincipal: alice.arn });
    // The AWS CLI still reads the entry: the binding is an extra field beside the response.
    expect(parseCacheEntry(written)?.Credentials.AccessKeyId).toBe(aliceKeys.accessKeyId);

    const events: AssumeRoleEvent[] = [];
    const forMallory = assumeRole(parentOf(mallory), role("AliceOnly"), {
      cache,
      onEvent: (e) => events.push(e),
    });
    expect(forMallory.cacheKey).toBe(forAlice.cacheKey); // botocore's key has no parent
    await expect(forMallory.credentials()).rejects.toMatchObject({ code: "AccessDenied" });
    expect(events).toContainEqual(expect.objectContaining({ why: "parent-mismatch" }));
  });

  it("asks GetCallerIdentity once per set of parent credentials, never per hit", async () => {
    const key = counted;
    const cache = new Map<string, unknown>();
    await assumeRole(parentOf(key), role("Demo"), { cache }).credentials();
    // Ten more sessions (as ten processes would be, minus the memory): all hits.
    for (let i = 0; i < 10; i++) {
      await assumeRole(parentOf(key), role("Demo"), { cache }).credentials();
    }
    expect(calls("AssumeRole", key)).toBe(1);
    expect(calls("GetCallerIdentity", key)).toBe(1);
  });

  it("a parent credentials object changed in place is looked up again: mallory's keys never pass as alice's", async () => {
    const cache = new Map<string, unknown>();
    // A provider that hands out one object, and later puts other keys into it.
    const held = { accessKeyId: alice.accessKeyId, secretAccessKey: alice.secretAccessKey };
    const parent = Session.fromCredentials(async () => held, {
      region: sts.region,
      stsClientConfig: { endpoint: sts.endpoint, maxAttempts: 1 },
    });
    await assumeRole(parent, role("AliceOnly"), { cache }).credentials();
    held.accessKeyId = mallory.accessKeyId;
    held.secretAccessKey = mallory.secretAccessKey;
    const events: AssumeRoleEvent[] = [];
    const again = assumeRole(parent, role("AliceOnly"), {
      cache,
      onEvent: (e) => events.push(e),
    });
    await expect(again.credentials()).rejects.toMatchObject({ code: "AccessDenied" });
    expect(events).toContainEqual(expect.objectContaining({ why: "parent-mismatch" }));
  });

  it("a principal store lets a new process skip GetCallerIdentity, and cannot be claimed by other keys", async () => {
    const store = new Map<string, unknown>();
    const cache = new Map<string, unknown>();
    const key = stored;
    await assumeRole(parentOf(key), role("Demo"), { cache, principalStore: store }).credentials();
    expect([...store.values()]).toEqual([{ ParentPrincipal: key.arn }]);
    // The store is keyed by a hash of key id and secret: the key id alone finds nothing.
    expect([...store.keys()][0]).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify([...store])).not.toContain(key.accessKeyId);
  });

  it("a fleet whose parents are sessions of one role shares one entry", async () => {
    const cache = new Map<string, unknown>();
    // Two workers, each with its own Worker-role session (different parent keys).
    const workerA = assumeRole(parentOf(alice), role("Worker"));
    const workerB = assumeRole(parentOf(mallory), role("Worker"));
    expect((await workerA.credentials()).accessKeyId).not.toBe(
      (await workerB.credentials()).accessKeyId,
    );
    const first = await workerA.assumeRole(role("Demo"), { cache }).credentials();
    const before = calls("AssumeRole");
    const second = await workerB.assumeRole(role("Demo"), { cache }).credentials();
    expect(second.accessKeyId).toBe(first.accessKeyId);
    expect(calls("AssumeRole")).toBe(before);
    // A session parent's principal is its role: no GetCallerIdentity with the workers' keys.
    const workerKeys = [await workerA.credentials(), await workerB.credentials()];
    for (const k of workerKeys) expect(calls("GetCallerIdentity", k)).toBe(0);
  });

  it("parentBinding: off writes no binding", async () => {
    const cache = new Map<string, unknown>();
    const s = assumeRole(parentOf(alice), role("Demo"), { cache, parentBinding: "off" });
    await s.credentials();
    expect(cache.get(s.cacheKey as string)).not.toHaveProperty("AssumeRoleLib");
  });
});

describe("what reaches events and errors", () => {
  it("a cache error quoting another entry's secret is scrubbed by shape", async () => {
    const leaked = randomSecret();
    const token = randomSessionToken();
    const keyId = randomKeyId("ASIA");
    const cache: CredentialCache = {
      get: () => {
        throw new Error(
          `bad entry near {"SecretAccessKey":"${leaked}","SessionToken":"${token}"} ${keyId}`,
        );
      },
      set: () => undefined,
      has: () => false,
      delete: () => false,
    };
    const events: AssumeRoleEvent[] = [];
    await assumeRole(parentOf(alice), role("Demo"), {
      cache,
      onEvent: (e) => events.push(e),
    }).credentials();
    const text = JSON.stringify(events.map((e) => ("error" in e ? e.error.message : e)));
    expect(text).toContain("bad entry near");
    expect(text).not.toContain(leaked);
    expect(text).not.toContain(token);
    expect(text).not.toContain(keyId);
  });

  it("a parent provider's message is scrubbed; garbage from a provider is a typed error", async () => {
    const secret = "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A";
    const failing = assumeRole(async () => {
      throw new Error(`profile x: aws_secret_access_key = ${secret}`);
    }, role("Demo"));
    const error = await failing.credentials().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoParentCredentialsError);
    expect(String((error as Error).message)).not.toContain(secret);

    const before = sts.stats.requests.length;
    const garbage = assumeRole(async () => ({ nope: true }) as never, role("Demo"));
    await expect(garbage.credentials()).rejects.toBeInstanceOf(NoParentCredentialsError);
    expect(sts.stats.requests.length).toBe(before);
  });
});
