/**
 * Without a role ARN, `--profile` names an assume-role profile of
 * ~/.aws/config: its chain is assumed with core's Session.fromProfile, through the cache,
 * under the AWS CLI's keys, so `aws --profile dev` and `assume-role … --profile dev` reuse
 * each other's entries and one MFA prompt serves both. The profile's settings are the
 * AssumeRole parameters: flags that would change them are refused (they would also change
 * the key, and the AWS CLI's entry would not be found).
 */
import type { AssumeRoleBehaviour, Session } from "@assume-role-lib/core";
import { UsageError } from "./errors/exit-codes.js";
import { mfaPrompt } from "./mfa-prompt.js";
import { assumeRoleParams, type CommonOptionValues } from "./options.js";

/** The cache and event options the command passes to every assumed step. */
export type StepBehaviour = Pick<AssumeRoleBehaviour, "cache" | "principalStore" | "onEvent">;

/** Without a role ARN, `--profile` must name the assume-role profile. */
export function requireRoleOrProfile(roleArn: string | undefined, options: CommonOptionValues) {
  if (roleArn === undefined && !options.profile) {
    throw new UsageError(
      "missing required argument 'role-arn' (or --profile naming an assume-role profile)",
    );
  }
}

/** The session of the assume-role profile that `--profile` names. */
export async function profileSession(
  options: CommonOptionValues,
  behaviour: StepBehaviour,
): Promise<Session> {
  const { TokenCode, ...params } = assumeRoleParams(options);
  const flags = Object.keys(params);
  if (flags.length > 0) {
    throw new UsageError(
      `--${flags.join(", --")} need a role ARN: without one, the profile's settings are the AssumeRole parameters`,
    );
  }
  const { Session } = await import("@assume-role-lib/core");
  const session = await Session.fromProfile(options.profile, {
    ...behaviour,
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpointUrl ? { stsClientConfig: { endpoint: options.endpointUrl } } : {}),
    // Asked only when STS is called: a cached entry (the AWS CLI's too) asks nothing.
    mfaCodeProvider:
      TokenCode !== undefined
        ? () => TokenCode as string
        : (serial, profile) => mfaPrompt(serial, `profile "${profile}" (mfa_serial)`)(),
  });
  if (!session.roleArn) {
    throw new UsageError(
      `give a role ARN: profile "${options.profile}" has no role_arn (use it as the parent with a role ARN)`,
    );
  }
  return session;
}
