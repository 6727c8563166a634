/**
 * What the credentials server hands out, and when it gets new credentials.
 *
 * Its clients keep what they get and ask again only inside their own refresh windows:
 * botocore 15 minutes before Expiration (advisory; it blocks from 10), the SDK for
 * JavaScript 5 minutes before. So everything served must have more than 15 minutes left,
 * or botocore would ask again on every call. The session therefore replaces one-hour
 * credentials 20 to 22 minutes before they expire (an advisory window of 20 minutes,
 * allowed up to half the lifetime, plus the usual jitter). Requests that come while that
 * refresh runs get the credentials held, which still have 20 minutes: nobody waits for
 * STS. Only when the held credentials have less than 16 minutes left (the server was idle
 * past its refresh point, or the machine slept) does a request wait, briefly, for the
 * refresh it started.
 *
 * Outside an outage a client therefore never gets credentials with less than 16 minutes
 * left (20 while the server is in use). During an STS outage the old credentials keep
 * being served (the core's static stability: the refresh is retried after a backoff) until
 * 30 seconds before they expire: clients keep working on credentials that are still valid,
 * asking again on every call, rather than failing.
 */
import type { AssumeRoleEvent, RefreshOptions, Session } from "@assume-role-lib/core";
import { formatTimestamp } from "../output-formats.js";

/** botocore's advisory window, the longest of the SDKs' (JavaScript: 5 minutes). */
export const CLIENT_REFRESH_WINDOW_SECONDS = 15 * 60;

/** The session's refresh windows under the server (see the module comment). */
export const SERVER_REFRESH: Readonly<RefreshOptions> = Object.freeze({
  // The core lets an explicit advisory window reach 3/4 of a short lifetime.
  advisorySeconds: CLIENT_REFRESH_WINDOW_SECONDS + 5 * 60,
  mandatorySeconds: 5 * 60,
  // A client's request gives up after 1-2 s: with nothing usable held, answer 503 soon
  // rather than hold the request through the core's cold backoff.
  maxWaitSeconds: 5,
});

/**
 * Below this much life left, a request waits for the refresh in flight rather than take
 * the credentials held: botocore's window and a minute. For short lifetimes, at most 0.9
 * of the advisory point (half the lifetime), so a refresh on schedule never holds anyone.
 */
export const WAIT_BELOW_SECONDS = CLIENT_REFRESH_WINDOW_SECONDS + 60;
const WAIT_BELOW_LIFETIME_FRACTION = 0.45;

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
  readonly #clock: () => number;
  #refreshing: { done: Promise<void>; settle: () => void } | undefined;
  /** The credentials seen last, and the longest life left seen on first sight (≈ lifetime). */
  #last: Identity | undefined;
  #lifetimeMs = 0;

  /** `clock`: the session's (tests drive time with it). */
  constructor(provider: () => Promise<Identity>, clock: () => number = Date.now) {
    this.#provider = provider;
    this.#clock = clock;
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
   * are inside the session's advisory window). When they have too little life left for
   * the clients, wait up to {@link REFRESH_WAIT_MS} for that refresh and ask again.
   */
  async get(): Promise<ServableIdentity> {
    const held = servable(await this.#provider());
    if (held !== this.#last) {
      this.#last = held;
      this.#lifetimeMs = Math.max(this.#lifetimeMs, held.expiration.getTime() - this.#clock());
    }
    const refreshing = this.#refreshing;
    if (!refreshing) return held;
    const leftMs = held.expiration.getTime() - this.#clock();
    const waitBelowMs = Math.min(
      WAIT_BELOW_SECONDS * 1000,
      this.#lifetimeMs * WAIT_BELOW_LIFETIME_FRACTION,
    );
    if (leftMs >= waitBelowMs) return held;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      refreshing.done,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, REFRESH_WAIT_MS);
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
