/**
 * `Session.fromProfile`: read the files, resolve the chain, and build it as sessions, root
 * first, every assumed step through the caller's cache under the key the AWS CLI uses for
 * that profile. Takes the session factory as an argument, so that this module does not
 * import session.ts (which loads this one lazily).
 */
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import type { AssumeRoleBehaviour } from "../assumed-role-credentials.js";
import type { AssumeRoleParams } from "../params.js";
import { resolveProfileChain } from "./chain.js";
import { loadProfiles, profileName } from "./config-files.js";
import { profileTokenCode } from "./mfa.js";
import { checkProfileOptions, type ProfileOptions } from "./options.js";
import { sourceCredentials } from "./source-credentials.js";

/** What the root session is built with (Session.fromCredentials's options). */
export interface RootSessionOptions {
  region?: string;
  regionSource?: () => Promise<string | undefined>;
  stsClientConfig?: AssumeRoleBehaviour["stsClientConfig"];
  onEvent?: AssumeRoleBehaviour["onEvent"];
  clock?: AssumeRoleBehaviour["clock"];
}

/** A session that can assume a role (Session). */
export interface AssumingSession<S> {
  assumeRole(
    roleArn: string,
    options: AssumeRoleParams & AssumeRoleBehaviour & { region?: string | boolean },
  ): S;
}

/** Build the session of a profile; `rootSession` is Session.fromCredentials. */
export async function buildProfileSession<S extends AssumingSession<S>>(
  name: string | undefined,
  options: ProfileOptions,
  rootSession: (
    credentials: AwsCredentialIdentityProvider | AwsCredentialIdentity,
    options: RootSessionOptions,
  ) => S,
): Promise<S> {
  checkProfileOptions(options);
  const profiles = await loadProfiles(options);
  const chain = resolveProfileChain(await profileName(name), profiles);
  const { region, mfaCodeProvider, configFile: _c, credentialsFile: _f, ...behaviour } = options;

  let session = rootSession(await sourceCredentials(chain.source, profiles.files), {
    ...(region
      ? { region }
      : { regionSource: async () => process.env.AWS_REGION || chain.region || undefined }),
    ...(behaviour.stsClientConfig ? { stsClientConfig: behaviour.stsClientConfig } : {}),
    ...(behaviour.onEvent ? { onEvent: behaviour.onEvent } : {}),
    ...(behaviour.clock ? { clock: behaviour.clock } : {}),
  });
  for (const { profile, params } of chain.steps) {
    const { RoleArn, ...stepParams } = params;
    session = session.assumeRole(RoleArn, {
      ...stepParams,
      ...(params.SerialNumber
        ? { TokenCode: profileTokenCode(profile, params.SerialNumber, mfaCodeProvider) }
        : {}),
      ...behaviour,
      // A given region is fixed on every step; otherwise each step follows its parent.
      ...(region ? { region } : {}),
    });
  }
  return session;
}
