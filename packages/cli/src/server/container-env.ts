/**
 * The environment that points SDKs at the credentials server, and the variables that would
 * win over it in an SDK's default chain (they come before the container provider).
 */
import { expandHome, writeFileAtomic } from "@assume-role-lib/file-cache";
import { quoteSh } from "../output-formats.js";

/** The server's address and token, as every SDK reads them. */
export function containerVariables(url: string, token: string): Record<string, string> {
  return {
    AWS_CONTAINER_CREDENTIALS_FULL_URI: url,
    AWS_CONTAINER_AUTHORIZATION_TOKEN: token,
  };
}

/**
 * Removed from the environment of `exec --server`'s command: each is read before the
 * container provider (static keys, a profile, a relative URI, which wins over the full
 * one, another token file, which wins over the token, and web identity), so any of them
 * would make the command use something other than the server.
 */
export const SHADOWING_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_SECURITY_TOKEN",
  "AWS_CREDENTIAL_EXPIRATION",
  "AWS_PROFILE",
  "AWS_DEFAULT_PROFILE",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
  "AWS_ROLE_SESSION_NAME",
] as const;

/** An environment without the variables that would shadow the server. */
export function withoutShadowingVariables(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of SHADOWING_VARIABLES) delete env[name];
  return env;
}

/** `export NAME='value'` lines for sh, bash and zsh (`serve` prints them). */
export function exportLines(variables: Record<string, string>): string {
  return Object.entries(variables)
    .map(([name, value]) => `export ${name}=${quoteSh(value)}`)
    .join("\n");
}

/**
 * Write `NAME=value` lines (the format of Docker Compose's `env_file`, systemd's
 * `EnvironmentFile` and `set -a; . FILE`) atomically, mode 0600: the token is a secret.
 * The values need no quoting: a URL of digits and a token of base64 characters.
 */
export async function writeEnvFile(
  path: string,
  variables: Record<string, string>,
): Promise<string> {
  const file = expandHome(path);
  const text = Object.entries(variables)
    .map(([name, value]) => `${name}=${value}\n`)
    .join("");
  await writeFileAtomic(file, text, 0o600);
  return file;
}
