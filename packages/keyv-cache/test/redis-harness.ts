/**
 * Throwaway Redis servers and clusters for tests: each on free loopback ports, with no
 * persistence, in its own temp directory, killed and removed when the test process exits
 * (and by `stopAllRedis()` in `afterAll`). Never touches a shared Redis.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const live = new Set<RedisServer>();
const dirs = new Set<string>();

/**
 * With util-linux's setpriv, servers get SIGKILL when the test process dies, however it
 * dies (vitest may end its workers without running exit hooks).
 */
const PDEATHSIG =
  process.platform === "linux" && spawnSync("setpriv", ["--help"]).status === 0
    ? ["setpriv", "--pdeathsig", "SIGKILL"]
    : [];

const DIR_PREFIX = "keyv-cache-redis-";

/** Remove the directories of test processes that died without cleaning up. */
function sweepStaleDirs(): void {
  for (const name of readdirSync(tmpdir())) {
    const pid = Number(
      name.startsWith(DIR_PREFIX) ? name.slice(DIR_PREFIX.length).split("-")[0] : NaN,
    );
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(tmpdir(), name), { recursive: true, force: true });
    }
  }
}
sweepStaleDirs();

process.once("exit", () => {
  for (const server of live) server.killSync();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A loopback port nobody listens on (and, with `bus`, port + 10000 too, for clusters). */
export async function freePort(bus = false): Promise<number> {
  for (;;) {
    const port = await listenAndClose(0);
    if (port > 55_000 && bus) continue;
    if (
      !bus ||
      (await listenAndClose(port + 10_000).then(
        () => true,
        () => false,
      ))
    )
      return port;
  }
}

function listenAndClose(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : port));
    });
  });
}

/** Send one command to 127.0.0.1:port in RESP and return the raw reply text. */
export function redisCommand(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let reply = "";
    const timer = setTimeout(() => socket.destroy(new Error("redis command timed out")), 2000);
    socket.once("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.connect(port, "127.0.0.1", () => {
      socket.write(
        `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`,
      );
    });
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      if (complete(reply)) {
        clearTimeout(timer);
        socket.end();
        resolve(reply);
      }
    });
  });
}

/** Good enough for the replies tests read: simple strings, errors, integers, one bulk string. */
function complete(reply: string): boolean {
  if (!reply.endsWith("\r\n")) return false;
  if (reply[0] !== "$") return true;
  const header = reply.indexOf("\r\n");
  const length = Number(reply.slice(1, header));
  return length < 0 || Buffer.byteLength(reply) >= header + 2 + length + 2;
}

/** One throwaway redis-server. */
export class RedisServer {
  readonly port: number;
  readonly dir: string;
  readonly #extraArgs: string[];
  #process: ChildProcess | undefined;

  private constructor(port: number, extraArgs: string[]) {
    this.port = port;
    this.#extraArgs = extraArgs;
    this.dir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-${port}-`));
    dirs.add(this.dir);
  }

  /** Start a server on a free port (or `port`). */
  static async start(options: { port?: number; args?: string[] } = {}): Promise<RedisServer> {
    const server = new RedisServer(options.port ?? (await freePort()), options.args ?? []);
    live.add(server);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.#process?.pid;
  }

  /** (Re)start the process on the same port and wait until it answers PING. */
  async restart(): Promise<void> {
    if (this.#process) throw new Error("redis-server is already running");
    const args = [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
    ];
    const [command = "redis-server", ...prefix] = [...PDEATHSIG, "redis-server"];
    const child = spawn(command, [...prefix, ...args, "--dir", this.dir, ...this.#extraArgs], {
      stdio: "ignore",
    });
    this.#process = child;
    child.once("exit", () => {
      if (this.#process === child) this.#process = undefined;
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        // NOAUTH: a server started with --requirepass, answering.
        if (/^(\+PONG|-NOAUTH)/.test(await redisCommand(this.port, "PING"))) return;
      } catch {
        // not listening yet
      }
      if (!this.#process) throw new Error(`redis-server on ${this.port} exited at start`);
      if (Date.now() > deadline) throw new Error(`redis-server on ${this.port} did not start`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** SIGKILL the process (a crash) and wait for it to be gone. */
  async kill(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    const child = this.#process;
    if (!child) return;
    if (child.signalCode === "SIGSTOP") child.kill("SIGCONT");
    const exited = new Promise((r) => child.once("exit", r));
    child.kill(signal);
    await exited;
  }

  /** Freeze the process (a stalled Redis): connections stay open, nothing answers. */
  pause(): void {
    this.#process?.kill("SIGSTOP");
  }

  resume(): void {
    this.#process?.kill("SIGCONT");
  }

  /** Kill it for good and remove its directory. */
  async stop(): Promise<void> {
    this.resume();
    await this.kill();
    live.delete(this);
    rmSync(this.dir, { recursive: true, force: true });
    dirs.delete(this.dir);
  }

  /** @internal exit-hook cleanup */
  killSync(): void {
    try {
      this.#process?.kill("SIGKILL");
    } catch {
      // gone
    }
  }
}

/** A Redis Cluster of throwaway masters (no replicas). */
export interface RedisCluster {
  nodes: RedisServer[];
  urls: string[];
  stop(): Promise<void>;
}

/** Start `masters` cluster-enabled servers and join them; resolves at `cluster_state:ok`. */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes: RedisServer[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      const port = await freePort(true);
      nodes.push(
        await RedisServer.start({
          port,
          args: ["--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`],
        }),
      );
    }
    await run("redis-cli", [
      "--cluster",
      "create",
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    const deadline = Date.now() + 15_000;
    for (const node of nodes) {
      while (!(await redisCommand(node.port, "CLUSTER", "INFO")).includes("cluster_state:ok")) {
        if (Date.now() > deadline) throw new Error("cluster did not reach cluster_state:ok");
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  } catch (error) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw error;
  }
  return {
    nodes,
    urls: nodes.map((n) => n.url),
    stop: async () => {
      await Promise.all(nodes.map((n) => n.stop()));
    },
  };
}

/** Stop every server this process started (for `afterAll`). */
export async function stopAllRedis(): Promise<void> {
  await Promise.all([...live].map((s) => s.stop()));
}
