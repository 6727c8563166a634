/** The options of `Session.fromProfile`, and their checks. */
import type { AssumeRoleBehaviour } from "../assumed-role-credentials.js";
import { AssumeRoleValidationError, type ValidationIssue } from "../errors.js";
import type { ProfileFileOptions } from "./config-files.js";
import type { MfaCodeProvider } from "./mfa.js";

/** The `assumeRole()` behaviour options every assumed step of a profile's chain shares. */
const STEP_OPTION_KEYS = [
  "cache",
  "refresh",
  "lock",
  "stsClientConfig",
  "clock",
  "onEvent",
  "parentBinding",
  "principalStore",
] as const;

/**
 * Options of `Session.fromProfile`: where the profiles are, the region, the MFA code
 * source, and the behaviour every assumed step of the chain shares (above all `cache`).
 */
export interface ProfileOptions
  extends ProfileFileOptions,
    Pick<AssumeRoleBehaviour, (typeof STEP_OPTION_KEYS)[number]> {
  /**
   * The session's region, and the region of every AssumeRole call of the chain. Default:
   * AWS_REGION, else the profile's `region` (source profiles' regions are not used, as in
   * botocore).
   */
  region?: string;
  /**
   * Asked for the code of a profile's `mfa_serial` when AssumeRole must be called (never on
   * a cache hit). Without it, such a call fails with MfaCodeRequiredError.
   */
  mfaCodeProvider?: MfaCodeProvider;
}

const OPTION_KEYS: ReadonlySet<string> = new Set([
  "configFile",
  "credentialsFile",
  "region",
  "mfaCodeProvider",
  ...STEP_OPTION_KEYS,
]);

/**
 * Check the options only fromProfile takes (each assumed step checks the others), and
 * refuse unknown ones: a misspelt `cache` would silently call STS every time.
 */
export function checkProfileOptions(options: ProfileOptions): void {
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(options)) {
    const value = (options as Record<string, unknown>)[key];
    if (!OPTION_KEYS.has(key) && value !== undefined) {
      issues.push({ field: key, message: "is not a fromProfile option" });
    }
  }
  for (const key of ["configFile", "credentialsFile"] as const) {
    const value: unknown = options[key];
    if (value !== undefined && (typeof value !== "string" || value === "")) {
      issues.push({ field: key, message: "must be a file path" });
    }
  }
  const region: unknown = options.region;
  if (region !== undefined && (typeof region !== "string" || !/^[a-z0-9-]+$/.test(region))) {
    issues.push({ field: "region", message: "must be a region name" });
  }
  if (options.mfaCodeProvider !== undefined && typeof options.mfaCodeProvider !== "function") {
    issues.push({ field: "mfaCodeProvider", message: "must be a function" });
  }
  if (issues.length > 0) throw new AssumeRoleValidationError(undefined, issues);
}
