import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/**
 * Make `util.inspect` / `console.log` of a credential object print no secret. The object
 * stays a plain identity for the SDK (the symbol is non-enumerable and is not serialized).
 */
export function redactInspect<T extends AwsCredentialIdentity>(identity: T): T {
  Object.defineProperty(identity, INSPECT, {
    enumerable: false,
    value(this: T) {
      const expiration = this.expiration ? ` expiration: ${this.expiration.toISOString()},` : "";
      return `AwsCredentialIdentity { accessKeyId: '${this.accessKeyId}',${expiration} secretAccessKey: '[redacted]', sessionToken: '[redacted]' }`;
    },
  });
  return identity;
}

/** A provider the SDK does not wrap in its own memoization (it asks us on every request). */
export type MemoizedProvider = AwsCredentialIdentityProvider & { memoized: true };

/** Mark a provider as memoized, so SDK clients call it on every request (see session.ts). */
export function markMemoized(provider: AwsCredentialIdentityProvider): MemoizedProvider {
  return Object.assign(provider, { memoized: true as const });
}

const SDK_REFRESH_MS = 5 * 60_000;

/**
 * Memoize a parent provider the way SDK clients do (ask again 5 minutes before Expiration,
 * one call in flight), for parents given as a bare provider function.
 */
export function memoizeProvider(
  provider: AwsCredentialIdentityProvider,
  clock: () => number,
): MemoizedProvider {
  if ((provider as Partial<MemoizedProvider>).memoized) return provider as MemoizedProvider;
  let current: AwsCredentialIdentity | undefined;
  let inflight: Promise<AwsCredentialIdentity> | undefined;
  const usable = (c: AwsCredentialIdentity | undefined): c is AwsCredentialIdentity =>
    c !== undefined && (!c.expiration || c.expiration.getTime() - clock() > SDK_REFRESH_MS);
  return markMemoized(async (options) => {
    if (usable(current)) return current;
    inflight ??= Promise.resolve(provider(options))
      .then((c) => {
        current = c;
        return c;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  });
}

/** Static credentials as a provider. */
export function staticProvider(identity: AwsCredentialIdentity): MemoizedProvider {
  const copy = redactInspect({ ...identity });
  return markMemoized(async () => copy);
}
