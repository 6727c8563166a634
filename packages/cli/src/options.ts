/**
 * The options shared by credential-process, exec and env: every AssumeRole parameter in the
 * Python CLI's spelling (`--RoleSessionName`) with a kebab-case alias (`--role-session-name`),
 * the parent (`--profile`, `--region`, `--endpoint-url`), `--mfa`, the cache and `--debug`.
 */
import type { AssumeRoleParams } from "@assume-role-lib/core";
import { type Command, Option } from "commander";
import { parseCacheOption } from "./cache-option.js";
import { UsageError } from "./errors/exit-codes.js";
import {
  parseDurationSeconds,
  parseJsonObject,
  parsePolicy,
  parsePolicyArns,
  parseProvidedContexts,
  parseRegion,
  parseStringList,
  parseTags,
  parseUrl,
} from "./parsers.js";

/** The options as commander hands them over (attribute names from the STS spelling). */
export interface CommonOptionValues
  extends Pick<
    AssumeRoleParams,
    | "RoleSessionName"
    | "PolicyArns"
    | "Tags"
    | "TransitiveTagKeys"
    | "ExternalId"
    | "SerialNumber"
    | "SourceIdentity"
    | "ProvidedContexts"
  > {
  /** The flags take narrower forms than the library: JSON object, seconds, a code. */
  Policy?: string;
  DurationSeconds?: number;
  TokenCode?: string;
  additionalKwargs?: Record<string, unknown>;
  mfa?: boolean;
  profile?: string;
  region?: string;
  endpointUrl?: string;
  /** A directory, a redis:// URL, or false for `--no-cache`. */
  cache?: string | false;
  /** `--cache-encryption-key-file`: the file holding the Redis entries' key. */
  cacheEncryptionKeyFile?: string;
  /** `--cache-encryption-key-env`: the environment variable holding it. */
  cacheEncryptionKeyEnv?: string;
  debug?: boolean;
}

/** One AssumeRole parameter flag: STS spelling, kebab-case alias, value name, parser. */
interface ParamFlag {
  name: keyof AssumeRoleParams | "additionalKwargs";
  sts: string;
  kebab: string;
  value: string;
  help: string;
  parse?: (value: string) => unknown;
}

const PARAM_FLAGS: ParamFlag[] = [
  {
    name: "RoleSessionName",
    sts: "RoleSessionName",
    kebab: "role-session-name",
    value: "name",
    help: "session name (default: SourceIdentity, else generated)",
  },
  {
    name: "PolicyArns",
    sts: "PolicyArns",
    kebab: "policy-arns",
    value: "arns",
    help: 'managed session policies: ARN1,ARN2 or a JSON list (of ARNs or {"arn": …})',
    parse: parsePolicyArns,
  },
  {
    name: "Policy",
    sts: "Policy",
    kebab: "policy",
    value: "json",
    help: "inline session policy: a JSON object",
    parse: parsePolicy,
  },
  {
    name: "DurationSeconds",
    sts: "DurationSeconds",
    kebab: "duration-seconds",
    value: "seconds",
    help: "credential lifetime, 900 to 43200 (the role's maximum)",
    parse: parseDurationSeconds,
  },
  {
    name: "Tags",
    sts: "Tags",
    kebab: "tags",
    value: "tags",
    help: "session tags: K=V,K2=V2, a JSON object or a JSON list of {Key, Value}",
    parse: parseTags,
  },
  {
    name: "TransitiveTagKeys",
    sts: "TransitiveTagKeys",
    kebab: "transitive-tag-keys",
    value: "keys",
    help: "tag keys that pass on through role chaining: K1,K2 or a JSON list",
    parse: parseStringList,
  },
  {
    name: "ExternalId",
    sts: "ExternalId",
    kebab: "external-id",
    value: "id",
    help: "external id the role's trust policy requires",
  },
  {
    name: "SerialNumber",
    sts: "SerialNumber",
    kebab: "serial-number",
    value: "arn",
    help: "MFA device serial number or ARN",
  },
  {
    name: "TokenCode",
    sts: "TokenCode",
    kebab: "token-code",
    value: "code",
    help: "MFA code (6 digits); or --mfa to be prompted",
  },
  {
    name: "SourceIdentity",
    sts: "SourceIdentity",
    kebab: "source-identity",
    value: "identity",
    help: "source identity (also the session name unless one is given)",
  },
  {
    name: "ProvidedContexts",
    sts: "ProvidedContexts",
    kebab: "provided-contexts",
    value: "json",
    help: "trusted context assertions: a JSON list of {ProviderArn, ContextAssertion}",
    parse: parseProvidedContexts,
  },
];

/** Add the AssumeRole, parent, cache and debug options to a command. */
export function addCommonOptions(command: Command, cacheHelp: string): Command {
  for (const flag of PARAM_FLAGS) {
    const option = new Option(`--${flag.kebab}, --${flag.sts} <${flag.value}>`, flag.help);
    if (flag.parse) option.argParser(flag.parse);
    command.addOption(option);
  }
  command
    .addOption(
      new Option(
        "--additional-kwargs <json>",
        "more AssumeRole parameters: a JSON object (named options win)",
      ).argParser(parseJsonObject),
    )
    .addOption(new Option("--mfa", "prompt for the MFA code on the terminal (needs SerialNumber)"))
    .addOption(
      new Option(
        "--profile <name>",
        "AWS config profile: the parent's, or, without a role ARN, the assume-role profile",
      ),
    )
    .addOption(
      new Option("--region <region>", "region (of the STS call and of the credentials)").argParser(
        parseRegion,
      ),
    )
    .addOption(
      new Option("--endpoint-url <url>", "STS endpoint URL (e.g. a local STS)").argParser(parseUrl),
    )
    .addOption(new Option("--cache <dir|redis-url>", cacheHelp).argParser(parseCacheOption))
    .addOption(new Option("--no-cache", "do not cache: call STS every time"))
    .addOption(
      new Option(
        "--cache-encryption-key-file <path>",
        "encrypt Redis entries with the 32-byte key (hex or base64) in this file",
      ),
    )
    .addOption(
      new Option(
        "--cache-encryption-key-env <name>",
        "encrypt Redis entries with the key in this environment variable",
      ),
    )
    .addOption(new Option("--debug", "print events and stack traces on stderr (no secrets)"));
  return command;
}

/** The AssumeRole parameters given on the command line, in STS spelling. */
export function assumeRoleParams(values: CommonOptionValues): AssumeRoleParams {
  if (values.mfa && values.TokenCode !== undefined) {
    throw new UsageError("give either --mfa or --TokenCode, not both");
  }
  const params: AssumeRoleParams = {};
  for (const flag of PARAM_FLAGS) {
    const value = values[flag.name as keyof CommonOptionValues];
    if (value !== undefined) (params as Record<string, unknown>)[flag.name] = value;
  }
  if (values.additionalKwargs !== undefined) params.additionalParams = values.additionalKwargs;
  return params;
}
