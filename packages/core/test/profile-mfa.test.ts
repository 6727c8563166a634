/**
 * Session.fromProfile with `mfa_serial`: the code is asked only when AssumeRole is really
 * called, never on a cache hit, and a missing code source is a typed error without any
 * STS call. Real files, real sts-local (MfaRole requires SerialNumber + TokenCode).
 */
import {
  cacheKey,
  MemoryCache,
  MfaCodeRequiredError,
  type ProfileOptions,
  Session,
} from "@assume-role-lib/core";
import { describe, expect, it } from "vitest";
import { role, useFrozenSts } from "./helpers.js";
import {
  cleanProfileFiles,
  type ProfileFiles,
  profileFiles,
  rootKeysSection,
  stsProfileOptions,
} from "./profile-helpers.js";

const sts = useFrozenSts();
cleanProfileFiles();

const SERIAL = "arn:aws:iam::123456789012:mfa/developer";
const CONFIG = `
[profile mfa]
role_arn = ${role("MfaRole")}
source_profile = base
mfa_serial = ${SERIAL}

[profile deploy]
role_arn = ${role("RoleB")}
source_profile = mfa
`;

/** An MFA code source that counts what it is asked. */
function codes() {
  const asked: Array<[string, string]> = [];
  const provider = (serial: string, profile: string) => {
    asked.push([serial, profile]);
    return ` ${String(123456 + asked.length)} `;
  };
  return { asked, provider };
}

async function files(): Promise<ProfileFiles> {
  const f = await profileFiles();
  await f.write(CONFIG, rootKeysSection(sts()));
  return f;
}

const open = (f: ProfileFiles, extra: ProfileOptions) =>
  Session.fromProfile("mfa", stsProfileOptions(sts(), f, extra));

describe("mfa_serial", () => {
  it("asks once when STS is called, and never on a cache hit (nor without a provider)", async () => {
    const f = await files();
    const cache = new MemoryCache();
    const { asked, provider } = codes();
    const first = await open(f, { cache, mfaCodeProvider: provider });
    // The serial number is part of botocore's key; the code is not.
    expect(first.cacheKey).toBe(
      cacheKey({ RoleArn: role("MfaRole"), SerialNumber: SERIAL }, { generatedSessionName: true }),
    );
    expect(asked).toEqual([]); // building the session asks nothing
    const identity = await first.credentials();
    expect(asked).toEqual([[SERIAL, "mfa"]]);
    expect(sts().stats.requests[0]?.params.SerialNumber).toBe(SERIAL);

    sts().stats.reset();
    const again = await open(f, { cache });
    expect((await again.credentials()).accessKeyId).toBe(identity.accessKeyId);
    expect(sts().stats.calls()).toBe(0);
    expect(asked).toHaveLength(1);
  });

  it("without a code source, a cache miss is MfaCodeRequiredError and no STS call", async () => {
    const error = await (await open(await files(), {})).credentials().catch((e) => e);
    expect(error).toBeInstanceOf(MfaCodeRequiredError);
    expect(error).toMatchObject({ profile: "mfa", serialNumber: SERIAL });
    expect(sts().stats.calls()).toBe(0);
  });

  it("a refresh that calls STS asks again (botocore cannot refresh MFA credentials)", async () => {
    const { asked, provider } = codes();
    const session = await open(await files(), {
      mfaCodeProvider: provider,
      refresh: { jitterSeconds: 0 },
    });
    await session.credentials();
    // Inside the blocking window (the last minute), so the call waits for the refresh.
    sts().clock.advance(59.5 * 60_000);
    await session.credentials();
    expect(asked).toHaveLength(2);
    expect(sts().stats.calls("AssumeRole", role("MfaRole"))).toBe(2);
  });

  it("in the middle of a chain: the provider learns which profile asks; a hit on the last step asks nothing", async () => {
    const f = await files();
    const cache = new MemoryCache();
    const { asked, provider } = codes();
    const deploy = await Session.fromProfile(
      "deploy",
      stsProfileOptions(sts(), f, { cache, mfaCodeProvider: provider }),
    );
    await deploy.credentials();
    expect(asked).toEqual([[SERIAL, "mfa"]]);
    expect(sts().stats.calls("AssumeRole")).toBe(2);

    sts().stats.reset();
    const again = await Session.fromProfile(
      "deploy",
      stsProfileOptions(sts(), f, { cache, mfaCodeProvider: provider }),
    );
    await again.credentials();
    expect(asked).toHaveLength(1);
    expect(sts().stats.calls()).toBe(0);
  });
});
