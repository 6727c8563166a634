/** `assume-role env ROLE_ARN`: print the credentials as environment variables. */
import { Command, Option } from "commander";
import { assumeFromOptions } from "../assume.js";
import { addCommonOptions, type CommonOptionValues } from "../options.js";
import { ENV_FORMATS, type EnvFormat, formatEnv } from "../output-formats.js";
import type { CommandResult } from "./result.js";

const EXAMPLES = `
Formats:
  env         four lines, as the Python library's CLI prints them:
              AWS_ACCESS_KEY_ID=…, AWS_SECRET_ACCESS_KEY=…, AWS_SESSION_TOKEN=…,
              AWS_CREDENTIALS_EXPIRATION=… (sic)
  json        a JSON object of the variables
  sh          export statements for sh, bash and zsh (unsets AWS_PROFILE)
  fish        set -gx statements for fish
  powershell  $Env: assignments for PowerShell

The sh, fish, powershell and json formats set AWS_CREDENTIAL_EXPIRATION (the SDKs'
spelling) and AWS_REGION / AWS_DEFAULT_REGION when a region is configured.

Examples:
  $ export $(assume-role env arn:aws:iam::123456789012:role/MyRole)
  $ eval "$(assume-role env arn:aws:iam::123456789012:role/MyRole --format sh)"
  $ assume-role env arn:aws:iam::123456789012:role/MyRole --format fish | source
  PS> assume-role env arn:aws:iam::123456789012:role/MyRole --format powershell | Invoke-Expression
`;

export function envCommand(result: CommandResult): Command {
  const command = new Command("env")
    .description("print the credentials as environment variables")
    .argument("<role-arn>", "ARN of the role to assume")
    .addOption(
      new Option("--format <format>", "output format").choices(ENV_FORMATS).default("env"),
    );
  addCommonOptions(command, "cache directory or redis:// URL (default: ~/.aws/cli/cache)");
  command.addHelpText("after", EXAMPLES);
  command.action(async (roleArn: string, options: CommonOptionValues & { format: EnvFormat }) => {
    result.debug = Boolean(options.debug);
    const credentials = await assumeFromOptions(roleArn, options);
    process.stdout.write(`${formatEnv(credentials, options.format)}\n`);
    result.exitCode = 0;
  });
  return command;
}
