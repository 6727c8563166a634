/** `assume-role credential-process ROLE_ARN`: credentials for a `credential_process` profile. */
import { Command } from "commander";
import { assumeFromOptions } from "../assume.js";
import { addCommonOptions, type CommonOptionValues } from "../options.js";
import { credentialProcessJson } from "../output-formats.js";
import type { CommandResult } from "./result.js";

const EXAMPLES = `
Prints the credential_process document (Version 1) on stdout. Use it from a profile in
~/.aws/config, and the AWS CLI, boto3 and every AWS SDK get assumed-role credentials:

  [profile my-role]
  credential_process = assume-role credential-process arn:aws:iam::123456789012:role/MyRole --profile base

Credentials are cached in ~/.aws/cli/cache (the AWS CLI's cache, shared with it and with
boto3) until shortly before they expire.

Examples:
  $ assume-role credential-process arn:aws:iam::123456789012:role/MyRole
  $ assume-role credential-process arn:aws:iam::123456789012:role/MyRole --profile base --DurationSeconds 7200
  $ assume-role credential-process arn:aws:iam::123456789012:role/MyRole --cache redis://127.0.0.1:6379
  $ assume-role credential-process arn:aws:iam::123456789012:role/MyRole --SerialNumber arn:aws:iam::123456789012:mfa/me --mfa

Without a role ARN, --profile names an assume-role profile (role_arn with source_profile
or credential_source, mfa_serial, …): its credentials are cached under the AWS CLI's own
keys, so the AWS CLI and this command reuse each other's entries and MFA prompts:

  [profile dev-cached]
  credential_process = assume-role credential-process --profile dev
`;

export function credentialProcessCommand(result: CommandResult): Command {
  const command = new Command("credential-process")
    .description("print credentials as credential_process JSON (for ~/.aws/config profiles)")
    .argument("[role-arn]", "ARN of the role to assume (default: the --profile's role_arn)");
  addCommonOptions(command, "cache directory or redis:// URL (default: ~/.aws/cli/cache)");
  command.addHelpText("after", EXAMPLES);
  command.action(async (roleArn: string | undefined, options: CommonOptionValues) => {
    result.debug = Boolean(options.debug);
    const credentials = await assumeFromOptions(roleArn, options, { resolveRegion: false });
    process.stdout.write(`${credentialProcessJson(credentials)}\n`);
    result.exitCode = 0;
  });
  return command;
}
