/**
 * A local HTTP server in the container-credentials format (what ECS and EKS Pod Identity
 * serve, and every AWS SDK reads from AWS_CONTAINER_CREDENTIALS_FULL_URI with
 * AWS_CONTAINER_AUTHORIZATION_TOKEN): 127.0.0.1 only, one path, one token.
 */
import { createServer, type IncomingMessage, type ServerResponse, STATUS_CODES } from "node:http";
import type { AddressInfo } from "node:net";
import { tokenChecker } from "./auth-token.js";
import { CREDENTIALS_PATH, type Refusal, refusalFor } from "./request-checks.js";
import { containerCredentialsDocument, type ServableIdentity } from "./served-credentials.js";

/** The address the server listens on: loopback only, and the one every SDK accepts. */
export const SERVER_HOST = "127.0.0.1";

/** Request headers bigger than this are refused by Node itself (431). */
const MAX_HEADER_BYTES = 8 * 1024;

/** What the server needs. */
export interface CredentialsServerOptions {
  /** The credentials to serve; its errors become 503 answers. */
  credentials: () => Promise<ServableIdentity>;
  /** The token clients send as `Authorization`. */
  token: string;
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** One line per request, for `--debug` (never a header value, never a credential). */
  log?: (line: string) => void;
  /** The message a failed credentials() call is answered with (no secret in it). */
  describeFailure: (error: unknown) => string;
}

/** A running credentials server. */
export interface CredentialsServer {
  /** `http://127.0.0.1:PORT/credentials`: AWS_CONTAINER_CREDENTIALS_FULL_URI. */
  readonly url: string;
  readonly port: number;
  /** Stop accepting, let requests in flight finish (at most `graceMs`), close everything. */
  close(graceMs?: number): Promise<void>;
}

/** Start the server; resolves once it listens. */
export async function startCredentialsServer(
  options: CredentialsServerOptions,
): Promise<CredentialsServer> {
  const tokenMatches = tokenChecker(options.token);
  let port = 0;
  // The document of the credentials served last: the same identity is served for minutes.
  let last: { identity: ServableIdentity; body: string } | undefined;

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    const refusal = refusalFor(req, { port, tokenMatches });
    let status: number;
    let reason: string;
    if (refusal) {
      ({ status, reason } = refusal);
      refuse(res, refusal);
    } else {
      try {
        const identity = await options.credentials();
        if (last?.identity !== identity) {
          last = { identity, body: containerCredentialsDocument(identity) };
        }
        send(res, 200, last.body);
        status = 200;
        reason = `served ${identity.accessKeyId}, expires ${identity.expiration.toISOString()}`;
      } catch (error) {
        status = 503;
        reason = "credentials unavailable";
        const message = options.describeFailure(error);
        send(res, 503, JSON.stringify({ Code: "CredentialsUnavailable", Message: message }));
      }
    }
    const ms = (performance.now() - started).toFixed(1);
    options.log?.(`assume-role: [debug] server: ${status} ${reason} (${ms} ms)`);
  };

  const server = createServer(
    { maxHeaderSize: MAX_HEADER_BYTES, requestTimeout: 10_000, headersTimeout: 5_000 },
    (req, res) => {
      answer(req, res).catch(() => res.destroy());
    },
  );
  server.maxHeadersCount = 64;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, SERVER_HOST, () => {
      server.off("error", reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  return {
    url: `http://${SERVER_HOST}:${port}${CREDENTIALS_PATH}`,
    port,
    close: (graceMs = 2_000) =>
      new Promise<void>((resolve) => {
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, body: string, headers = {}): void {
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(body);
}

/** A refusal says nothing but its status; the connection is not kept. */
function refuse(res: ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({ Message: STATUS_CODES[refusal.status] ?? "Refused" });
  send(res, refusal.status, body, {
    Connection: "close",
    ...(refusal.status === 405 ? { Allow: "GET" } : {}),
  });
}
