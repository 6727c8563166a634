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

/**
 * PowerShell single quoting. PowerShell takes U+2018-U+201B (‘ ’ ‚ ‛) for single quotes
 * too, so each of them is doubled like `'`. Inside single quotes nothing else is special:
 * `$`, backticks and the double quotes (" and U+201C-U+201E) are literal.
 */
export function quotePowerShell(value: string): string {
  return `'${value.replace(/['\u2018-\u201b]/g, "$&$&")}'`;
}

/**
 * A value printed for a shell could not change what the shell does, or the output is
 * refused. Values come from a cache that others may have written; the core checks their
 * characters, and this is the last line of defence.
 */
export class UnsafeOutputError extends Error {
  override readonly name = "UnsafeOutputError";
}

// Unquoted (the default `env` format, made for `export $(…)` and `eval`): only characters
// that neither word splitting, globbing nor any shell syntax touch. AWS keys, secrets and
// tokens are base64; the expiration is `2026-01-02T03:04:05Z`.
const SAFE_UNQUOTED = /^[A-Za-z0-9+/=._:-]+$/;
// Quoted formats: anything but control characters (a newline ends a line of `eval`'s
// input in fish and PowerShell too; an escape sequence rewrites the terminal).
const hasControl = (value: string) =>
  [...value].some((c) => {
    const n = c.codePointAt(0) ?? 0;
    return n < 0x20 || (n >= 0x7f && n <= 0x9f);
  });

function assertPrintable(vars: Array<[string, string]>, unquoted: boolean): void {
  for (const [name, value] of vars) {
    if (unquoted ? SAFE_UNQUOTED.test(value) : !hasControl(value)) continue;
    throw new UnsafeOutputError(
      `refusing to print ${name}: it holds characters that are not safe in a shell ` +
        "(the cached entry may have been tampered with: remove it, or run with --no-cache)",
    );
  }
}

/**
 * Render `env`'s output in a format (no trailing newline). Throws UnsafeOutputError rather
 * than print a value a shell could run.
 */
export function formatEnv(credentials: ResolvedCredentials, format: EnvFormat): string {
  if (format === "env") {
    // Exactly the Python CLI's four lines, including its AWS_CREDENTIALS_EXPIRATION spelling.
    const lines: Array<[string, string]> = [
      ["AWS_ACCESS_KEY_ID", credentials.accessKeyId],
      ["AWS_SECRET_ACCESS_KEY", credentials.secretAccessKey],
      ["AWS_SESSION_TOKEN", credentials.sessionToken],
      ["AWS_CREDENTIALS_EXPIRATION", formatTimestamp(credentials.expiration)],
    ];
    assertPrintable(lines, true);
    return lines.map(([k, v]) => `${k}=${v}`).join("\n");
  }
  const vars = Object.entries(credentialVariables(credentials));
  if (format !== "json") assertPrintable(vars, false);
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
