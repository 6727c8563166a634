/**
 * Session.fromProfile: assume-role profiles as chains of cached steps, under botocore's keys,
 * and every config mistake a typed error before any network call. Real files, real
 * sts-local.
 */
import { inspect } from "node:util";
import {
  AssumeRoleValidationError,
  cacheKey,
  MemoryCache,
  ProfileConfigError,
  ProfileCycleError,
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

const CHAIN = `
[profile dev]
role_arn = ${role("RoleB")}
source_profile = mid
duration_seconds = 3_600
region = eu-west-1

[profile mid]
role_arn = ${role("RoleA")}
source_profile = base
external_id = team-42
role_session_name = mid-session
`;

async function chainFiles(config = CHAIN): Promise<ProfileFiles> {
  const files = await profileFiles();
  await files.write(config, rootKeysSection(sts()));
  return files;
}

describe("assume-role profiles", () => {
  it("a chain is one cached step per profile, each under botocore's key for that profile", async () => {
    const files = await chainFiles();
    const cache = new MemoryCache();
    const dev = await Session.fromProfile("dev", stsProfileOptions(sts(), files, { cache }));

    expect(dev.roleArn).toBe(role("RoleB"));
    expect(dev.parent?.roleArn).toBe(role("RoleA"));
    expect(dev.parent?.parent?.roleArn).toBeUndefined();
    // botocore: RoleArn + DurationSeconds as int() read it; a generated name is left out.
    expect(dev.cacheKey).toBe(
      cacheKey({ RoleArn: role("RoleB"), DurationSeconds: 3600 }, { generatedSessionName: true }),
    );
    expect(dev.parent?.cacheKey).toBe(
      cacheKey({
        RoleArn: role("RoleA"),
        ExternalId: "team-42",
        RoleSessionName: "mid-session",
      }),
    );
    expect(await dev.resolveRegion()).toBe("eu-west-1");

    const identity = await dev.credentials();
    expect(sts().stats.calls("AssumeRole")).toBe(2);
    const [first, second] = sts().stats.requests.filter((r) => r.action === "AssumeRole");
    expect(first?.params).toMatchObject({
      RoleArn: role("RoleA"),
      ExternalId: "team-42",
      RoleSessionName: "mid-session",
    });
    expect(first?.accessKeyId).toBe(sts().rootCredentials.accessKeyId);
    expect(second?.params).toMatchObject({ RoleArn: role("RoleB"), DurationSeconds: "3600" });
    expect(second?.accessKeyId).not.toBe(sts().rootCredentials.accessKeyId);
    expect(await cache.get(dev.cacheKey as string)).toBeDefined();
    expect(await cache.get(dev.parent?.cacheKey as string)).toBeDefined();

    // A new process reading the same cache: the last step is a hit, nothing else is asked.
    sts().stats.reset();
    const again = await Session.fromProfile("dev", stsProfileOptions(sts(), files, { cache }));
    expect((await again.credentials()).accessKeyId).toBe(identity.accessKeyId);
    expect(sts().stats.calls()).toBe(0);
  });

  it("reads the files anew on each call (the SDK's loader caches them per process)", async () => {
    const files = await chainFiles();
    const before = await Session.fromProfile("dev", stsProfileOptions(sts(), files));
    await files.write(CHAIN.replace(role("RoleB"), role("RoleC")), rootKeysSection(sts()));
    const after = await Session.fromProfile("dev", stsProfileOptions(sts(), files));
    expect([before.roleArn, after.roleArn]).toEqual([role("RoleB"), role("RoleC")]);
  });

  it("a profile may be its own source when it holds the keys", async () => {
    const files = await profileFiles();
    await files.write(
      `[profile self]\nrole_arn = ${role("Demo")}\nsource_profile = self\n`,
      rootKeysSection(sts(), "self"),
    );
    const self = await Session.fromProfile("self", stsProfileOptions(sts(), files));
    await self.credentials();
    expect(sts().stats.requests[0]?.accessKeyId).toBe(sts().rootCredentials.accessKeyId);
  });

  it("a source profile's keys win over its own role_arn (botocore's rule)", async () => {
    const files = await profileFiles();
    await files.write(
      `[profile top]\nrole_arn = ${role("RoleB")}\nsource_profile = base\n` +
        `[profile base]\nrole_arn = ${role("RoleA")}\nsource_profile = nowhere\n`,
      rootKeysSection(sts()),
    );
    const top = await Session.fromProfile("top", stsProfileOptions(sts(), files));
    await top.credentials();
    expect(sts().stats.calls("AssumeRole")).toBe(1);
    expect(top.parent?.roleArn).toBeUndefined();
  });

  it("region: the option, else AWS_REGION, else the profile's", async () => {
    const files = await chainFiles();
    const given = await Session.fromProfile(
      "dev",
      stsProfileOptions(sts(), files, { region: "ap-south-1" }),
    );
    expect(given.region).toBe("ap-south-1");
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = "ca-central-1";
    try {
      const fromEnv = await Session.fromProfile("dev", stsProfileOptions(sts(), files));
      expect(await fromEnv.resolveRegion()).toBe("ca-central-1");
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });
});

describe("config mistakes: typed errors naming the profile and key, before any network call", () => {
  const fails = async (config: string, name: string, credentials?: string) => {
    const files = await profileFiles();
    await files.write(config, credentials ?? rootKeysSection(sts()));
    const error = await Session.fromProfile(name, stsProfileOptions(sts(), files)).catch((e) => e);
    expect(sts().stats.calls()).toBe(0);
    expect(error).toBeInstanceOf(ProfileConfigError);
    expect(error).toBeInstanceOf(AssumeRoleValidationError);
    expect(error.message).toContain(files.configFile);
    return error as ProfileConfigError;
  };

  it("a cycle names every profile in it", async () => {
    const error = await fails(
      `[profile a]\nrole_arn = ${role("RoleA")}\nsource_profile = b\n` +
        `[profile b]\nrole_arn = ${role("RoleB")}\nsource_profile = c\n` +
        `[profile c]\nrole_arn = ${role("RoleC")}\nsource_profile = b\n`,
      "a",
    );
    expect(error).toBeInstanceOf(ProfileCycleError);
    expect((error as ProfileCycleError).cycle).toEqual(["b", "c", "b"]);
    expect(error.message).toContain("b -> c -> b");
    expect(error.name).toBe("ProfileCycleError");
  });

  it("a profile naming itself without keys is a cycle", async () => {
    const error = await fails(
      `[profile a]\nrole_arn = ${role("RoleA")}\nsource_profile = a\n`,
      "a",
    );
    expect((error as ProfileCycleError).cycle).toEqual(["a", "a"]);
  });

  it.each([
    ["no such profile", "[profile other]\nregion = us-east-1\n", "profile"],
    [
      "a missing source",
      `[profile x]\nrole_arn = ${role("A")}\nsource_profile = gone\n`,
      "source_profile",
    ],
    ["neither source", `[profile x]\nrole_arn = ${role("A")}\n`, "source_profile"],
    [
      "both sources",
      `[profile x]\nrole_arn = ${role("A")}\nsource_profile = base\ncredential_source = Environment\n`,
      "source_profile",
    ],
    [
      "an unknown credential_source",
      `[profile x]\nrole_arn = ${role("A")}\ncredential_source = Laptop\n`,
      "credential_source",
    ],
    ["a bad role_arn", "[profile x]\nrole_arn = my-role\nsource_profile = base\n", "role_arn"],
    [
      "duration_seconds int() refuses (botocore would ignore it)",
      `[profile x]\nrole_arn = ${role("A")}\nsource_profile = base\nduration_seconds = 1h\n`,
      "duration_seconds",
    ],
    [
      "duration_seconds out of STS's range",
      `[profile x]\nrole_arn = ${role("A")}\nsource_profile = base\nduration_seconds = 600\n`,
      "duration_seconds",
    ],
    [
      "a bad external_id",
      `[profile x]\nrole_arn = ${role("A")}\nsource_profile = base\nexternal_id = a b\n`,
      "external_id",
    ],
    [
      "a bad mfa_serial",
      `[profile x]\nrole_arn = ${role("A")}\nsource_profile = base\nmfa_serial = short\n`,
      "mfa_serial",
    ],
  ])("%s", async (_what, config, field) => {
    const error = await fails(config, "x");
    expect(error.fields).toEqual([field]);
  });

  it("half a key pair in a source profile: named, and the secret is not quoted", async () => {
    const secret = "NotQuotedSecret0123456789abcdefghijKLMNOP";
    const error = await fails(
      `[profile x]\nrole_arn = ${role("A")}\nsource_profile = half\n`,
      "x",
      `[half]\naws_secret_access_key = ${secret}\n`,
    );
    expect(error.profile).toBe("half");
    expect(error.fields).toEqual(["aws_access_key_id"]);
    expect(inspect(error)).not.toContain(secret);
  });

  it("an unknown option is refused (a misspelt cache would call STS every time)", async () => {
    const files = await chainFiles();
    const error = await Session.fromProfile("dev", {
      ...stsProfileOptions(sts(), files),
      cahce: new MemoryCache(),
    } as never).catch((e) => e);
    expect(error).toBeInstanceOf(AssumeRoleValidationError);
    expect(error.fields).toEqual(["cahce"]);
  });
});
