/**
 * Redis refusing us is not Redis being slow: a wrong password, a missing one, or an ACL
 * that does not cover this cache's keys are reported as what they are, with Redis's code,
 * instead of as timeouts (node-redis retries a failed AUTH for ever, so every operation
 * used to wait for its deadline) or as anonymous errors.
 */

/** One of the Redis error codes that {@link RedisAccessError} carries. */
export type RedisAccessCode = "WRONGPASS" | "NOAUTH" | "NOPERM";

/** The Redis error codes that mean "not allowed", and what to check for each. */
const ACCESS_CODES: Record<RedisAccessCode, string> = {
  WRONGPASS: "the username or password is wrong (or the user is disabled)",
  NOAUTH: "the server requires a password and none was given",
  NOPERM: "the ACL user may not run this command on this cache's keys",
};

/**
 * Redis refused the connection or a command for lack of rights. `code` is Redis's
 * (`WRONGPASS`, `NOAUTH`, `NOPERM`) and is kept in the core's `cache-error` event. The
 * message says what to check; it never contains the URL or a password.
 */
export class RedisAccessError extends Error {
  override readonly name = "RedisAccessError";
  /** Redis's error code. */
  readonly code: RedisAccessCode;

  constructor(code: RedisAccessCode, operation: string) {
    super(`Redis refused KeyvCache ${operation} [${code}]: ${ACCESS_CODES[code]}`);
    this.code = code;
  }
}

/** The access code of a Redis error reply (`WRONGPASS invalid …`), or undefined. */
export function accessCodeOf(error: unknown): RedisAccessCode | undefined {
  const message = (error as { message?: unknown } | undefined)?.message;
  if (typeof message !== "string") return undefined;
  const word = /^([A-Z]+)\b/.exec(message)?.[1];
  return word && word in ACCESS_CODES ? (word as RedisAccessCode) : undefined;
}

/** `error` as a {@link RedisAccessError} when it is one of Redis's refusals, else itself. */
export function classifyRedisError(error: unknown, operation: string): unknown {
  if (error instanceof RedisAccessError) return error;
  const code = accessCodeOf(error);
  return code ? new RedisAccessError(code, operation) : error;
}
