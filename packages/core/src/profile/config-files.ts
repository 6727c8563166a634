/**
 * Reading the shared config and credentials files with the SDK's own loader, so a profile
 * means here what it means to every other SDK v3 client: `[profile x]` sections of the
 * config file merged with `[x]` sections of the credentials file (the credentials file
 * wins), AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE and AWS_PROFILE honoured.
 */
import { join } from "node:path";
import type { ParsedIniData, Profile } from "@smithy/types";
import type { ProfileFilePaths } from "./errors.js";

/** Which files to read; each defaults to its environment variable, then `~/.aws/…`. */
export interface ProfileFileOptions {
  /** The config file. Default: AWS_CONFIG_FILE, else `~/.aws/config`. */
  configFile?: string;
  /** The credentials file. Default: AWS_SHARED_CREDENTIALS_FILE, else `~/.aws/credentials`. */
  credentialsFile?: string;
}

/** Every profile of both files, and where they came from. */
export interface LoadedProfiles {
  files: ProfileFilePaths;
  /** The profile of that name, if either file has it (never an Object.prototype member). */
  get(name: string): Profile | undefined;
}

/** The profile to use: the given name, else AWS_PROFILE, else `default` (as the SDK does). */
export async function profileName(name: string | undefined): Promise<string> {
  const { getProfileName } = await import("@smithy/core/config");
  return getProfileName(name ? { profile: name } : {});
}

/**
 * Read both files now. The SDK keeps what it read for the life of the process; a profile
 * session is built from what the files say when it is built (`ignoreCache`).
 */
export async function loadProfiles(options: ProfileFileOptions): Promise<LoadedProfiles> {
  const { parseKnownFiles, getHomeDir } = await import("@smithy/core/config");
  const home = getHomeDir();
  const resolve = (path: string) => (path.startsWith("~/") ? join(home, path.slice(2)) : path);
  const files: ProfileFilePaths = {
    configFile: resolve(
      options.configFile || process.env.AWS_CONFIG_FILE || join(home, ".aws", "config"),
    ),
    credentialsFile: resolve(
      options.credentialsFile ||
        process.env.AWS_SHARED_CREDENTIALS_FILE ||
        join(home, ".aws", "credentials"),
    ),
  };
  const data: ParsedIniData = await parseKnownFiles({
    configFilepath: files.configFile,
    filepath: files.credentialsFile,
    ignoreCache: true,
  });
  return {
    files,
    get: (name) => (Object.hasOwn(data, name) ? data[name] : undefined),
  };
}
