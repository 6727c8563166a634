/** The program without its commands: description, version, help text and error output. */
import { Command } from "commander";
import { redact } from "./errors/exit-codes.js";
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

/** Give every command the same error output and exit handling. */
export function configure(command: Command): void {
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

/** The program with no command added yet (add them, then call {@link configure}). */
export function baseProgram(): Command {
  return new Command("assume-role")
    .description(
      "Assume an AWS IAM role and use its credentials: as a credential_process, in a\n" +
        "command's environment, or as environment variables. Credentials are cached and\n" +
        "shared with the AWS CLI (~/.aws/cli/cache), or through Redis for a fleet.",
    )
    .version(packageVersion(), "-V, --version", "print the version")
    .helpCommand(false)
    .addHelpText("after", OVERVIEW);
}
