/**
 * `assume-role exec ROLE_ARN -- COMMAND [ARGS…]`: run a command with the credentials in its
 * environment. Passes the exit code through, relays every catchable signal to the child
 * (signal-relay.ts: the terminal's own signals only when not at a terminal, where the child
 * gets those itself), and dies of the child's signal if it dies of one.
 */
import { spawn } from "node:child_process";
import { Command, Option } from "commander";
import { assumeFromOptions } from "../assume.js";
import { UsageError } from "../errors/exit-codes.js";
import { addCommonOptions, type CommonOptionValues } from "../options.js";
import { credentialVariables, VARIABLES_TO_UNSET } from "../output-formats.js";
import { requireRoleOrProfile } from "../profile-session.js";
import { withoutShadowingVariables } from "../server/container-env.js";
import { serveToCommand } from "../server/serve-role.js";
import { relaySignals } from "../signal-relay.js";
import type { CommandResult } from "./result.js";

const EXAMPLES = `
The command gets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_CREDENTIAL_EXPIRATION and, when a region is configured, AWS_REGION and
AWS_DEFAULT_REGION; AWS_PROFILE is removed so that the SDKs use them. The credentials are
not refreshed while the command runs: ask for a long enough --DurationSeconds.

With --server, the command gets no keys: it gets AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN, the address of a server on 127.0.0.1 that assume-role
runs until the command exits, and its SDKs fetch refreshed credentials from it by
themselves: no expiry, however long the command runs.

Put -- before the command so that its own options are not read as assume-role's.
The exit code is the command's (127 when it cannot be found); when it dies of a signal,
assume-role dies of the same signal. Signals sent to assume-role (SIGTERM, SIGHUP, SIGUSR1,
SIGUSR2, SIGWINCH, SIGTSTP, …) are passed on to the command.

Examples:
  $ assume-role exec arn:aws:iam::123456789012:role/MyRole -- aws sts get-caller-identity
  $ assume-role exec arn:aws:iam::123456789012:role/MyRole --region eu-west-1 -- node deploy.js --prod
  $ assume-role exec arn:aws:iam::123456789012:role/MyRole --profile base --DurationSeconds 7200 -- ./long-job.sh
  $ assume-role exec arn:aws:iam::123456789012:role/MyRole --server -- python train.py
  $ assume-role exec --profile dev -- terraform plan      (dev: an assume-role profile)
`;

/** The child's environment: ours, with the credentials set and the profile unset. */
export function childEnvironment(
  base: NodeJS.ProcessEnv,
  variables: Record<string, string>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of VARIABLES_TO_UNSET) delete env[name];
  // A stale AWS_SECURITY_TOKEN (the old name) must not ride along with new keys.
  delete env.AWS_SECURITY_TOKEN;
  return { ...env, ...variables };
}

/** Run the command; resolve with its exit code or the signal it died of. */
export function runChild(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number } | { signal: NodeJS.Signals }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: "inherit", env });
    const stopRelaying = relaySignals(child, Boolean(process.stdin.isTTY));
    const done = (outcome: { code: number } | { signal: NodeJS.Signals }) => {
      stopRelaying();
      resolve(outcome);
    };
    child.once("error", (error: NodeJS.ErrnoException) => {
      const notFound = error.code === "ENOENT";
      process.stderr.write(
        `assume-role: cannot run ${file}: ${notFound ? "command not found" : error.message}\n`,
      );
      done({ code: notFound ? 127 : 126 });
    });
    child.once("exit", (code, signal) => {
      done(signal ? { signal } : { code: code ?? 1 });
    });
  });
}

export function execCommand(result: CommandResult): Command {
  const command = new Command("exec")
    .description("run a command with the credentials in its environment")
    .usage("[role-arn] [options] -- <command> [args...]")
    .argument("[role-arn]", "ARN of the role to assume (default: the --profile's role_arn)")
    .argument("[command...]", "the command to run, and its arguments");
  addCommonOptions(command, "cache directory or redis:// URL (default: ~/.aws/cli/cache)");
  command.addOption(
    new Option(
      "--server",
      "serve refreshed credentials to the command from a local server instead of keys",
    ),
  );
  command.addHelpText("after", EXAMPLES);
  command.action(
    async (
      first: string | undefined,
      rest: string[],
      options: CommonOptionValues & { server?: boolean },
    ) => {
      result.debug = Boolean(options.debug);
      // Without a role ARN (an assume-role profile), the first operand is the command.
      const roleArn = first?.startsWith("arn:") ? first : undefined;
      const argv = roleArn || first === undefined ? rest : [first, ...rest];
      requireRoleOrProfile(roleArn, options);
      if (argv.length === 0) {
        throw new UsageError("missing required argument 'command' (put it after --)");
      }
      const [file, ...args] = argv as [string, ...string[]];
      const run = async (env: NodeJS.ProcessEnv) => {
        const outcome = await runChild(file, args, env);
        if ("signal" in outcome) result.signal = outcome.signal;
        else result.exitCode = outcome.code;
      };
      if (options.server) {
        const served = await serveToCommand(roleArn, options);
        try {
          await run(childEnvironment(withoutShadowingVariables(process.env), served.variables));
        } finally {
          await served.close();
        }
        return;
      }
      const credentials = await assumeFromOptions(roleArn, options);
      await run(childEnvironment(process.env, credentialVariables(credentials)));
    },
  );
  return command;
}
