import {
  AssumeRoleCommand,
  type AssumeRoleCommandInput,
  type AssumeRoleCommandOutput,
  type STSClient,
} from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { toCacheEntry } from "./cache-entry.js";
import { NoParentCredentialsError, toAssumeRoleError } from "./errors.js";
import { type AssumeRoleEvent, sanitizeError } from "./events.js";
import type { NormalizedRequest, TokenCodeSource } from "./params.js";
import type { ExpiringIdentity } from "./refresh.js";
import type { StsResult } from "./shared-cache-fetch.js";

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
  client: () => STSClient;
  parentCredentials: AwsCredentialIdentityProvider;
  /** The request with RoleSessionName filled in (generated names are made once per session). */
  request: NormalizedRequest;
  tokenCode: TokenCodeSource | undefined;
  emit: (event: AssumeRoleEvent) => void;
  clock: () => number;
}

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

  const started = options.clock();
  let output: AssumeRoleCommandOutput;
  try {
    output = await options.client().send(new AssumeRoleCommand(input));
  } catch (error) {
    const failure = toAssumeRoleError(roleArn, error, secrets);
    options.emit({
      type: "sts-call",
      roleArn,
      durationMs: options.clock() - started,
      ok: false,
      code: "code" in failure ? String(failure.code) : failure.name,
    });
    throw failure;
  }
  options.emit({ type: "sts-call", roleArn, durationMs: options.clock() - started, ok: true });

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
  const remainingSeconds = (c.Expiration.getTime() - options.clock()) / 1000;
  const requested = request.DurationSeconds ?? 3600;
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
