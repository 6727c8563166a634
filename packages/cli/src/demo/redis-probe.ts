/** Is a Redis server reachable? One PING, answered within a deadline, and nothing else. */
import { connect } from "node:net";

/** Resolve true when something answers a PING at the URL's host and port within `timeoutMs`. */
export function redisReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  let host: string;
  let port: number;
  let tls: boolean;
  try {
    const parsed = new URL(url);
    host = parsed.hostname.replace(/^\[|\]$/g, "") || "127.0.0.1";
    port = parsed.port ? Number(parsed.port) : 6379;
    tls = parsed.protocol === "rediss:";
  } catch {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once("error", () => finish(false));
    socket.once("connect", () => {
      // Over TLS a plain PING cannot be answered: a TCP connection is the best sign there.
      if (tls) finish(true);
      else socket.write("PING\r\n");
    });
    // "+PONG", or "-NOAUTH …" from a server that wants the URL's password: reachable either way.
    socket.once("data", (data) => finish(/^[+-]/.test(data.toString("latin1"))));
  });
}
