/**
 * The SDK's default credential chain (`@aws-sdk/credential-provider-node`), with its two
 * local answers given without loading it: keys in the environment, and keys written in the
 * profile. Loading the chain loads the SDK's client core (about 300 KB of JavaScript), which
 * a `credential_process` cache hit would otherwise pay for on every call only to read two
 * environment variables or a line of ~/.aws/credentials. Anything else (SSO, assume-role
 * and process profiles, web identity, containers, IMDS) goes to the SDK's chain, loaded then.
 *
 * The shortcut answers only where the SDK's chain would stop with the same answer:
 * - environment keys, when neither a profile nor AWS_PROFILE is set (with either set, the
 *   SDK skips the environment);
 * - a profile (the given one, AWS_PROFILE, else `default`) that has static keys and no
 *   `role_arn`: the SDK's `fromIni` resolves an assume-role profile first, static keys next.
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { loadDefaultChain, loadSmithyConfig } from "./sdk-modules.js";

/** AWS_ACCESS_KEY_ID and friends, read as the SDK's `fromEnv` reads them. */
function environmentKeys(): AwsCredentialIdentity | undefined {
  const env = process.env;
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  return {
    accessKeyId,
    secretAccessKey,
    ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
    ...(env.AWS_CREDENTIAL_EXPIRATION
      ? { expiration: new Date(env.AWS_CREDENTIAL_EXPIRATION) }
      : {}),
    ...(env.AWS_CREDENTIAL_SCOPE ? { credentialScope: env.AWS_CREDENTIAL_SCOPE } : {}),
    ...(env.AWS_ACCOUNT_ID ? { accountId: env.AWS_ACCOUNT_ID } : {}),
  };
}

/** A profile's static keys, as the SDK's `fromIni` resolves them, if that is what it does. */
async function profileKeys(
  profile: string | undefined,
): Promise<AwsCredentialIdentity | undefined> {
  const { getProfileName, parseKnownFiles } = await loadSmithyConfig();
  const name = getProfileName(profile ? { profile } : {});
  const profiles = await parseKnownFiles(profile ? { profile } : {});
  const data = Object.hasOwn(profiles, name) ? profiles[name] : undefined;
  if (!data || data.role_arn !== undefined) return undefined;
  const { aws_access_key_id, aws_secret_access_key, aws_session_token, aws_account_id } = data;
  if (typeof aws_access_key_id !== "string" || typeof aws_secret_access_key !== "string") {
    return undefined;
  }
  return {
    accessKeyId: aws_access_key_id,
    secretAccessKey: aws_secret_access_key,
    sessionToken: aws_session_token,
    ...(data.aws_credential_scope ? { credentialScope: data.aws_credential_scope } : {}),
    ...(aws_account_id ? { accountId: aws_account_id } : {}),
  };
}

/**
 * The default chain for `profile` (else AWS_PROFILE, else the environment, then `default`):
 * what an STS client built with `{ profile }` would use. Resolved on every call, as the SDK
 * resolves it; callers memoize (Session does).
 */
export function defaultChain(profile: string | undefined): AwsCredentialIdentityProvider {
  let sdkChain: AwsCredentialIdentityProvider | undefined;
  return async (options) => {
    if (!sdkChain) {
      const local =
        (!profile && !process.env.AWS_PROFILE ? environmentKeys() : undefined) ??
        (await profileKeys(profile).catch(() => undefined));
      if (local) return local;
    }
    sdkChain ??= (await loadDefaultChain()).defaultProvider(profile ? { profile } : {});
    return sdkChain(options);
  };
}
