/**
 * Get assumed-role credentials for a command: the parent session from the options (the
 * SDK's default chain, `--profile`, `--region`, `--endpoint-url`) or the assume-role profile
 * `--profile` names, the cache, AssumeRole, and the region the credentials are for. `exec`,
 * `env` and `credential-process` take one snapshot; `serve` keeps the session and lets it
 * refresh.
 */
import { join } from "node:path";
import type {
  AssumeRoleEvent,
  PrincipalStore,
  RefreshOptions,
  Session,
} from "@assume-role-lib/core";
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
  /**
   * The region the credentials are meant for, when one is configured; undefined too when
   * the caller did not ask for it (`resolveRegion: false`, credential-process).
   */
  region: string | undefined;
}

/** An assumed-role session built from the command line, and how to let go of its cache. */
export interface RoleSession {
  session: Session;
  /** Close the cache's connections (a Redis client would keep the process alive). */
  close(): Promise<void>;
}

/** What a long-lived caller adds to the session: refresh windows, an event listener. */
export interface RoleSessionBehaviour {
  refresh?: RefreshOptions;
  onEvent?: (event: AssumeRoleEvent) => void;
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

/** A `--debug` line writer (secrets this process knows of are redacted), or undefined. */
export function debugWriter(options: CommonOptionValues): ((line: string) => void) | undefined {
  return options.debug ? (line: string) => process.stderr.write(`${redact(line)}\n`) : undefined;
}

/**
 * Build the assumed-role session the options describe: `roleArn` from the parent the
 * options name, or without a role ARN the assume-role profile that `--profile` names.
 * Validation errors are thrown here, before any network call; AssumeRole is called on
 * first use.
 */
export async function openRoleSession(
  roleArn: string | undefined,
  options: CommonOptionValues,
  behaviour: RoleSessionBehaviour = {},
): Promise<RoleSession> {
  requireRoleOrProfile(roleArn, options);
  const params = roleArn === undefined ? {} : assumeRoleParams(options);
  if (options.mfa && roleArn !== undefined) params.TokenCode = mfaPrompt(options.SerialNumber);
  const { Session } = await import("@assume-role-lib/core");
  const opened = await openCache(options);
  const debug = debugWriter(options);
  debug?.(`assume-role: [debug] cache: ${opened.description}`);
  const listeners = [
    cacheWarnings(),
    behaviour.onEvent,
    debug ? (event: AssumeRoleEvent) => debug(describeEvent(event)) : undefined,
  ].filter((l) => l !== undefined);
  try {
    const steps = {
      ...(opened.cache ? { cache: opened.cache, principalStore: await principalStore() } : {}),
      onEvent: (event: AssumeRoleEvent) => {
        for (const listener of listeners) listener(event);
      },
    };
    const session =
      roleArn === undefined
        ? await profileSession(options, steps)
        : Session.default({
            ...(options.profile ? { profile: options.profile } : {}),
            ...(options.region ? { region: options.region } : {}),
            ...(options.endpointUrl ? { stsClientConfig: { endpoint: options.endpointUrl } } : {}),
          }).assumeRole(roleArn, {
            ...params,
            ...steps,
            ...(behaviour.refresh ? { refresh: behaviour.refresh } : {}),
          });
    return { session, close: () => opened.close() };
  } catch (error) {
    await opened.close();
    throw error;
  }
}

/** Say where the parent credentials were looked for, on a NoParentCredentialsError. */
export function explainNoParent(error: unknown, options: CommonOptionValues): unknown {
  if ((error as Error | undefined)?.name === "NoParentCredentialsError") {
    const where = options.profile ? `profile ${options.profile}` : "the default credential chain";
    (error as Error).message += ` (looked in ${where})`;
  }
  return error;
}

/** The session's region: `--region`, else the parent's implicit one, else undefined. */
export async function regionOf(
  session: Session,
  options: CommonOptionValues,
): Promise<string | undefined> {
  if (options.region) return options.region;
  try {
    return await session.resolveRegion();
  } catch {
    return undefined;
  }
}

/**
 * Assume the role with the command line's options; throws core's typed errors. Without a
 * role ARN, the assume-role profile that `--profile` names is assumed. `resolveRegion:
 * false` skips looking up the region (credential_process prints none, and looking it up
 * can mean reading the config files).
 */
export async function assumeFromOptions(
  roleArn: string | undefined,
  options: CommonOptionValues,
  { resolveRegion = true }: { resolveRegion?: boolean } = {},
): Promise<ResolvedCredentials> {
  const { session, close } = await openRoleSession(roleArn, options);
  try {
    let identity: Awaited<ReturnType<typeof session.credentials>>;
    try {
      identity = await session.credentials();
    } catch (error) {
      throw explainNoParent(error, options);
    }
    if (!identity.sessionToken || !identity.expiration) {
      throw new Error("AssumeRole returned credentials without a session token or expiration");
    }
    return {
      accessKeyId: identity.accessKeyId,
      secretAccessKey: identity.secretAccessKey,
      sessionToken: identity.sessionToken,
      expiration: identity.expiration,
      region: resolveRegion ? await regionOf(session, options) : undefined,
    };
  } finally {
    await close();
  }
}
