/**
 * Credentials a service rejected: the SDK client made by `Session.client()` hands them to
 * `Session.invalidate()` and tries the request once more with fresh ones. Keys are
 * rejected before their Expiration when a session was revoked, or when a clock was so
 * wrong that they were served too long.
 */
import { SMITHY_CONTEXT_KEY } from "@smithy/types";

/** Error codes meaning "these credentials are no good", across AWS's protocols. */
export const REJECTED_CREDENTIALS_CODES: ReadonlySet<string> = new Set([
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "InvalidAccessKeyId",
  "UnrecognizedClientException",
  "InvalidToken",
]);

/** The middleware stack of any SDK v3 client, as far as this module needs it. */
interface ClientWithStack {
  middlewareStack?: {
    add(
      middleware: (
        next: (args: unknown) => Promise<unknown>,
        context: Record<string, unknown>,
      ) => (args: unknown) => Promise<unknown>,
      options: { step: "initialize"; name: string; override?: boolean },
    ): void;
  };
}

/**
 * Make `client` retry a request once, after `invalidate(rejectedKeyId)`, when the service
 * rejects the credentials it was signed with. A second rejection is the caller's.
 */
export function retryOnRejectedCredentials(
  client: unknown,
  invalidate: (accessKeyId: string | undefined) => Promise<void>,
): void {
  const stack = (client as ClientWithStack | undefined)?.middlewareStack;
  if (!stack) return;
  stack.add(
    (next, context) => async (args) => {
      try {
        return await next(args);
      } catch (error) {
        const e = error as { name?: unknown; Code?: unknown } | undefined;
        const code = typeof e?.Code === "string" ? e.Code : e?.name;
        if (typeof code !== "string" || !REJECTED_CREDENTIALS_CODES.has(code)) throw error;
        // The identity the request was signed with (the SDK's own context), not whatever is
        // held now: another request may have refreshed already.
        const smithy = context[SMITHY_CONTEXT_KEY] as
          | { selectedHttpAuthScheme?: { identity?: { accessKeyId?: unknown } } }
          | undefined;
        const used = smithy?.selectedHttpAuthScheme?.identity?.accessKeyId;
        await invalidate(typeof used === "string" ? used : undefined);
        return next(args);
      }
    },
    { step: "initialize", name: "assumeRoleLibRetryRejectedCredentials", override: true },
  );
}
