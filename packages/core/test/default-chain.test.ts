/**
 * Session.default()'s credentials: the SDK's default chain, with environment keys and a
 * profile's static keys answered without loading it (default-chain.ts). Each answer must
 * be the one the SDK's chain would give: the environment only without a profile or
 * AWS_PROFILE, a profile's keys only when it has no role_arn (an assume-role profile goes
 * to the SDK, which assumes the role, here at sts-local over HTTP). Real files through
 * AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE; the environment is restored after each.
 */
import { Session } from "@assume-role-lib/core";
import { randomKeyId, randomSecret, randomSessionToken } from "@assume-role-lib/sts-local";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { role, useFrozenSts } from "./helpers.js";
import {
  cleanProfileFiles,
  type ProfileFiles,
  profileFiles,
  rootKeysSection,
  useEnv,
} from "./profile-helpers.js";

const sts = useFrozenSts();
cleanProfileFiles();
const setEnv = useEnv();
afterEach(() => Session.setDefault(undefined));

/** Fresh keys made at run time (no key-shaped literal is committed). */
const keys = (prefix = "AKIA") => ({ id: randomKeyId(prefix), secret: randomSecret() });
type Keys = ReturnType<typeof keys>;
const section = (header: string, k: Keys, extra = "") =>
  `[${header}]\naws_access_key_id = ${k.id}\naws_secret_access_key = ${k.secret}\n${extra}`;

let files: ProfileFiles;
const envKeys = keys("ASIA");
beforeEach(async () => {
  files = await profileFiles();
  // Nothing from the machine: our files, no metadata service, no profile, no keys.
  setEnv({
    AWS_CONFIG_FILE: files.configFile,
    AWS_SHARED_CREDENTIALS_FILE: files.credentialsFile,
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_PROFILE: undefined,
    AWS_DEFAULT_PROFILE: undefined,
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_CREDENTIAL_EXPIRATION: undefined,
    AWS_CREDENTIAL_SCOPE: undefined,
    AWS_ACCOUNT_ID: undefined,
    AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
    AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
    AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
    AWS_ENDPOINT_URL_STS: undefined,
  });
});

/** Put keys in the environment, as a CI job or `assume-role env` does. */
function setEnvKeys(k: Keys = envKeys) {
  setEnv({ AWS_ACCESS_KEY_ID: k.id, AWS_SECRET_ACCESS_KEY: k.secret });
}

describe("environment keys", () => {
  it("are the answer, with session token, expiration, scope and account, exactly", async () => {
    const token = randomSessionToken();
    const expiration = new Date(Date.now() + 3_600_000);
    expiration.setMilliseconds(0);
    setEnvKeys();
    setEnv({
      AWS_SESSION_TOKEN: token,
      AWS_CREDENTIAL_EXPIRATION: expiration.toISOString(),
      AWS_CREDENTIAL_SCOPE: "us-west-2",
      AWS_ACCOUNT_ID: "210987654321",
    });
    // The default profile has keys too: the environment comes first, as in the SDK's chain.
    await files.write("", section("default", keys()));
    const credentials = await Session.default().credentials();
    expect(credentials).toEqual({
      accessKeyId: envKeys.id,
      secretAccessKey: envKeys.secret,
      sessionToken: token,
      expiration,
      credentialScope: "us-west-2",
      accountId: "210987654321",
    });
    expect(credentials.expiration).toBeInstanceOf(Date);
  });

  it("without the optional variables: just the two keys", async () => {
    setEnvKeys();
    await files.write("");
    const credentials = await Session.default({ region: "us-east-1" }).credentials();
    expect(credentials).toEqual({ accessKeyId: envKeys.id, secretAccessKey: envKeys.secret });
  });

  it("are not used when AWS_PROFILE is set: that profile's static keys are", async () => {
    const dev = keys();
    setEnvKeys();
    setEnv({ AWS_PROFILE: "dev" });
    await files.write("", `${section("default", keys())}${section("dev", dev)}`);
    const credentials = await Session.default().credentials();
    expect(credentials.accessKeyId).toBe(dev.id);
    expect(credentials.secretAccessKey).toBe(dev.secret);
    expect(credentials.accessKeyId).not.toBe(envKeys.id);
  });

  it("are not used for a named profile that has no keys: the SDK's chain fails instead", async () => {
    setEnvKeys();
    await files.write("[profile empty]\nregion = us-east-1\n");
    await expect(Session.default({ profile: "empty" }).credentials()).rejects.toMatchObject({
      name: "CredentialsProviderError",
    });
  });
});

describe("a profile's static keys", () => {
  it("a named profile in the credentials file: its keys, token and account", async () => {
    const named = keys("ASIA");
    const token = randomSessionToken();
    setEnvKeys(); // a named profile wins over the environment
    await files.write(
      "",
      `${section("default", keys())}${section(
        "named",
        named,
        `aws_session_token = ${token}\naws_account_id = 210987654321\naws_credential_scope = eu-west-1\n`,
      )}`,
    );
    const credentials = await Session.default({ profile: "named" }).credentials();
    expect(credentials).toEqual({
      accessKeyId: named.id,
      secretAccessKey: named.secret,
      sessionToken: token,
      accountId: "210987654321",
      credentialScope: "eu-west-1",
    });
  });

  it("keys written in the config file's [profile x] section", async () => {
    const inConfig = keys();
    await files.write(section("profile cfg", inConfig, "region = eu-west-1\n"));
    const session = Session.default({ profile: "cfg" });
    const credentials = await session.credentials();
    expect(credentials.accessKeyId).toBe(inConfig.id);
    expect(credentials.secretAccessKey).toBe(inConfig.secret);
    expect(await session.resolveRegion()).toBe("eu-west-1");
  });

  it("the default profile when no profile is named and the environment has no keys", async () => {
    const fallback = keys();
    await files.write("", section("default", fallback));
    expect((await Session.default().credentials()).accessKeyId).toBe(fallback.id);
  });
});

describe("a profile with role_arn", () => {
  it("goes to the SDK's chain, which assumes the role, even when it has keys of its own", async () => {
    const own = keys();
    setEnv({ AWS_ENDPOINT_URL_STS: sts().endpoint });
    await files.write(
      [
        "[profile app]",
        `role_arn = ${role("RoleA")}`,
        "source_profile = base",
        `aws_access_key_id = ${own.id}`,
        `aws_secret_access_key = ${own.secret}`,
        `region = ${sts().region}`,
        "[profile base]",
        `region = ${sts().region}`,
        "",
      ].join("\n"),
      rootKeysSection(sts()),
    );
    const credentials = await Session.default({ profile: "app" }).credentials();
    expect(credentials.accessKeyId).not.toBe(own.id);
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(credentials.sessionToken).toBeTruthy();
    // The role was assumed at sts-local, signed with the source profile's keys.
    expect(sts().stats.succeeded("AssumeRole", role("RoleA"))).toBe(1);
    const assumed = sts().stats.requests.find((r) => r.action === "AssumeRole");
    expect(assumed?.accessKeyId).toBe(sts().rootCredentials.accessKeyId);
  });
});
