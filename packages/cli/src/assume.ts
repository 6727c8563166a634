/**
 * Get one set of assumed-role credentials for a command: the parent session from the
 * options (the SDK's default chain, `--profile`, `--region`, `--endpoint-url`), the cache,
 * AssumeRole, and the region the credentials are for.
 */
import { join } from "node:path";
import type { AssumeRoleEvent, PrincipalStore } from "@assume-role-lib/core";
import { openCache } from "./cache-option.js";
import { redact } from "./errors/exit-codes.js";
import { mfaPrompt } from "./mfa-prompt.js";
import { assumeRoleParams, type CommonOptionValues } from "./options.js";
import { profileSession, requireRoleOrProfile } from "./profile-session.js";

/** Assumed-role credentials, ready to print or hand to a child process. */
export interface ResolvedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  /** The region the credentials are meant for, when one is configured. */
  region: string | undefined;
}

/**
 * Where the CLI keeps the parent principals it learned (parent binding): a directory only
 * this user can write, so a `credential_process` hit costs no GetCallerIdentity call.
 */
export function principalsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.XDG_CACHE_HOME
    ? join(env.XDG_CACHE_HOME, "assume-role-lib", "principals")
    : "~/.cache/assume-role-lib/principals";
}

async function principalStore(): Promise<PrincipalStore> {
  const { JSONFileCache } = await import("@assume-role-lib/file-cache");
  // JSONFileCache stores any JSON document; the core parses what it reads back.
  return new JSONFileCache(principalsDir()) as unknown as PrincipalStore;
}

/** Describe an event on one line for `--debug` (events carry no secret). */
function describeEvent(event: AssumeRoleEvent): string {
  const { type, roleArn: _roleArn, ...rest } = event as AssumeRoleEvent & Record<string, unknown>;
  const fields = Object.entries(rest).map(([k, v]) => {
    if (v instanceof Error) return `${k}=${v.name}: ${v.message}`;
    if (v instanceof Date) return `${k}=${v.toISOString()}`;
    return `${k}=${String(v)}`;
  });
  return `assume-role: [debug] ${type} ${fields.join(" ")}`.trimEnd();
}

/**
 * A listener that prints one warning line (even without --debug) for each distinct cache
 * the command could not use because of how it is set up: a directory others can write,
 * Redis refusing the password. The credentials still come from STS; without the warning,
 * a cache that is never used would go unnoticed.
 */
function cacheWarnings(): (event: AssumeRoleEvent) => void {
  const said = new Set<string>();
  return (event) => {
    if (event.type !== "cache-error") return;
    const { name, message } = event.error;
    if (name !== "UntrustedCacheFileError" && name !== "RedisAccessError") return;
    if (said.has(message)) return;
    said.add(message);
    process.stderr.write(`${redact(`assume-role: warning: ${message}`)}\n`);
  };
}

/**
 * Assume the role with the command line's options; throws core's typed errors. Without a
 * role ARN, the assume-role profile that `--profile` names is assumed.
 */
export async function assumeFromOptions(
  roleArn: string | undefined,
  options: CommonOptionValues,
): Promise<ResolvedCredentials> {
  requireRoleOrProfile(roleArn, options);
  const params = roleArn === undefined ? {} : assumeRoleParams(options);
  if (options.mfa && roleArn !== undefined) params.TokenCode = mfaPrompt(options.SerialNumber);
  const { Session } = await import("@assume-role-lib/core");
  const opened = await openCache(options);
  const debug = options.debug
    ? (line: string) => process.stderr.write(`${redact(line)}\n`)
    : undefined;
  debug?.(`assume-role: [debug] cache: ${opened.description}`);
  const warn = cacheWarnings();
  try {
    const behaviour = {
      ...(opened.cache ? { cache: opened.cache, principalStore: await principalStore() } : {}),
      onEvent: (event: AssumeRoleEvent) => {
        warn(event);
        debug?.(describeEvent(event));
      },
    };
    const child =
      roleArn === undefined
        ? await profileSession(options, behaviour)
        : Session.default({
            ...(options.profile ? { profile: options.profile } : {}),
            ...(options.region ? { region: options.region } : {}),
            ...(options.endpointUrl ? { stsClientConfig: { endpoint: options.endpointUrl } } : {}),
          }).assumeRole(roleArn, { ...params, ...behaviour });
    let identity: Awaited<ReturnType<typeof child.credentials>>;
    try {
      identity = await child.credentials();
    } catch (error) {
      if ((error as Error)?.name === "NoParentCredentialsError") {
        const where = options.profile
          ? `profile ${options.profile}`
          : "the default credential chain";
        (error as Error).message += ` (looked in ${where})`;
      }
      throw error;
    }
    if (!identity.sessionToken || !identity.expiration) {
      throw new Error("AssumeRole returned credentials without a session token or expiration");
    }
    let region = options.region;
    if (!region) {
      try {
        region = await child.resolveRegion();
      } catch {
        region = undefined;
      }
    }
    return {
      accessKeyId: identity.accessKeyId,
      secretAccessKey: identity.secretAccessKey,
      sessionToken: identity.sessionToken,
      expiration: identity.expiration,
      region,
    };
  } finally {
    await opened.close();
  }
}
