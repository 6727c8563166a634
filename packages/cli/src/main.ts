/**
 * The `assume-role` program: its commands, and the mapping of every outcome to an exit code
 * (0 ok, 1 bug, 2 usage, 3 no parent credentials, 4 AssumeRole failed) with one line on
 * stderr for each failure.
 */
import { Command, CommanderError } from "commander";
import { credentialProcessCommand } from "./commands/credential-process.js";
import { demoCommand } from "./commands/demo.js";
import { demoWorkerCommand } from "./commands/demo-worker.js";
import { envCommand } from "./commands/env.js";
import { execCommand } from "./commands/exec.js";
import type { CommandResult } from "./commands/result.js";
import { serveCommand } from "./commands/serve.js";
import { ExitCode, exitCodeOf, formatError, redact } from "./errors/exit-codes.js";
import { packageVersion } from "./version.js";

const OVERVIEW = `
Exit codes: 0 ok, 2 bad usage or invalid parameters, 3 no parent credentials,
4 AssumeRole failed, 1 unexpected error; exec passes its command's exit code through.

Examples:
  $ assume-role credential-process arn:aws:iam::123456789012:role/MyRole
  $ assume-role exec arn:aws:iam::123456789012:role/MyRole -- aws s3 ls
  $ eval "$(assume-role env arn:aws:iam::123456789012:role/MyRole --format sh)"
  $ assume-role exec arn:aws:iam::123456789012:role/MyRole --server -- ./long-job.sh
  $ assume-role serve arn:aws:iam::123456789012:role/MyRole --write-env-file role.env
  $ assume-role demo

Run "assume-role <command> --help" for a command's options.
`;

/** What main() returns: an exit code, or a signal to die of (exec's child died of it). */
export interface MainOutcome {
  exitCode: number;
  signal?: NodeJS.Signals;
}

/** Give every command the same error output and exit handling. */
function configure(command: Command): void {
  command
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => write(redact(`assume-role: ${text.replace(/^error: /, "")}`)),
    })
    .showHelpAfterError(`(run "${commandPath(command)} --help" for usage)`);
  for (const sub of command.commands) configure(sub);
}

function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/** Build the program. `result` receives each command's outcome. */
export function createProgram(result: CommandResult): Command {
  const program = new Command("assume-role")
    .description(
      "Assume an AWS IAM role and use its credentials: as a credential_process, in a\n" +
        "command's environment, or as environment variables. Credentials are cached and\n" +
        "shared with the AWS CLI (~/.aws/cli/cache), or through Redis for a fleet.",
    )
    .version(packageVersion(), "-V, --version", "print the version")
    .helpCommand(false)
    .addHelpText("after", OVERVIEW);
  program.addCommand(credentialProcessCommand(result));
  program.addCommand(execCommand(result));
  program.addCommand(envCommand(result));
  program.addCommand(serveCommand(result));
  program.addCommand(demoCommand(result));
  program.addCommand(demoWorkerCommand(result), { hidden: true });
  configure(program);
  return program;
}

/** Run the CLI with `argv` (as process.argv: node, script, args…). */
export async function main(argv: string[]): Promise<MainOutcome> {
  const result: CommandResult = { exitCode: ExitCode.ok, debug: ownArgs(argv).includes("--debug") };
  const program = createProgram(result);
  if (argv.length <= 2) {
    program.outputHelp({ error: true });
    return { exitCode: ExitCode.usage };
  }
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every parse error (unknown flag, bad value, missing
      // argument, unknown command) is a usage error, already printed by commander.
      return { exitCode: error.exitCode === 0 ? ExitCode.ok : ExitCode.usage };
    }
    process.stderr.write(`${formatError(error, result.debug)}\n`);
    return { exitCode: exitCodeOf(error) };
  }
  return result.signal ? { exitCode: 128, signal: result.signal } : { exitCode: result.exitCode };
}

/** The arguments that are assume-role's: everything before `--` (the rest is exec's command). */
function ownArgs(argv: readonly string[]): readonly string[] {
  const end = argv.indexOf("--");
  return end === -1 ? argv : argv.slice(0, end);
}
