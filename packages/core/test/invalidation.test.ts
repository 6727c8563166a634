/**
 * Credentials a service rejected: `Session.invalidate()` and the retry built into
 * `Session.client()`, against sts-local revoking the keys it issued.
 */
import { type CredentialCache, MemoryCache, type Session } from "@assume-role-lib/core";
import { randomKeyId } from "@assume-role-lib/sts-local";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { beforeAll, describe, expect, it } from "vitest";
import { EventLog, type FrozenSts, role, rootSession, useFrozenSts } from "./helpers.js";

const getSts = useFrozenSts();
let sts: FrozenSts;
beforeAll(() => {
  sts = getSts();
});

const calls = () => sts.stats.calls("AssumeRole");

function session(cache?: CredentialCache): { s: Session; log: EventLog } {
  const log = new EventLog();
  return { s: rootSession(sts, log).assumeRole(role("Demo"), cache ? { cache } : {}), log };
}

/** GetCallerIdentity through the session's own client; resolves the key it was signed with. */
async function whoAmI(s: Session): Promise<string | undefined> {
  const client = s.client(STSClient, { endpoint: sts.endpoint, maxAttempts: 1 });
  const out = await client.send(new GetCallerIdentityCommand({}));
  return out.Arn;
}

describe("Session.client() retries once with fresh credentials", () => {
  it("a revoked key: InvalidClientTokenId, one refresh, one retry, and the request succeeds", async () => {
    const { s, log } = session();
    await whoAmI(s);
    const first = await s.credentials();
    expect(sts.revoke(first.accessKeyId)).toBe(1);
    await expect(whoAmI(s)).resolves.toMatch(/assumed-role\/Demo\//);
    expect((await s.credentials()).accessKeyId).not.toBe(first.accessKeyId);
    expect(calls()).toBe(2);
    expect(log.of("credentials-invalidated")[0]).toMatchObject({
      accessKeyId: first.accessKeyId,
      dropped: true,
      sharedEntryRemoved: false,
    });
  });

  it("a client given other credentials is left alone", async () => {
    const { s } = session();
    const first = await s.credentials();
    sts.revoke(first.accessKeyId);
    const client = s.client(STSClient, {
      endpoint: sts.endpoint,
      maxAttempts: 1,
      credentials: first,
    });
    await expect(client.send(new GetCallerIdentityCommand({}))).rejects.toMatchObject({
      name: "InvalidClientTokenId",
    });
    expect(calls()).toBe(1);
  });
});

describe("Session.invalidate()", () => {
  it("drops only the rejected credentials", async () => {
    const { s, log } = session();
    const first = await s.credentials();
    await s.invalidate(randomKeyId("ASIA")); // a key we do not hold
    expect(await s.credentials()).toBe(first);
    expect(log.of("credentials-invalidated")[0]).toMatchObject({ dropped: false });
    await s.invalidate(first.accessKeyId);
    expect((await s.credentials()).accessKeyId).not.toBe(first.accessKeyId);
    expect(calls()).toBe(2);
  });

  it("on a root session does nothing", async () => {
    await expect(rootSession(sts).invalidate()).resolves.toBeUndefined();
  });

  it.each([
    ["one after another", false],
    ["all at once", true],
  ])(
    "sessions sharing a cache, rejected %s: 1 STS call for all, not one each",
    async (_n, together) => {
      const cache = new MemoryCache();
      const sessions = Array.from({ length: 5 }, () => session(cache).s);
      for (const s of sessions) await s.credentials();
      expect(calls()).toBe(1);
      const revoked = (await (sessions[0] as Session).credentials()).accessKeyId;
      sts.revoke(revoked);
      if (together) await Promise.all(sessions.map(whoAmI));
      else for (const s of sessions) await whoAmI(s);
      const keys = new Set(
        await Promise.all(sessions.map(async (s) => (await s.credentials()).accessKeyId)),
      );
      expect(keys.size).toBe(1);
      expect(keys.has(revoked)).toBe(false);
      expect(calls()).toBe(2);
    },
  );

  it("control: without a shared cache each session makes its own call", async () => {
    const sessions = Array.from({ length: 3 }, () => session().s);
    for (const s of sessions) await s.credentials();
    sts.revoke();
    for (const s of sessions) await whoAmI(s);
    expect(calls()).toBe(6);
  });

  it("removes the shared entry only while it still holds the rejected key", async () => {
    const cache = new MemoryCache();
    const [a, b] = [session(cache), session(cache)];
    const first = await a.s.credentials();
    expect((await b.s.credentials()).accessKeyId).toBe(first.accessKeyId); // from the cache
    await b.s.invalidate(first.accessKeyId);
    expect(b.log.of("credentials-invalidated")[0]).toMatchObject({
      dropped: true,
      sharedEntryRemoved: true,
    });
    const second = await b.s.credentials(); // writes a new entry
    await a.s.invalidate(first.accessKeyId); // late: the entry holds the new key now
    expect(a.log.of("credentials-invalidated")[0]).toMatchObject({
      dropped: true,
      sharedEntryRemoved: false,
    });
    expect((await a.s.credentials()).accessKeyId).toBe(second.accessKeyId);
    expect(calls()).toBe(2);
  });
});
