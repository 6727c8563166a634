/**
 * Get assumed-role credentials for a command: the parent session from the options (the
 * SDK's default chain, `--profile`, `--region`, `--endpoint-url`), the cache, AssumeRole,
 * and the region the credentials are for. `exec`, `env` and `credential-process` take one
 * snapshot; `serve` keeps the session and lets it refresh.
 */
import type { AssumeRoleEvent, RefreshOptions, Session } from "@assume-role-lib/core";
import { openCache } from "./cache-option.js";
import { redact } from "./errors/exit-codes.js";
import { mfaPrompt } from "./mfa-prompt.js";
import { assumeRoleParams, type CommonOptionValues } from "./options.js";

/** Assumed-role credentials, ready to print or hand to a child process. */
export interface ResolvedCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
  /** The region the credentials are meant for, when one is configured. */
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

/** A `--debug` line writer (secrets this process knows of are redacted), or undefined. */
export function debugWriter(options: CommonOptionValues): ((line: string) => void) | undefined {
  return options.debug ? (line: string) => process.stderr.write(`${redact(line)}\n`) : undefined;
}

/**
 * Build the assumed-role session the options describe. Validation errors are thrown here,
 * before any network call; AssumeRole is called on first use.
 */
export async function openRoleSession(
  roleArn: string,
  options: CommonOptionValues,
  behaviour: RoleSessionBehaviour = {},
): Promise<RoleSession> {
  const params = assumeRoleParams(options);
  if (options.mfa) params.TokenCode = mfaPrompt(options.SerialNumber);
  const { Session } = await import("@assume-role-lib/core");
  const opened = await openCache(options.cache);
  const debug = debugWriter(options);
  debug?.(`assume-role: [debug] cache: ${opened.description}`);
  const listeners = [
    behaviour.onEvent,
    debug ? (event: AssumeRoleEvent) => debug(describeEvent(event)) : undefined,
  ].filter((l) => l !== undefined);
  try {
    const parent = Session.default({
      ...(options.profile ? { profile: options.profile } : {}),
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpointUrl ? { stsClientConfig: { endpoint: options.endpointUrl } } : {}),
    });
    const session = parent.assumeRole(roleArn, {
      ...params,
      ...(opened.cache ? { cache: opened.cache } : {}),
      ...(behaviour.refresh ? { refresh: behaviour.refresh } : {}),
      ...(listeners.length > 0
        ? {
            onEvent: (event: AssumeRoleEvent) => {
              for (const listener of listeners) listener(event);
            },
          }
        : {}),
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

/** Assume the role with the command line's options; throws core's typed errors. */
export async function assumeFromOptions(
  roleArn: string,
  options: CommonOptionValues,
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
      region: await regionOf(session, options),
    };
  } finally {
    await close();
  }
}
