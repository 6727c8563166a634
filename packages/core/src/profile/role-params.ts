/**
 * The AssumeRole arguments of an assume-role profile, exactly as botocore's
 * AssumeRoleProvider builds them (`_get_role_config` and `_load_creds_via_assume_role`),
 * because the cache key is a hash of them: RoleArn always; RoleSessionName, ExternalId and
 * SerialNumber when the profile sets them; DurationSeconds as the integer Python's `int()`
 * reads. A generated session name stays out of the key, and TokenCode never enters it.
 *
 * botocore silently drops a `duration_seconds` that `int()` refuses; here it is an error
 * (a setting that is ignored without a word is a bug in the config, not a choice).
 */
import type { Profile } from "@smithy/types";
import type * as z from "zod/mini";
import type { ValidationIssue } from "../errors.js";
import { paramSchemas } from "../param-schemas.js";

/** What one assume-role profile asks STS for (no TokenCode: it is asked when needed). */
export interface ProfileRoleParams {
  RoleArn: string;
  RoleSessionName?: string;
  ExternalId?: string;
  SerialNumber?: string;
  DurationSeconds?: number;
}

// Python's int(str): surrounding whitespace, a sign, and underscores between digits.
const PYTHON_INT = /^[+-]?\d+(?:_\d+)*$/;

/** The value Python's `int()` gives for a config string, or undefined when it raises. */
export function pythonInt(text: string): number | undefined {
  const trimmed = text.trim();
  if (!PYTHON_INT.test(trimmed)) return undefined;
  return Number(trimmed.replaceAll("_", ""));
}

/** The profile's AssumeRole arguments, and what is wrong with them (config keys named). */
export function roleParams(profile: Profile): {
  params: ProfileRoleParams;
  issues: ValidationIssue[];
} {
  const issues: ValidationIssue[] = [];
  const check = <T>(key: string, schema: z.ZodMiniType<T>, value: unknown): T | undefined => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) issues.push({ field: key, message: issue.message });
    return undefined;
  };

  const roleArn = profile.role_arn ?? "";
  check("role_arn", paramSchemas.RoleArn, roleArn);
  const params: ProfileRoleParams = { RoleArn: roleArn };

  // botocore generates a name when the setting is empty (and leaves it out of the key).
  const sessionName = profile.role_session_name;
  if (sessionName) {
    const name = check("role_session_name", paramSchemas.RoleSessionName, sessionName);
    if (name !== undefined) params.RoleSessionName = name;
  }
  if (profile.external_id !== undefined) {
    const id = check("external_id", paramSchemas.ExternalId, profile.external_id);
    if (id !== undefined) params.ExternalId = id;
  }
  if (profile.mfa_serial !== undefined) {
    const serial = check("mfa_serial", paramSchemas.SerialNumber, profile.mfa_serial);
    if (serial !== undefined) params.SerialNumber = serial;
  }
  if (profile.duration_seconds !== undefined) {
    const seconds = pythonInt(profile.duration_seconds);
    if (seconds === undefined) {
      issues.push({ field: "duration_seconds", message: "must be a whole number of seconds" });
    } else {
      const checked = check("duration_seconds", paramSchemas.DurationSeconds, seconds);
      if (checked !== undefined) params.DurationSeconds = checked;
    }
  }
  return { params, issues };
}
