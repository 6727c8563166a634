/**
 * `assume-role serve ROLE_ARN`: serve the role's credentials, refreshed, to any number of
 * processes on this machine, over HTTP on 127.0.0.1 in the container-credentials format,
 * until SIGINT, SIGTERM or SIGHUP.
 */
import { expandHome } from "@assume-role-lib/file-cache";
import { Command, Option } from "commander";
import { addCommonOptions, type CommonOptionValues } from "../options.js";
import { parsePort } from "../parsers.js";
import { newToken, tokenFromFile } from "../server/auth-token.js";
import { containerVariables, exportLines, writeEnvFile } from "../server/container-env.js";
import { serveRole } from "../server/serve-role.js";
import type { CommandResult } from "./result.js";

const EXAMPLES = `
Every AWS SDK and the AWS CLI read AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN, and ask the server again by themselves before the
credentials expire. The server replaces one-hour credentials 20 minutes before they
expire, so what it serves has more life left than any SDK's refresh window.

Without --write-env-file the two lines to export are printed on stdout. The shells
that use them must not set AWS_ACCESS_KEY_ID or AWS_PROFILE, which SDKs read first.

Examples:
  $ assume-role serve arn:aws:iam::123456789012:role/Dev
  $ assume-role serve arn:aws:iam::123456789012:role/Dev --write-env-file ~/.aws/dev.env &
  $ set -a; . ~/.aws/dev.env; set +a; python batch.py
  $ assume-role serve arn:aws:iam::123456789012:role/Dev --port 9911 \\
      --token-file ~/.aws/dev.token --write-env-file dev.env
`;

/** The options of `serve`, beyond the common ones. */
interface ServeOptionValues extends CommonOptionValues {
  port: number;
  tokenFile?: string;
  writeEnvFile?: string;
}

/** Resolve on the first of SIGINT, SIGTERM, SIGHUP (handled: no default exit). */
function shutdownRequested(): Promise<NodeJS.Signals> {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, stop);
      resolve(signal);
    };
    for (const s of signals) process.on(s, stop);
  });
}

export function serveCommand(result: CommandResult): Command {
  const command = new Command("serve")
    .description(
      "serve refreshing credentials to other processes (local container-credentials server)",
    )
    .argument("<role-arn>", "ARN of the role to assume")
    .addOption(
      new Option("--port <port>", "port on 127.0.0.1")
        .argParser(parsePort)
        .default(0, "any free port"),
    )
    .addOption(
      new Option(
        "--token-file <file>",
        "keep the token in this file (mode 0600): read it, or create it with a new token",
      ),
    )
    .addOption(
      new Option(
        // Not --env-file: Node.js 20 takes that for its own option even after the script
        // name, and exits when the file does not exist yet (nodejs/node#54232).
        "--write-env-file <file>",
        "write NAME=value lines (mode 0600) instead of printing export lines",
      ),
    );
  addCommonOptions(command, "cache directory or redis:// URL (default: ~/.aws/cli/cache)");
  command.addHelpText("after", EXAMPLES);
  command.action(async (roleArn: string, options: ServeOptionValues) => {
    result.debug = Boolean(options.debug);
    const token = options.tokenFile
      ? await tokenFromFile(expandHome(options.tokenFile))
      : newToken();
    const served = await serveRole(roleArn, options, { port: options.port, token });
    // Until here a signal ends the process the default way: nothing is served yet.
    const stopped = shutdownRequested();
    const variables = containerVariables(served.server.url, token);
    if (options.writeEnvFile) {
      const file = await writeEnvFile(options.writeEnvFile, variables);
      process.stderr.write(
        `assume-role: serving ${roleArn} at ${served.server.url}; environment in ${file}\n`,
      );
    } else {
      process.stdout.write(`${exportLines(variables)}\n`);
      process.stderr.write(
        `assume-role: serving ${roleArn} at ${served.server.url} until interrupted; export the lines above where it should be used\n`,
      );
    }
    const signal = await stopped;
    process.stderr.write(`assume-role: ${signal}: stopping the server\n`);
    await served.close();
    result.exitCode = 0;
  });
  return command;
}
