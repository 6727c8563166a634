/**
 * From a profile name to the chain of roles to assume and the credentials at its root, by
 * botocore's rules (AssumeRoleProvider), so that every step is the step the AWS CLI takes:
 *
 * - a profile is an assume-role profile when it has `role_arn` and no
 *   `web_identity_token_file` (that is a web identity profile, the SDK's business);
 * - it names its parent with exactly one of `source_profile` and `credential_source`;
 * - a source profile with static keys uses them, even if it also has `role_arn` (so a
 *   profile may name itself as its source to keep keys and role together);
 * - a source profile without keys or `role_arn` (SSO, credential_process, web identity)
 *   is resolved by the SDK's own providers;
 * - following `source_profile` back to a profile already visited is a cycle.
 */
import type { Profile } from "@smithy/types";
import type { LoadedProfiles } from "./config-files.js";
import { ProfileConfigError, ProfileCycleError } from "./errors.js";
import { type ProfileRoleParams, roleParams } from "./role-params.js";

/** The `credential_source` values botocore (and the SDK) support. */
export const CREDENTIAL_SOURCES = ["Environment", "Ec2InstanceMetadata", "EcsContainer"] as const;

/** One of {@link CREDENTIAL_SOURCES}. */
export type CredentialSourceName = (typeof CREDENTIAL_SOURCES)[number];

/** Where the credentials at the root of a chain come from. */
export type ChainSource =
  /** The profile's own keys (`aws_access_key_id`, …). */
  | {
      kind: "static";
      profile: string;
      accessKeyId: string;
      secretAccessKey: string;
      sessionToken?: string;
    }
  /** The SDK's providers for a profile without `role_arn` (SSO, process, keys, web identity). */
  | { kind: "sdk-profile"; profile: string }
  /** `credential_source` of the profile whose role is assumed first. */
  | { kind: "credential-source"; profile: string; source: CredentialSourceName };

/** One role to assume: the profile that describes it and its AssumeRole arguments. */
export interface ChainStep {
  profile: string;
  params: ProfileRoleParams;
}

/** A profile resolved: its root credentials and the roles to assume, root first. */
export interface ProfileChain {
  /** The profile asked for. */
  profile: string;
  source: ChainSource;
  /** Root first; the last step is the profile asked for (empty when it has no role). */
  steps: ChainStep[];
  /** The `region` of the profile asked for (the only one botocore uses, for every step). */
  region: string | undefined;
}

const isRoleProfile = (p: Profile) =>
  p.role_arn !== undefined && p.web_identity_token_file === undefined;

const hasStaticKeys = (p: Profile) =>
  p.aws_access_key_id !== undefined || p.aws_secret_access_key !== undefined;

/** Resolve a profile, throwing ProfileConfigError / ProfileCycleError before any I/O. */
export function resolveProfileChain(name: string, profiles: LoadedProfiles): ProfileChain {
  const { files } = profiles;
  const fail = (profile: string, field: string, message: string, roleArn?: string): never => {
    throw new ProfileConfigError(profile, [{ field, message }], files, roleArn);
  };
  const top = profiles.get(name);
  if (!top) fail(name, "profile", "no such profile in the config or credentials file");

  const steps: ChainStep[] = [];
  const visited = [name];
  let current = name;
  for (;;) {
    const profile = profiles.get(current) as Profile;
    // (current is the profile asked for only on the first turn: a way back is a cycle.)
    if (current !== name && hasStaticKeys(profile)) {
      return done(staticSource(current, profile));
    }
    if (!isRoleProfile(profile)) {
      return done({ kind: "sdk-profile", profile: current });
    }

    const { params, issues } = roleParams(profile);
    if (issues.length > 0) throw new ProfileConfigError(current, issues, files, profile.role_arn);
    steps.unshift({ profile: current, params });

    const { source_profile: sourceProfile, credential_source: credentialSource } = profile;
    if (sourceProfile !== undefined && credentialSource !== undefined) {
      fail(current, "source_profile", "and credential_source cannot both be set", params.RoleArn);
    }
    if (credentialSource !== undefined) {
      if (!(CREDENTIAL_SOURCES as readonly string[]).includes(credentialSource)) {
        fail(
          current,
          "credential_source",
          `must be one of ${CREDENTIAL_SOURCES.join(", ")}`,
          params.RoleArn,
        );
      }
      return done({
        kind: "credential-source",
        profile: current,
        source: credentialSource as CredentialSourceName,
      });
    }
    if (sourceProfile === undefined) {
      fail(current, "source_profile", "or credential_source is required with role_arn");
    }
    const next = sourceProfile as string;
    if (!profiles.get(next)) {
      fail(current, "source_profile", `names profile "${next}", which does not exist`);
    }
    if (next === current) {
      // A profile may be its own source when it holds the keys the role is assumed with.
      if (hasStaticKeys(profile)) return done(staticSource(current, profile));
      throw new ProfileCycleError([current, current], files);
    }
    if (visited.includes(next)) {
      throw new ProfileCycleError([...visited.slice(visited.indexOf(next)), next], files);
    }
    visited.push(next);
    current = next;
  }

  function done(source: ChainSource): ProfileChain {
    return { profile: name, source, steps, region: top?.region };
  }

  function staticSource(profileName: string, profile: Profile): ChainSource {
    const accessKeyId = profile.aws_access_key_id;
    const secretAccessKey = profile.aws_secret_access_key;
    if (!accessKeyId) fail(profileName, "aws_access_key_id", "is missing or empty");
    if (!secretAccessKey) fail(profileName, "aws_secret_access_key", "is missing or empty");
    return {
      kind: "static",
      profile: profileName,
      accessKeyId: accessKeyId as string,
      secretAccessKey: secretAccessKey as string,
      ...(profile.aws_session_token ? { sessionToken: profile.aws_session_token } : {}),
    };
  }
}
