/** One problem found while validating AssumeRole parameters. */
export interface ValidationIssue {
  /** The parameter, e.g. `DurationSeconds` or `Tags.3.Key`. */
  field: string;
  /** What is wrong, without echoing the value (a TokenCode is a secret of sorts). */
  message: string;
}

/** Thrown by `assumeRole()` before any network call when parameters are invalid. */
export class AssumeRoleValidationError extends TypeError {
  // A string, not the literal: subclasses (ProfileConfigError) name themselves.
  override readonly name: string = "AssumeRoleValidationError";
  readonly roleArn: string | undefined;
  readonly issues: readonly ValidationIssue[];

  constructor(roleArn: string | undefined, issues: ValidationIssue[]) {
    const detail = issues.map((i) => `${i.field}: ${i.message}`).join("; ");
    super(`Invalid AssumeRole parameters${roleArn ? ` for ${roleArn}` : ""}: ${detail}`);
    this.roleArn = roleArn;
    this.issues = issues;
  }

  /** The fields that failed, in order, each once. */
  get fields(): string[] {
    return [...new Set(this.issues.map((i) => i.field))];
  }
}

/** The parent had no credentials to call AssumeRole with. */
export class NoParentCredentialsError extends Error {
  override readonly name = "NoParentCredentialsError";
  readonly roleArn: string;
  constructor(roleArn: string, reason: string) {
    // The reason comes from a provider (a config file, a process): never trusted verbatim.
    super(`No parent credentials to assume ${roleArn}: ${scrub(reason, [])}`);
    this.roleArn = roleArn;
  }
}

/**
 * AssumeRole failed. Carries the role, STS's error code and HTTP status, and whether a retry
 * could help; never the request, the parent credentials or any secret.
 */
export class AssumeRoleError extends Error {
  override readonly name: string = "AssumeRoleError";
  readonly roleArn: string;
  /** STS's error code (`AccessDenied`, `Throttling`, …) or the network error's code. */
  readonly code: string;
  readonly statusCode: number | undefined;
  /**
   * True when a later attempt may succeed (throttling, 5xx, timeouts, network errors): the
   * refresh engine backs off and tries again. False for errors that a retry cannot fix
   * (see {@link isPermanentFailure}): they fail fast and are remembered for a few seconds.
   */
  readonly retryable: boolean;
  readonly requestId: string | undefined;
  /** The message STS (or the network layer) gave, without the role and code around it. */
  readonly detail: string;

  constructor(
    roleArn: string,
    details: {
      code: string;
      message: string;
      statusCode?: number;
      requestId?: string;
      retryable?: boolean;
    },
  ) {
    super(`AssumeRole failed for ${roleArn}: [${details.code}] ${details.message}`);
    this.roleArn = roleArn;
    this.code = details.code;
    this.detail = details.message;
    this.statusCode = details.statusCode;
    this.requestId = details.requestId;
    this.retryable =
      details.retryable ??
      (details.statusCode === undefined ||
        details.statusCode >= 500 ||
        RETRYABLE_STATUSES.has(details.statusCode) ||
        RETRYABLE_CODES.has(details.code));
  }
}

/**
 * Errors a later attempt can fix. Everything else with a 4xx status is the caller's
 * problem, which is how the STS model marks AssumeRole's errors: `MalformedPolicyDocument`,
 * `PackedPolicyTooLarge`, `RegionDisabledException` and `ExpiredTokenException` are client
 * faults, as are the common `AccessDenied`, `ValidationError`, `InvalidClientTokenId`,
 * `SignatureDoesNotMatch`, `IncompleteSignature`, `MissingAuthenticationToken`,
 * `InvalidParameterValue` and `OptInRequired`.
 */
const RETRYABLE_CODES = new Set([
  "Throttling",
  "ThrottlingException",
  "RequestLimitExceeded",
  "TooManyRequestsException",
  "IDPCommunicationError",
  "IDPCommunicationErrorException",
  "InternalFailure",
  "ServiceUnavailable",
  "RequestTimeout",
  "RequestTimeoutException",
  "TimeoutError",
]);
const RETRYABLE_STATUSES = new Set([408, 429]);

