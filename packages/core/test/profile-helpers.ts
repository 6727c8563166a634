/** Real config and credentials files in a temporary directory, for Session.fromProfile. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ProfileOptions } from "@assume-role-lib/core";
import type { StsLocal } from "@assume-role-lib/sts-local";
import { afterEach } from "vitest";

/** The two files of one test, and the options that point fromProfile at them. */
export interface ProfileFiles {
  dir: string;
  configFile: string;
  credentialsFile: string;
  /** Write (or rewrite) both files. */
  write(config: string, credentials?: string): Promise<void>;
}

const made: string[] = [];

/** Remove every directory made by {@link profileFiles} after each test. */
export function cleanProfileFiles(): void {
  afterEach(async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
}

/** A fresh directory holding `config` and `credentials`. */
export async function profileFiles(): Promise<ProfileFiles> {
  const dir = await mkdtemp(join(tmpdir(), "profiles-"));
  made.push(dir);
  const configFile = join(dir, "config");
  const credentialsFile = join(dir, "credentials");
  return {
    dir,
    configFile,
    credentialsFile,
    async write(config, credentials = "") {
      await writeFile(configFile, config, { mode: 0o600 });
      await writeFile(credentialsFile, credentials, { mode: 0o600 });
    },
  };
}

/** A credentials-file section holding sts-local's root keys. */
export function rootKeysSection(sts: StsLocal, name = "base"): string {
  return `[${name}]\naws_access_key_id = ${sts.rootCredentials.accessKeyId}\naws_secret_access_key = ${sts.rootCredentials.secretAccessKey}\n`;
}

/** fromProfile options for the files and sts-local (its clock when frozen). */
export function stsProfileOptions(
  sts: StsLocal & { now?: () => number },
  files: ProfileFiles,
  extra: ProfileOptions = {},
): ProfileOptions {
  return {
    configFile: files.configFile,
    credentialsFile: files.credentialsFile,
    stsClientConfig: { endpoint: sts.endpoint, maxAttempts: 1 },
    ...(sts.now ? { clock: sts.now } : {}),
    ...extra,
  };
}

/** Set environment variables for one test; restored after it. */
export function useEnv(): (vars: Record<string, string | undefined>) => void {
  const saved = new Map<string, string | undefined>();
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    saved.clear();
  });
  return (vars) => {
    for (const [name, value] of Object.entries(vars)) {
      if (!saved.has(name)) saved.set(name, process.env[name]);
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}
