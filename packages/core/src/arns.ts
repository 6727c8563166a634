/** ARN and session-name helpers, ported from the Python library with its test vectors. */

function normalizeAccountId(accountId: string | number): string {
  // Account ids are 12 digits; a number (or a string that lost leading zeros) is padded.
  const text = typeof accountId === "number" ? String(Math.trunc(accountId)) : accountId;
  return text.length < 12 ? text.padStart(12, "0") : text;
}

/**
 * A correctly-formatted IAM role ARN. The path may be given separately or as part of the
 * role name (`"a/b/MyRole"`), not both.
 */
export function getRoleArn(
  accountId: string | number,
  roleName: string,
  path = "",
  partition = "aws",
): string {
  if (roleName.includes("/") && path) {
    throw new TypeError("Path cannot be given in both roleName and path");
  }
  let name = roleName;
  let rolePath = path;
  if (name.includes("/")) {
    const at = name.lastIndexOf("/");
    rolePath = name.slice(0, at);
    name = name.slice(at + 1);
  }
  if (rolePath === "/") rolePath = "";
  if (rolePath.startsWith("/")) rolePath = rolePath.slice(1);
  if (rolePath && !rolePath.endsWith("/")) rolePath += "/";
  return `arn:${partition}:iam::${normalizeAccountId(accountId)}:role/${rolePath}${name}`;
}

/**
 * A correctly-formatted assumed-role session ARN. These ARNs have no role path: a role name
 * given with its path is stripped to the name.
 */
export function getAssumedRoleSessionArn(
  accountId: string | number,
  roleName: string,
  roleSessionName: string,
  partition = "aws",
): string {
  const name = roleName.includes("/") ? roleName.slice(roleName.lastIndexOf("/") + 1) : roleName;
  return `arn:${partition}:sts::${normalizeAccountId(accountId)}:assumed-role/${name}/${roleSessionName}`;
}

/** Inputs to {@link generateLambdaSessionName}; each defaults to the Lambda environment. */
export interface LambdaSessionNameOptions {
  /** Default: AWS_LAMBDA_FUNCTION_NAME. */
  functionName?: string;
  /** Default: AWS_LAMBDA_FUNCTION_VERSION; `$LATEST` counts as no version. */
  functionVersion?: string | number;
  /** Default: the execution environment id from AWS_LAMBDA_LOG_STREAM_NAME, else a timestamp. */
  identifier?: string;
  /** For tests: the environment and clock to read. */
  env?: NodeJS.ProcessEnv;
  /** For tests: the clock for the timestamp identifier (epoch milliseconds). */
  now?: () => number;
}

const MAX_SESSION_NAME = 64;

/**
 * A role session name that identifies a Lambda function: `{name}`, `{name}.{identifier}` or
 * `{name}.{version}.{identifier}`, at most 64 characters. The function name is kept whole
 * when it can be; the version is dropped before the identifier is cut below 4 characters.
 */
export function generateLambdaSessionName(options: LambdaSessionNameOptions = {}): string {
  const env = options.env ?? process.env;
  const functionName = options.functionName || env.AWS_LAMBDA_FUNCTION_NAME;
  if (!functionName) {
    throw new TypeError(
      "generateLambdaSessionName: no functionName and no AWS_LAMBDA_FUNCTION_NAME",
    );
  }
  const version = String(options.functionVersion ?? env.AWS_LAMBDA_FUNCTION_VERSION ?? "");
  const versionPart = version && version !== "$LATEST" ? `.${version}` : "";

  const identifierOf = (maxLength: number): string => {
    if (options.identifier) return options.identifier;
    // The log stream name (e.g. 2020/01/31/[$LATEST]3893xmpl7fac4485b47bb75b671a283c) ends
    // with the execution environment's id, which is not exposed otherwise.
    const match = /\w+$/.exec(env.AWS_LAMBDA_LOG_STREAM_NAME ?? "");
    if (match) return match[0].slice(0, maxLength);
    if (maxLength >= 14) return timestamp(options.now?.() ?? Date.now()).slice(0, maxLength);
    return randomLowerAlnum(maxLength);
  };

  let value: string;
  if (functionName.length > MAX_SESSION_NAME - 5) {
    // No room for at least 4 characters of identifier: the name alone, truncated.
    value = functionName.slice(0, MAX_SESSION_NAME);
  } else if (functionName.length + versionPart.length > MAX_SESSION_NAME - 5) {
    value = `${functionName}.${identifierOf(63 - functionName.length)}`;
  } else {
    const max = 63 - (functionName.length + versionPart.length);
    value = `${functionName}${versionPart}.${identifierOf(max)}`;
  }
  return value.slice(0, MAX_SESSION_NAME).replace(/[^a-zA-Z0-9_=,.@-]+/g, "_");
}

/** UTC `YYYYMMDDHHMMSSffffff` (microseconds, as Python's `%f`), 20 characters. */
function timestamp(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return (
    `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}` +
    `${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}${p(d.getUTCMilliseconds() * 1000, 6)}`
  );
}

function randomLowerAlnum(length: number): string {
  const chars = "abcdefghijklmnopqrstuvwxyz0123456789";
  let out = "";
  for (let i = 0; i < length; i++) out += chars[Math.floor(Math.random() * chars.length)];
  return out;
}

/** The name used when none is given: unique per session, stable across its refreshes. */
export function generateSessionName(now: number): string {
  return `assume-role-lib-${Math.floor(now / 1000)}-${randomLowerAlnum(6)}`;
}
