import { AssumeRoleError, Session } from "@assume-role-lib/core";
import { startStsLocal } from "@assume-role-lib/sts-local";
import { describe, expect, it } from "vitest";
import { role } from "./helpers.js";

describe("MFA: TokenCode as a function is asked again on every refresh", () => {
  it("sends a fresh code per AssumeRole call, and never a used one", async () => {
    const seen: string[] = [];
    const sts = await startStsLocal({
      defaultRoles: true,
      tokenCodeValidator: (_serial, code) => {
        if (seen.includes(code)) return false; // a one-time code
        seen.push(code);
        return true;
      },
    });
    try {
      sts.clock.freeze();
      let next = 100000;
      const root = Session.fromCredentials(sts.rootCredentials, {
        region: sts.region,
        stsClientConfig: { endpoint: sts.endpoint, maxAttempts: 1 },
        clock: () => sts.clock.nowMs(),
      });
      const s = root.assumeRole(role("MfaRole"), {
        SerialNumber: "arn:aws:iam::123456789012:mfa/me",
        TokenCode: async () => String(next++),
        refresh: { jitterSeconds: 0 },
      });
      await s.credentials();
      sts.clock.advance(59.5 * 60_000); // the blocking window (the last minute)
      await s.credentials();
      expect(seen).toEqual(["100000", "100001"]);

      // A fixed string code cannot be reused: STS says AccessDenied at the next refresh, and
      // callers see it once the credentials they hold have expired.
      const fixed = root.assumeRole(role("MfaRole"), {
        SerialNumber: "arn:aws:iam::123456789012:mfa/me",
        TokenCode: "200000",
      });
      await fixed.credentials();
      sts.clock.advance(61 * 60_000);
      const error = await fixed.credentials().catch((e) => e);
      expect(error).toBeInstanceOf(AssumeRoleError);
      expect(error.code).toBe("AccessDenied");
    } finally {
      await sts.close();
    }
  });
});
