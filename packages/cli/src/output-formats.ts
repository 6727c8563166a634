/**
 * How credentials are printed: the `credential_process` document, and the variables of
 * `env` in each `--format`. Shell formats quote every value for their shell.
 */
import type { ResolvedCredentials } from "./assume.js";

/** The formats of `assume-role env`. */
export const ENV_FORMATS = ["env", "json", "sh", "fish", "powershell"] as const;
/** One of {@link ENV_FORMATS}. */
export type EnvFormat = (typeof ENV_FORMATS)[number];

/** An Expiration as the Python CLI prints it: `%Y-%m-%dT%H:%M:%SZ`. */
export function formatTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/**
 * The `credential_process` output (Version 1), as the AWS CLI, boto3 and every SDK read it,
 * and as the Python CLI's `--json` prints it.
 */
export function credentialProcessJson(credentials: ResolvedCredentials): string {
  return JSON.stringify(
    {
      Version: 1,
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      SessionToken: credentials.sessionToken,
      Expiration: formatTimestamp(credentials.expiration),
    },
    null,
    2,
  );
}

/**
 * The variables a process needs to use the credentials, as `exec` sets them: the keys,
 * `AWS_CREDENTIAL_EXPIRATION` (the spelling the SDKs read) and the region when known.
 */
export function credentialVariables(credentials: ResolvedCredentials): Record<string, string> {
  const vars: Record<string, string> = {
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
    AWS_CREDENTIAL_EXPIRATION: formatTimestamp(credentials.expiration),
  };
  if (credentials.region) {
    vars.AWS_REGION = credentials.region;
    vars.AWS_DEFAULT_REGION = credentials.region;
  }
  return vars;
}

/**
 * Variables that would make an SDK ignore the ones above: with AWS_PROFILE set, the SDK for
 * JavaScript v3 skips environment credentials. `exec` and the shell formats unset them.
 */
export const VARIABLES_TO_UNSET = ["AWS_PROFILE", "AWS_DEFAULT_PROFILE"] as const;

/** POSIX sh single quoting. */
export function quoteSh(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** fish single quoting: only `\` and `'` are special inside. */
export function quoteFish(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** PowerShell single quoting: a quote is doubled. */
export function quotePowerShell(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Render `env`'s output in a format (no trailing newline). */
export function formatEnv(credentials: ResolvedCredentials, format: EnvFormat): string {
  if (format === "env") {
    // Exactly the Python CLI's four lines, including its AWS_CREDENTIALS_EXPIRATION spelling.
    return [
      `AWS_ACCESS_KEY_ID=${credentials.accessKeyId}`,
      `AWS_SECRET_ACCESS_KEY=${credentials.secretAccessKey}`,
      `AWS_SESSION_TOKEN=${credentials.sessionToken}`,
      `AWS_CREDENTIALS_EXPIRATION=${formatTimestamp(credentials.expiration)}`,
    ].join("\n");
  }
  const vars = Object.entries(credentialVariables(credentials));
  switch (format) {
    case "json":
      return JSON.stringify(Object.fromEntries(vars), null, 2);
    case "sh":
      return [
        ...VARIABLES_TO_UNSET.map((name) => `unset ${name}`),
        ...vars.map(([k, v]) => `export ${k}=${quoteSh(v)}`),
      ].join("\n");
    case "fish":
      return [
        ...VARIABLES_TO_UNSET.map((name) => `set -e ${name}`),
        ...vars.map(([k, v]) => `set -gx ${k} ${quoteFish(v)}`),
      ].join("\n");
    case "powershell":
      return [
        ...VARIABLES_TO_UNSET.map(
          (name) => `Remove-Item -Path Env:${name} -ErrorAction SilentlyContinue`,
        ),
        ...vars.map(([k, v]) => `$Env:${k} = ${quotePowerShell(v)}`),
      ].join("\n");
  }
}
