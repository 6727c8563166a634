import type { StsLocal } from "@assume-role-lib/sts-local";
import { type Credentials, STSClient } from "@aws-sdk/client-sts";

/** A role ARN in the default account. */
export const role = (name: string): string => `arn:aws:iam::123456789012:role/${name}`;

/** Static credentials for the SDK. */
export interface Keys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** A real SDK client pointed at the local server, no retries unless asked. */
export function client(
  sts: StsLocal,
  credentials: Keys = sts.rootCredentials,
  maxAttempts = 1,
): STSClient {
  return new STSClient({
    region: sts.region,
    endpoint: sts.endpoint,
    credentials,
    maxAttempts,
  });
}

/** The SDK-shaped keys of an AssumeRole result. */
export function keysOf(credentials: Credentials | undefined): Keys {
  if (!credentials?.AccessKeyId || !credentials.SecretAccessKey || !credentials.SessionToken) {
    throw new Error("no credentials in response");
  }
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
  };
}

/** The SDK error shape the tests look at. */
export interface SdkError extends Error {
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $fault?: "client" | "server";
  Code?: string;
  code?: string;
}

/** Await a promise that must reject, and return what it rejected with. */
export async function rejection(promise: Promise<unknown>): Promise<SdkError> {
  try {
    await promise;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error("expected the call to fail");
}