/**
 * The local clock is so far from STS's that credentials cannot be judged: STS refused a
 * request signed at the local time, or returned credentials that look expired by it and
 * sent no `Date` to correct with. `skewMs` is how far the local clock is ahead (negative:
 * behind).
 */
export class ClockSkewError extends AssumeRoleError {
  override readonly name = "ClockSkewError";
  /** Local clock minus STS's clock, in milliseconds (positive: the local clock is ahead). */
  readonly skewMs: number;

  /** `retryable`: true when the next attempt is signed in STS time (the SDK corrected). */
  constructor(roleArn: string, skewMs: number, detail: string, retryable: boolean) {
    const minutes = Math.round(Math.abs(skewMs) / 60_000);
    super(roleArn, {
      code: "ClockSkew",
      message: `the local clock is about ${minutes} min ${skewMs >= 0 ? "ahead of" : "behind"} STS (${detail}); fix the clock (NTP)`,
      retryable,
    });
    this.skewMs = skewMs;
  }
}

/**
 * True for failures that another attempt in a few seconds would repeat: STS's client
 * faults (see `AssumeRoleError.retryable`), missing parent credentials, invalid
 * parameters, and errors of a TokenCode function. The engine fails those fast.
 */
export function isPermanentFailure(error: unknown): boolean {
  if (error instanceof AssumeRoleError) return !error.retryable;
  return true;
}

// Shapes of credentials, for texts that may quote ones we do not know (another cache
// entry, a parent provider's config): access key ids by their AWS prefixes, and base64
// runs long enough to be a secret (40) or a token, mixing cases and digits as they do
// (a 40-character hex cache key or a plain path is left alone).
const KEY_ID_SHAPE =
  /\b(?:AKIA|ASIA|AROA|AIDA|ABIA|ACCA|AGPA|ANPA|ANVA|APKA|ASCA|AIPA)[A-Z0-9]{12,124}\b/g;
const BASE64_RUN = /[A-Za-z0-9/+=]{40,}/g;
const looksSecret = (run: string) => /[a-z]/.test(run) && /[A-Z]/.test(run) && /\d/.test(run);

/**
 * Remove every occurrence of the given secrets from a text, and anything shaped like an
 * access key id, a secret access key or a session token.
 */
export function scrub(text: string, secrets: Iterable<string | undefined>): string {
  let out = text;
  for (const secret of secrets) {
    if (secret && secret.length >= 8) out = out.split(secret).join("[redacted]");
  }
  return out
    .replace(KEY_ID_SHAPE, "[redacted]")
    .replace(BASE64_RUN, (run) => (looksSecret(run) ? "[redacted]" : run));
}

/**
 * Turn anything thrown by the SDK (or a network layer) into an AssumeRoleError. The
 * original error is not attached: SDK errors can hold request metadata, and a secret must
 * never ride along in `cause` to a logger.
 */
export function toAssumeRoleError(
  roleArn: string,
  error: unknown,
  secrets: Iterable<string | undefined> = [],
): AssumeRoleError | NoParentCredentialsError | AssumeRoleValidationError {
  if (
    error instanceof AssumeRoleError ||
    error instanceof NoParentCredentialsError ||
    error instanceof AssumeRoleValidationError
  ) {
    return error;
  }
  const e = (error ?? {}) as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: number; requestId?: string };
  };
  const code =
    typeof e.code === "string" ? e.code : typeof e.name === "string" ? e.name : "UnknownError";
  const message = scrub(typeof e.message === "string" ? e.message : String(error), secrets);
  return new AssumeRoleError(roleArn, {
    code,
    message,
    ...(e.$metadata?.httpStatusCode !== undefined
      ? { statusCode: e.$metadata.httpStatusCode }
      : {}),
    ...(e.$metadata?.requestId ? { requestId: e.$metadata.requestId } : {}),
  });
}
