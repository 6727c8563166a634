/**
 * Exit codes, as the Python library's CLI uses them, and the one-line messages for each kind
 * of failure. No stack trace for a user error, and never a secret.
 */

/** The process exit codes of `assume-role`. */
export const ExitCode = {
  ok: 0,
  /** An unexpected error (a bug): the message, and the stack with `--debug`. */
  unexpected: 1,
  /** Bad usage: unknown flag, bad value, invalid AssumeRole parameters or profile, no TTY for --mfa. */
  usage: 2,
  /** No parent credentials to call AssumeRole with. */
  noParentCredentials: 3,
  /** AssumeRole failed (STS said no, or could not be reached). */
  assumeRoleFailed: 4,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A usage error found by the CLI itself (exit 2). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Anything with a name, a message and maybe AssumeRole error fields. */
interface ErrorLike {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  roleArn?: unknown;
  code?: unknown;
}

/** Remove the secrets this process knows of (its own parent credentials) from a text. */
export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  let out = text;
  for (const name of ["AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"]) {
    const secret = env[name];
    if (secret && secret.length >= 8) out = out.split(secret).join("[redacted]");
  }
  return out;
}

/** The exit code for an error thrown while getting credentials. */
export function exitCodeOf(error: unknown): ExitCodeValue {
  switch ((error as ErrorLike | undefined)?.name) {
    case "UsageError":
    case "AssumeRoleValidationError":
    case "ProfileConfigError":
    case "ProfileCycleError":
    case "MfaCodeRequiredError":
      return ExitCode.usage;
    case "NoParentCredentialsError":
      return ExitCode.noParentCredentials;
    case "AssumeRoleError":
      return ExitCode.assumeRoleFailed;
    default:
      return ExitCode.unexpected;
  }
}

/**
 * The one line printed for an error (without the `assume-role: ` prefix), e.g.
 * `AssumeRole failed for arn:aws:iam::123456789012:role/Denied [AccessDenied]: …`.
 */
export function describeError(error: unknown): string {
  const e = (error ?? {}) as ErrorLike;
  const message = typeof e.message === "string" ? e.message : String(error);
  if (e.name === "AssumeRoleError" && typeof e.roleArn === "string") {
    const code = typeof e.code === "string" ? e.code : "UnknownError";
    // core's message is "AssumeRole failed for ARN: [Code] detail"; keep the detail only.
    const detail = message.replace(/^AssumeRole failed for \S+: \[[^\]]*\]\s*/, "");
    return `AssumeRole failed for ${e.roleArn} [${code}]: ${detail}`;
  }
  if (e.name === "NoParentCredentialsError") {
    return message.replace(/^No parent/, "no parent");
  }
  if (
    e.name === "AssumeRoleValidationError" ||
    e.name === "ProfileConfigError" ||
    e.name === "ProfileCycleError"
  ) {
    return message.replace(/^Invalid/, "invalid");
  }
  return message;
}

/** Format an error for stderr: one line (plus the stack for unexpected errors with debug). */
export function formatError(error: unknown, debug: boolean): string {
  const code = exitCodeOf(error);
  const line = `assume-role: ${oneLine(describeError(error))}`;
  // UnsafeOutputError: exit 1, but it says what happened; it is not a bug of ours.
  if (code !== ExitCode.unexpected || (error as ErrorLike)?.name === "UnsafeOutputError") {
    return redact(line);
  }
  const stack = (error as ErrorLike | undefined)?.stack;
  if (debug && typeof stack === "string") return redact(`${line}\n${stack}`);
  return redact(`${line}\n(this looks like a bug; run with --debug for the stack trace)`);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
