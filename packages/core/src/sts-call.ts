import type {
  AssumeRoleCommandInput,
  AssumeRoleCommandOutput,
  STSClient,
} from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { toCacheEntry } from "./cache-entry.js";
import { ClockSkewError, NoParentCredentialsError, toAssumeRoleError } from "./errors.js";
import { type AssumeRoleEvent, sanitizeError } from "./events.js";
import type { NormalizedRequest, TokenCodeSource } from "./params.js";
import type { ExpiringIdentity } from "./refresh-attempt.js";
import { loadSts } from "./sdk-modules.js";
import type { StsResult } from "./shared-cache-fetch.js";
import type { StsTime } from "./sts-time.js";

const isCredentials = (value: unknown): value is AwsCredentialIdentity => {
  const c = value as Partial<AwsCredentialIdentity> | null;
  return (
    typeof c?.accessKeyId === "string" &&
    c.accessKeyId.length > 0 &&
    typeof c.secretAccessKey === "string" &&
    c.secretAccessKey.length > 0 &&
    (c.sessionToken === undefined || typeof c.sessionToken === "string")
  );
};

/** What one AssumeRole call needs. */
export interface StsCallOptions {
  /** The STS client, built (and its module loaded) on the first call. */
  client: () => Promise<STSClient>;
  parentCredentials: AwsCredentialIdentityProvider;
  /** The request with RoleSessionName filled in (generated names are made once per session). */
  request: NormalizedRequest;
  tokenCode: TokenCodeSource | undefined;
  emit: (event: AssumeRoleEvent) => void;
  /** STS's time; the client reports every response's Date header to it. */
  time: StsTime;
}

/** Codes STS answers a request signed too far from its clock with (the SDK then corrects). */
const SKEW_CODES = new Set([
  "SignatureDoesNotMatch",
  "RequestExpired",
  "RequestTimeTooSkewed",
  "InvalidSignatureException",
]);
/** STS accepts signatures 15 min off; skews beyond 5 min are what the SDK corrects. */
const SIGNING_SKEW_MS = 5 * 60_000;

/**
 * Call AssumeRole with the parent's credentials. Parent failures become
 * NoParentCredentialsError, STS failures AssumeRoleError; neither carries a secret.
 */
export async function callAssumeRole(options: StsCallOptions): Promise<StsResult> {
  const { request } = options;
  const roleArn = request.RoleArn;

  let parent: AwsCredentialIdentity;
  try {
    parent = await options.parentCredentials();
  } catch (error) {
    // A custom provider's message is not ours to trust: sanitize (and cap) it.
    throw new NoParentCredentialsError(roleArn, sanitizeError(error).message);
  }
  if (!isCredentials(parent)) {
    throw new NoParentCredentialsError(
      roleArn,
      "the parent credential provider returned no accessKeyId and secretAccessKey strings",
    );
  }
  const secrets = [parent.secretAccessKey, parent.sessionToken];

  const input = { ...request } as AssumeRoleCommandInput;
  if (options.tokenCode !== undefined) {
    // A TokenCode function's own error (a cancelled prompt, say) is the caller's: it goes
    // through unchanged, so an application can tell it from an STS failure.
    input.TokenCode =
      typeof options.tokenCode === "function" ? await options.tokenCode() : options.tokenCode;
  }

  const { time } = options;
  const started = performance.now();
  const durationMs = () => Math.round(performance.now() - started);
  let output: AssumeRoleCommandOutput;
  try {
    const [client, { AssumeRoleCommand }] = await Promise.all([options.client(), loadSts()]);
    output = await client.send(new AssumeRoleCommand(input));
  } catch (error) {
    let failure = toAssumeRoleError(roleArn, error, secrets);
    const skew = time.processSkewMs;
    if ("code" in failure && SKEW_CODES.has(failure.code) && Math.abs(skew) > SIGNING_SKEW_MS) {
      // The SDK has learned the offset from this answer: the next attempt is signed right.
      failure = new ClockSkewError(roleArn, skew, `STS refused: ${failure.detail}`, true);
    }
    const code = "code" in failure ? String(failure.code) : failure.name;
    options.emit({ type: "sts-call", roleArn, durationMs: durationMs(), ok: false, code });
    throw failure;
  }
  options.emit({ type: "sts-call", roleArn, durationMs: durationMs(), ok: true });

  const c = output.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw toAssumeRoleError(roleArn, {
      name: "IncompleteResponse",
      message: "AssumeRole returned no complete Credentials",
    });
  }
  const accountId = output.AssumedRoleUser?.Arn?.split(":")[4];
  const identity: ExpiringIdentity = {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: c.Expiration,
    ...(accountId ? { accountId } : {}),
  };
  const requested = request.DurationSeconds ?? 3600;
  const remainingSeconds = (c.Expiration.getTime() - time.now()) / 1000;
  // Only without a measurement: with one, `time.now()` is STS's own time, and credentials
  // shorter than requested are what STS chose to issue.
  if (!time.measured && (remainingSeconds < requested / 2 || remainingSeconds > requested + 300)) {
    // Just issued for `requested` seconds, yet they look half gone (or from the future):
    // the clock is off and STS sent no Date header to correct it with.
    const skewMs = Math.round((requested - remainingSeconds) * 1000);
    throw new ClockSkewError(roleArn, skewMs, "credentials STS just issued look expired", false);
  }
  return {
    identity,
    lifetimeSeconds: Math.min(requested, remainingSeconds),
    entry: toCacheEntry({
      Credentials: {
        AccessKeyId: c.AccessKeyId,
        SecretAccessKey: c.SecretAccessKey,
        SessionToken: c.SessionToken,
        Expiration: c.Expiration,
        AccountId: accountId,
      },
      AssumedRoleUser: output.AssumedRoleUser,
      SourceIdentity: output.SourceIdentity,
    }),
  };
}
