import { STSClient } from "@aws-sdk/client-sts";

/** Resolves a region, or undefined when none is configured (e.g. a profile's region). */
export type RegionSource = () => Promise<string | undefined>;

let configFileRegion: Promise<string | undefined> | undefined;

/**
 * The implicit region, as the SDK finds it: AWS_REGION (read on every call, so changes
 * follow, as a linked child session expects), else the shared config file's `region` for
 * the current profile (read once; the SDK memoizes it too).
 */
export const implicitRegion: RegionSource = async () => {
  const fromEnv = process.env.AWS_REGION;
  if (fromEnv) return fromEnv;
  configFileRegion ??= (async () => {
    try {
      // The SDK's own node config loader (env, then ~/.aws/config), without the env var we
      // already checked: an STS client's region provider is exactly that loader.
      return await new STSClient({}).config.region();
    } catch {
      return undefined;
    }
  })();
  return configFileRegion;
};

/** Memoize a region source: `region: true` freezes the parent's region as it is now. */
export function frozenRegion(source: RegionSource): RegionSource {
  const once = source().catch(() => undefined);
  return () => once;
}
