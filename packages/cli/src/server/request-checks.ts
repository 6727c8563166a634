/**
 * Which requests the credentials server answers: from loopback, addressed to a loopback
 * name (a DNS-rebinding page sends its own host name), with no body, the exact token,
 * GET, the one path. Everything else is refused with a status and no detail; the reason
 * is only for `--debug`, and names no header value.
 */
import type { IncomingMessage } from "node:http";

/** The one path the server answers. */
export const CREDENTIALS_PATH = "/credentials";

/** Longer request targets are refused before anything else is looked at. */
const MAX_URL_LENGTH = 1024;

/** A refused request: the HTTP status, and why (for `--debug` only). */
export interface Refusal {
  status: number;
  reason: string;
}

/** What the checks compare a request with. */
export interface RequestExpectations {
  /** The port the server listens on: a Host header naming another port is refused. */
  port: number;
  /** True when the Authorization header is the server's token (constant time). */
  tokenMatches: (candidate: string) => boolean;
}

// 127.0.0.0/8, localhost and [::1], with an optional port.
const LOOPBACK_HOST =
  /^(?:127(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}|localhost|\[::1\])(?::(\d{1,5}))?$/i;

/** True for a Host header that names a loopback address, on `port` if it names one. */
export function isLoopbackHost(host: string | undefined, port: number): boolean {
  const match = host === undefined ? null : LOOPBACK_HOST.exec(host);
  if (!match) return false;
  return match[1] === undefined || Number(match[1]) === port;
}

function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return v4.startsWith("127.") || address === "::1";
}

/** The refusal for this request, or undefined when it may have the credentials. */
export function refusalFor(req: IncomingMessage, expect: RequestExpectations): Refusal | undefined {
  if (!isLoopbackAddress(req.socket.remoteAddress)) {
    return { status: 403, reason: "not from a loopback address" };
  }
  if (!isLoopbackHost(req.headers.host, expect.port)) {
    return { status: 403, reason: "Host header is not a loopback name on this port" };
  }
  if ((req.url ?? "").length > MAX_URL_LENGTH) return { status: 414, reason: "URL too long" };
  const length = req.headers["content-length"];
  if (req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0")) {
    return { status: 413, reason: "request has a body" };
  }
  const token = req.headers.authorization;
  if (token === undefined) return { status: 401, reason: "no Authorization header" };
  if (!expect.tokenMatches(token)) return { status: 403, reason: "wrong token" };
  if (req.method !== "GET") return { status: 405, reason: "method is not GET" };
  if (req.url !== CREDENTIALS_PATH) return { status: 404, reason: "unknown path" };
  return undefined;
}
