/**
 * The credentials server in this process, on a real session against sts-local (frozen
 * clock shared with the session), and a raw HTTP client that can send any Host header.
 */

import { request } from "node:http";
import { type AssumeRoleOptions, Session } from "@assume-role-lib/core";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { newToken } from "../src/server/auth-token.js";
import {
  type CredentialsServer,
  startCredentialsServer,
} from "../src/server/credentials-server.js";
import { SERVER_REFRESH, ServedCredentials } from "../src/server/served-credentials.js";

/** An sts-local whose frozen clock the sessions share. */
export type FrozenSts = StsLocal & { now: () => number };

export async function startFrozenSts(): Promise<FrozenSts> {
  const sts = await startStsLocal();
  sts.clock.freeze();
  return Object.assign(sts, { now: () => sts.clock.nowMs() });
}

export const ROLE_ARN = (name: string) => `arn:aws:iam::123456789012:role/${name}`;

/** A running in-process server, its token, and the session behind it. */
export interface InProcessServer {
  server: CredentialsServer;
  token: string;
  session: Session;
  close(): Promise<void>;
}

/**
 * Serve `role` (assumed from `parent`, default sts-local's root keys) the way `serve` does:
 * the server's refresh windows and the wait for a refresh in flight.
 */
export async function serveInProcess(
  sts: FrozenSts,
  role: string,
  options: AssumeRoleOptions & { parent?: Session; log?: (line: string) => void } = {},
): Promise<InProcessServer> {
  const { parent, log, ...assumeOptions } = options;
  const root =
    parent ??
    Session.fromCredentials(sts.rootCredentials, {
      region: sts.region,
      stsClientConfig: { endpoint: sts.endpoint, maxAttempts: 1 },
      clock: sts.now,
    });
  let served: ServedCredentials | undefined;
  const session = root.assumeRole(role, {
    refresh: SERVER_REFRESH,
    ...assumeOptions,
    onEvent: (event) => {
      served?.onEvent(event);
      assumeOptions.onEvent?.(event);
    },
  });
  served = new ServedCredentials(session.credentials, sts.now);
  const credentials = served;
  const token = newToken();
  const server = await startCredentialsServer({
    credentials: () => credentials.get(),
    token,
    describeFailure: (error) => `failed: ${(error as Error).name}`,
    ...(log ? { log } : {}),
  });
  return { server, token, session, close: () => server.close() };
}

/** An HTTP response, read whole. */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers (Host included, as given). */
export function httpGet(
  url: string,
  headers: Record<string, string>,
  options: { method?: string; path?: string; body?: string } = {},
): Promise<RawResponse> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: options.method ?? "GET",
        path: options.path ?? target.pathname,
        headers: { Host: target.host, ...headers },
        setHost: false,
        agent: false,
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          body += chunk;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** The served credentials document, with a typed body. */
export async function fetchCredentials(running: {
  server: CredentialsServer;
  token: string;
}): Promise<{
  AccessKeyId: string;
  SecretAccessKey: string;
  Token: string;
  Expiration: string;
  AccountId?: string;
}> {
  const res = await httpGet(running.server.url, { Authorization: running.token });
  if (res.status !== 200) throw new Error(`status ${res.status}: ${res.body}`);
  return JSON.parse(res.body);
}
