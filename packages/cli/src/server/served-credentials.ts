/**
 * What the credentials server hands out, and when it gets new credentials.
 *
 * Its clients keep what they get and ask again only inside their own refresh windows:
 * botocore 15 minutes before Expiration (advisory; it blocks from 10), the SDK for
 * JavaScript 5 minutes before. So everything served must have more than 15 minutes left,
 * or botocore would ask again on every call. The session therefore replaces one-hour
 * credentials 20 to 22 minutes before they expire (an advisory window of 20 minutes,
 * allowed up to half the lifetime, plus the usual jitter), and a request that comes while
 * that refresh runs waits briefly for it instead of getting the old credentials.
 *
 * Outside an outage a client therefore never gets credentials with less than 20 minutes
 * left. During an STS outage the old credentials keep being served (and the refresh
 * retried every 10 seconds) until 5 minutes before they expire: clients keep working on
 * credentials that are still valid, asking again on every call, rather than failing.
 */
import type { AssumeRoleEvent, RefreshOptions, Session } from "@assume-role-lib/core";
import { formatTimestamp } from "../output-formats.js";

/** botocore's advisory window, the longest of the SDKs' (JavaScript: 5 minutes). */
export const CLIENT_REFRESH_WINDOW_SECONDS = 15 * 60;

/** The session's refresh windows under the server (see the module comment). */
export const SERVER_REFRESH: Readonly<RefreshOptions> = Object.freeze({
  advisorySeconds: CLIENT_REFRESH_WINDOW_SECONDS + 5 * 60,
  mandatorySeconds: 5 * 60,
  advisoryFraction: 1 / 2,
});

/**
 * How long a request waits for a refresh in flight before it takes the credentials held.
 * Below the SDKs' own timeouts for this request (JavaScript 1 s, botocore 2 s).
 */
export const REFRESH_WAIT_MS = 500;

/** Credentials as a session's provider returns them. */
type Identity = Awaited<ReturnType<Session["credentials"]>>;

/** Credentials as the server hands them out. */
export type ServableIdentity = Identity & {
  sessionToken: string;
  expiration: Date;
  accountId?: string;
};

/**
 * The session's provider, plus the wait for a refresh in flight. The session reports its
 * refreshes as events; give {@link ServedCredentials.onEvent} to it as `onEvent`.
 */
export class ServedCredentials {
  readonly #provider: () => Promise<Identity>;
  readonly #waitMs: number;
  #refreshing: { done: Promise<void>; settle: () => void } | undefined;

  constructor(provider: () => Promise<Identity>, waitMs = REFRESH_WAIT_MS) {
    this.#provider = provider;
    this.#waitMs = waitMs;
  }

  /** The session's event listener: tracks whether a refresh is in flight. */
  readonly onEvent = (event: AssumeRoleEvent): void => {
    if (event.type === "refresh-started") {
      if (!this.#refreshing) {
        let settle = () => {};
        const done = new Promise<void>((resolve) => {
          settle = resolve;
        });
        this.#refreshing = { done, settle };
      }
    } else if (event.type === "refresh-succeeded" || event.type === "refresh-failed") {
      this.#refreshing?.settle();
      this.#refreshing = undefined;
    }
  };

  /**
   * Credentials to serve now. Asking may start a background refresh (the held credentials
   * are inside the session's advisory window); then wait up to {@link REFRESH_WAIT_MS}
   * for it and ask again, so that the client gets the new credentials.
   */
  async get(): Promise<ServableIdentity> {
    const held = await this.#provider();
    const refreshing = this.#refreshing;
    if (!refreshing) return servable(held);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      refreshing.done,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, this.#waitMs);
      }),
    ]);
    clearTimeout(timer);
    return servable(await this.#provider());
  }
}

function servable(identity: Identity): ServableIdentity {
  if (!identity.sessionToken || !identity.expiration) {
    throw new Error("AssumeRole returned credentials without a session token or expiration");
  }
  return identity as ServableIdentity;
}

/**
 * The container-credentials document (the ECS and EKS format every SDK reads from
 * AWS_CONTAINER_CREDENTIALS_FULL_URI): `Token` is the session token, `Expiration` ISO-8601.
 */
export function containerCredentialsDocument(identity: ServableIdentity): string {
  return JSON.stringify({
    AccessKeyId: identity.accessKeyId,
    SecretAccessKey: identity.secretAccessKey,
    Token: identity.sessionToken,
    Expiration: formatTimestamp(identity.expiration),
    ...(identity.accountId ? { AccountId: identity.accountId } : {}),
  });
}
