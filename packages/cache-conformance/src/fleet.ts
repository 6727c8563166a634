/**
 * Fleet tests: N real Node processes, each with one assumed-role session over a shared cache
 * (JSONFileCache on one directory, KeyvCache on one Redis), all calling one sts-local. The
 * parent drives them over IPC and counts AssumeRole calls at sts-local.
 */
import { type ChildProcess, fork } from "node:child_process";
import { fileURLToPath } from "node:url";

/** How each worker builds its cache and session. */
export interface FleetWorkerConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  roleArn: string;
  assumeRoleOptions?: Record<string, unknown>;
  /**
   * More sessions, by name, for requests that name one (`session`); each has its own role
   * and options on top of `assumeRoleOptions`. Built on first use.
   */
  sessions?: Record<string, { roleArn: string; assumeRoleOptions?: Record<string, unknown> }>;
  /** Module (absolute path or package name) exporting the cache factory. */
  cacheModule: string;
  /** Name of the exported factory: `(cacheArgs) => cache` (may be async). */
  cacheExport: string;
  cacheArgs?: unknown;
  maxAttempts?: number;
  /**
   * Replace the library's session with another credential provider (a baseline to compare
   * with): a module exporting `factory(context)` that returns `() => Promise<identity>`.
   */
  provider?: { module: string; export: string };
}

/** What a provider factory (FleetWorkerConfig.provider) gets. */
export interface FleetProviderContext {
  config: FleetWorkerConfig;
  roleArn: string;
  assumeRoleOptions: Record<string, unknown>;
  /** The worker's clock (simulated time when the parent warps it). */
  clock: () => number;
}

/**
 * The worker's clock: `epochMs + (now − epochMs) × rate + offsetMs`, so a test can run
 * simulated time faster than real time (rate > 1) and jump it (offset). Sticky: a request
 * without one keeps the last.
 */
export interface FleetClock {
  epochMs: number;
  rate: number;
  offsetMs: number;
}

/** A request to a worker. */
export type FleetRequest =
  | {
      op: "resolve";
      id: string;
      count: number;
      concurrency?: number;
      /** Shorthand for a clock of rate 1 with this offset. */
      clockOffsetMs?: number;
      clock?: FleetClock;
      /** A session of `FleetWorkerConfig.sessions`; default the main one. */
      session?: string;
    }
  | { op: "exit" };

/** A worker's answer to one `resolve`. */
export interface FleetReply {
  id: string;
  ok: boolean;
  accessKeyIds: string[];
  errors: string[];
  /** The error code (AssumeRoleError.code) or name of each error, in order. */
  errorCodes: string[];
  /** Event counts of the session asked, since it was built. */
  events: Record<string, number>;
  /** How long the worker took to answer all `count` calls, in ms (benchmarks). */
  durationMs?: number;
}

/** What every worker is asked in one round. */
export interface FleetResolveOptions {
  count: number;
  concurrency?: number;
  clockOffsetMs?: number;
  clock?: FleetClock;
  session?: string;
}

/** A running fleet. */
export interface Fleet {
  workers: ChildProcess[];
  /** Every worker resolves credentials `count` times with `concurrency` callers at once. */
  resolveAll(options: FleetResolveOptions): Promise<FleetReply[]>;
  /** Ask the workers to exit and wait for them (kills stragglers after 5 s). */
  close(): Promise<void>;
}

const WORKER = fileURLToPath(new URL("./fleet-worker.js", import.meta.url));

/** Start `size` worker processes and wait until each has built its cache and session. */
export async function startFleet(size: number, config: FleetWorkerConfig): Promise<Fleet> {
  const workers = Array.from({ length: size }, () =>
    fork(WORKER, [], {
      env: {
        ...process.env,
        // 32 copies of the SDK's Node 20 support notice are noise; nothing here depends on it.
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
        FLEET_WORKER_CONFIG: JSON.stringify(config),
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      serialization: "json",
    }),
  );
  let seq = 0;
  const ask = (worker: ChildProcess, request: FleetRequest & { id: string }) =>
    new Promise<FleetReply>((resolve, reject) => {
      const onMessage = (reply: FleetReply) => {
        if (reply.id !== request.id) return;
        worker.off("message", onMessage);
        worker.off("exit", onExit);
        resolve(reply);
      };
      const onExit = (code: number | null) => reject(new Error(`fleet worker exited (${code})`));
      worker.on("message", onMessage);
      worker.once("exit", onExit);
      worker.send(request);
    });
  await Promise.all(
    workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const onMessage = (m: FleetReply) => {
            if (m.id === "ready") {
              w.off("message", onMessage);
              resolve();
            }
          };
          w.on("message", onMessage);
          w.once("exit", (code) => reject(new Error(`fleet worker exited before ready (${code})`)));
        }),
    ),
  );
  return {
    workers,
    resolveAll: (options) => {
      const id = `r${seq++}`;
      return Promise.all(workers.map((w) => ask(w, { op: "resolve", id, ...options })));
    },
    close: async () => {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve) => {
              if (w.exitCode !== null || w.signalCode !== null) return resolve();
              const timer = setTimeout(() => w.kill("SIGKILL"), 5000);
              w.once("exit", () => {
                clearTimeout(timer);
                resolve();
              });
              try {
                w.send({ op: "exit" });
              } catch {
                w.kill("SIGKILL");
              }
            }),
        ),
      );
    },
  };
}
