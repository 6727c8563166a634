import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { inspect } from "node:util";
import {
  type AssumeRoleEvent,
  assumeRole,
  type CredentialCache,
  EVENTS_CHANNEL,
} from "@assume-role-lib/core";
import { beforeAll, describe, expect, it } from "vitest";
import { EventLog, type FrozenSts, role, rootSession, useFrozenSts } from "./helpers.js";

const getSts = useFrozenSts();
let sts: FrozenSts;
beforeAll(() => {
  sts = getSts();
});

describe("secrets never appear in errors, events or util.inspect output", () => {
  it("scans everything a user could log through a run with successes and failures", async () => {
    const log = new EventLog();
    const published: unknown[] = [];
    const onPublish = (message: unknown) => published.push(message);
    subscribe(EVENTS_CHANNEL, onPublish);
    const secrets = new Set<string>([sts.rootCredentials.secretAccessKey]);
    const texts: string[] = [];
    try {
      // A cache that fails with the value it was given in its message (as some backends do).
      const leakyCache: CredentialCache = {
        get: () => undefined,
        set: (_k, value) => {
          throw new Error(`write failed for ${JSON.stringify(value)}`);
        },
        has: () => false,
        delete: () => false,
      };
      const root = rootSession(sts, log);
      const a = root.assumeRole(role("RoleA"), { cache: leakyCache, RoleSessionName: "sa" });
      const b = a.assumeRole(role("RoleB"), { RoleSessionName: "sb" });
      for (const s of [a, b]) {
        const c = await s.credentials();
        secrets.add(c.secretAccessKey);
        if (c.sessionToken) secrets.add(c.sessionToken);
        texts.push(inspect(c), inspect(s, { depth: 10 }), JSON.stringify(s), String(s));
      }
      // Failures: denied, throttled, validation, bad parent.
      const denied = await b
        .assumeRole(role("Denied"))
        .credentials()
        .catch((e) => e);
      sts.faults.throttleNext(1);
      // A caller that cannot wait for the next attempt gets the throttling error.
      const throttled = await b
        .assumeRole(role("RoleC"), { refresh: { maxWaitSeconds: 0.2 } })
        .credentials()
        .catch((e) => e);
      const errors: unknown[] = [
        denied,
        throttled,
        (() => {
          try {
            assumeRole(root, role("Demo"), {
              SerialNumber: "arn:aws:iam::123456789012:mfa/me",
              TokenCode: "12",
            });
          } catch (e) {
            return e;
          }
        })(),
        await assumeRole(
          {
            accessKeyId: sts.rootCredentials.accessKeyId,
            secretAccessKey: "wrong-secret-but-still-secret",
          },
          role("Demo"),
          { stsClientConfig: { endpoint: sts.endpoint, maxAttempts: 1 }, region: sts.region },
        )
          .credentials()
          .catch((e) => e),
      ];
      secrets.add("wrong-secret-but-still-secret");
      for (const e of errors) {
        expect(e).toBeInstanceOf(Error);
        texts.push(inspect(e, { depth: 10 }), String((e as Error).stack), JSON.stringify(e));
      }
      expect(log.count("cache-error")).toBeGreaterThan(0);
      texts.push(inspect(log.events, { depth: 10 }), JSON.stringify(log.events));
      texts.push(inspect(published, { depth: 10 }));
      // The channel sees every session, including the last one, which has no onEvent.
      expect(published.length).toBeGreaterThan(log.events.length);
    } finally {
      unsubscribe(EVENTS_CHANNEL, onPublish);
    }
    const all = texts.join("\n");
    expect(all).toContain("AccessDenied"); // the scan covers real content
    for (const secret of secrets) expect(all).not.toContain(secret);
    const types = new Set(log.events.map((e: AssumeRoleEvent) => e.type));
    expect([...types].sort()).toEqual(
      expect.arrayContaining([
        "cache-error",
        "refresh-failed",
        "refresh-started",
        "refresh-succeeded",
        "sts-call",
      ]),
    );
  });
});
