import { loadSmithyConfig } from "./sdk-modules.js";

/** Resolves a region, or undefined when none is configured (e.g. a profile's region). */
export type RegionSource = () => Promise<string | undefined>;

const configFileRegions = new Map<string, Promise<string | undefined>>();

/**
 * The region the SDK's own node config loader finds for `profile` (env, then the shared
 * config file), as an STS client's region provider does; read once per profile (the SDK
 * memoizes it too), undefined when none is set.
 */
export function profileRegion(profile: string | undefined): Promise<string | undefined> {
  const key = profile ?? "";
  let region = configFileRegions.get(key);
  if (!region) {
    region = (async () => {
      try {
        const { loadConfig, NODE_REGION_CONFIG_OPTIONS, NODE_REGION_CONFIG_FILE_OPTIONS } =
          await loadSmithyConfig();
        return await loadConfig(NODE_REGION_CONFIG_OPTIONS, {
          ...NODE_REGION_CONFIG_FILE_OPTIONS,
          ...(profile ? { profile } : {}),
        })();
      } catch {
        return undefined;
      }
    })();
    configFileRegions.set(key, region);
  }
  return region;
}

/**
 * The implicit region, as the SDK finds it: AWS_REGION (read on every call, so changes
 * follow, as a linked child session expects), else the shared config file's `region` for
 * the current profile (read once).
 */
export const implicitRegion: RegionSource = async () => {
  const fromEnv = process.env.AWS_REGION;
  if (fromEnv) return fromEnv;
  return profileRegion(undefined);
};

/** Memoize a region source: `region: true` freezes the parent's region as it is now. */
export function frozenRegion(source: RegionSource): RegionSource {
  const once = source().catch(() => undefined);
  return () => once;
}
