/**
 * The typed errors of `Session.fromProfile`: a profile that cannot work is an
 * AssumeRoleValidationError (so one `catch` serves code-given and config-given parameters)
 * naming the profile and the config key, before any network call.
 */
import { AssumeRoleValidationError, type ValidationIssue } from "../errors.js";

/** Where the profiles were read from, for messages. */
export interface ProfileFilePaths {
  /** The config file (AWS_CONFIG_FILE, else ~/.aws/config). */
  configFile: string;
  /** The credentials file (AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials). */
  credentialsFile: string;
}

/**
 * A profile cannot be used as it is written: missing, incomplete, contradictory, or with a
 * value AssumeRole would refuse. `issues[].field` is the config key (`duration_seconds`,
 * `source_profile`, …); `profile` is the profile that holds it.
 */
export class ProfileConfigError extends AssumeRoleValidationError {
  override readonly name: string = "ProfileConfigError";
  /** The profile whose settings are wrong. */
  readonly profile: string;
  /** The files the profiles were read from. */
  readonly files: ProfileFilePaths;

  constructor(
    profile: string,
    issues: ValidationIssue[],
    files: ProfileFilePaths,
    roleArn?: string,
  ) {
    super(roleArn, issues);
    this.profile = profile;
    this.files = files;
    const detail = issues.map((i) => `${i.field}: ${i.message}`).join("; ");
    this.message = `Invalid profile "${profile}" (config ${files.configFile}, credentials ${files.credentialsFile}): ${detail}`;
  }
}

/**
 * `source_profile` settings that lead back to a profile already in the chain. `cycle`
 * lists the profiles in the order they are followed, the first repeated at the end
 * (`["a", "b", "a"]`).
 */
export class ProfileCycleError extends ProfileConfigError {
  override readonly name: string = "ProfileCycleError";
  /** The profiles of the cycle, the first one repeated at the end. */
  readonly cycle: readonly string[];

  constructor(cycle: string[], files: ProfileFilePaths) {
    const at = cycle[cycle.length - 2] ?? cycle[0] ?? "";
    super(at, [{ field: "source_profile", message: `is a cycle: ${cycle.join(" -> ")}` }], files);
    this.cycle = Object.freeze([...cycle]);
  }
}

/**
 * A profile with `mfa_serial` had to call STS (no usable cached credentials) and no MFA
 * code source was given (`mfaCodeProvider`). Cached credentials, such as those the AWS CLI
 * got after its own prompt, are used without one.
 */
export class MfaCodeRequiredError extends Error {
  override readonly name = "MfaCodeRequiredError";
  /** The profile whose role needs the code. */
  readonly profile: string;
  /** The MFA device (`mfa_serial`). */
  readonly serialNumber: string;

  constructor(profile: string, serialNumber: string) {
    super(
      `Profile "${profile}" needs an MFA code for ${serialNumber} to call AssumeRole, and no mfaCodeProvider was given`,
    );
    this.profile = profile;
    this.serialNumber = serialNumber;
  }
}
