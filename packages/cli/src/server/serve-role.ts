/**
 * Serve one role's refreshing credentials: the session from the command line's options
 * (with the server's refresh windows and the configured cache), credentials fetched once
 * before anything else happens (so a bad role or missing parent credentials fail with the
 * usual exit code), then the server on 127.0.0.1.
 */
import { debugWriter, explainNoParent, openRoleSession, regionOf } from "../assume.js";
import { describeError, ExitCode, exitCodeOf, redact, UsageError } from "../errors/exit-codes.js";
import type { CommonOptionValues } from "../options.js";
import { newToken } from "./auth-token.js";
import { containerVariables } from "./container-env.js";
import {
  type CredentialsServer,
  SERVER_HOST,
  startCredentialsServer,
} from "./credentials-server.js";
import { SERVER_REFRESH, ServedCredentials } from "./served-credentials.js";

/** A running server and what a client needs to know about it. */
export interface ServedRole {
  server: CredentialsServer;
  /** The session's region, for AWS_REGION; undefined when none is configured. */
  region: string | undefined;
  /** Stop the server, then close the cache. */
  close(): Promise<void>;
}

/** Where and with which token to listen. */
export interface ListenOptions {
  port?: number;
  token: string;
}

/** One line, no secret: what a client is told, and what the log says, when a refresh fails. */
function failureLine(error: unknown): string {
  if (exitCodeOf(error) === ExitCode.unexpected) {
    return "unexpected error getting credentials (see the output of assume-role)";
  }
  return redact(describeError(error).replace(/\s*\n\s*/g, " "));
}

/** Start serving `roleArn`'s credentials; throws the CLI's usual typed errors. */
export async function serveRole(
  roleArn: string | undefined,
  options: CommonOptionValues,
  listen: ListenOptions,
): Promise<ServedRole> {
  const debug = debugWriter(options);
  // Events start with the first credentials() call, after `served` is set.
  let served: ServedCredentials | undefined;
  const { session, close: closeCache } = await openRoleSession(roleArn, options, {
    refresh: SERVER_REFRESH,
    onEvent: (event) => {
      served?.onEvent(event);
      // A failed refresh is worth a line even without --debug (which prints every event);
      // the first one is the command's error, printed once by main().
      if (event.type === "refresh-failed" && event.reason !== "cold" && !debug) {
        const impact = event.thrown ? "" : " (still serving the current credentials)";
        process.stderr.write(
          `assume-role: refreshing credentials failed${impact}: ${failureLine(event.error)}\n`,
        );
      }
    },
  });
  const credentials = new ServedCredentials(session.credentials);
  served = credentials;

  let server: CredentialsServer;
  try {
    try {
      await credentials.get();
    } catch (error) {
      throw explainNoParent(error, options);
    }
    server = await startCredentialsServer({
      credentials: () => credentials.get(),
      token: listen.token,
      ...(listen.port !== undefined ? { port: listen.port } : {}),
      ...(debug ? { log: debug } : {}),
      describeFailure: (error) => {
        if (exitCodeOf(error) === ExitCode.unexpected) {
          process.stderr.write(`assume-role: server: ${failureLine(error)}\n`);
          debug?.(String((error as Error)?.stack ?? error));
        }
        return failureLine(error);
      },
    }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE" || error.code === "EACCES") {
        throw new UsageError(`cannot listen on ${SERVER_HOST}:${listen.port}: ${error.code}`);
      }
      throw error;
    });
  } catch (error) {
    await closeCache();
    throw error;
  }
  return {
    server,
    region: await regionOf(session, options),
    close: async () => {
      await server.close();
      await closeCache();
    },
  };
}

/**
 * `exec --server`: a server on a free port with a new token, for one command. Returns the
 * variables the command needs (the server's address and token, and the region).
 */
export async function serveToCommand(
  roleArn: string | undefined,
  options: CommonOptionValues,
): Promise<{ variables: Record<string, string>; close(): Promise<void> }> {
  if (options.mfa) {
    // A refresh would prompt on the terminal while the command is using it.
    throw new UsageError(
      "--mfa cannot be used with --server: the prompt at each refresh would fight the command for the terminal; run `assume-role serve ROLE --mfa` in a terminal of its own",
    );
  }
  const token = newToken();
  const served = await serveRole(roleArn, options, { token });
  const variables = containerVariables(served.server.url, token);
  if (served.region) {
    variables.AWS_REGION = served.region;
    variables.AWS_DEFAULT_REGION = served.region;
  }
  return { variables, close: () => served.close() };
}
