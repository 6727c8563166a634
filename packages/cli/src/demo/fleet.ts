/**
 * The demo's worker processes: this same CLI's hidden `demo-worker` command, started once,
 * told to run each phase at the same moment, and stopped (killed, if need be) at the end.
 */
import { type ChildProcess, fork } from "node:child_process";
import { CLI_PATH } from "../cli-path.js";
import {
  type DemoPhase,
  type DemoWorkerConfig,
  type ParentMessage,
  WORKER_CONFIG_ENV,
  type WorkerMessage,
} from "./protocol.js";

/** One phase's outcome, summed over the workers. */
export interface PhaseReport {
  requests: number;
  failures: number;
  firstError: string | undefined;
  cacheKeys: string[];
  ms: number;
}

interface Worker {
  child: ChildProcess;
  stderr: () => string;
}

function startWorker(config: DemoWorkerConfig): Worker {
  const child = fork(CLI_PATH, ["demo-worker"], {
    env: {
      ...process.env,
      [WORKER_CONFIG_ENV]: JSON.stringify(config),
      // Their stderr is shown only when one fails: spare it the SDK's Node 20 notice.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    },
    execArgv: [],
    stdio: ["ignore", "ignore", "pipe", "ipc"],
    serialization: "json",
  });
  let err = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    if (err.length < 10_000) err += chunk.toString();
  });
  return { child, stderr: () => err };
}

function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

function next<T extends WorkerMessage["type"]>(
  worker: Worker,
  type: T,
  timeoutMs: number,
): Promise<Extract<WorkerMessage, { type: T }>> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      worker.child.off("message", onMessage);
      worker.child.off("exit", onExit);
    };
    const onMessage = (message: WorkerMessage) => {
      if (message.type !== type) return;
      cleanup();
      resolve(message as Extract<WorkerMessage, { type: T }>);
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      const why = worker.stderr().trim().split("\n").slice(-3).join(" | ");
      reject(new Error(`a demo worker exited (${signal ?? code}) before "${type}": ${why}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`a demo worker did not say "${type}" within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    worker.child.on("message", onMessage);
    worker.child.once("exit", onExit);
  });
}

/** A running set of demo workers. */
export class DemoFleet {
  readonly #workers: Worker[];

  private constructor(workers: Worker[]) {
    this.#workers = workers;
  }

  /** Start `size` workers and wait until each has loaded the library. */
  static async start(size: number, config: DemoWorkerConfig): Promise<DemoFleet> {
    const fleet = new DemoFleet(Array.from({ length: size }, () => startWorker(config)));
    try {
      await Promise.all(fleet.#workers.map((w) => next(w, "ready", 120_000)));
    } catch (error) {
      fleet.kill();
      throw error;
    }
    return fleet;
  }

  /** Run one phase in every worker at once; resolve with the summed reports. */
  async run(phase: DemoPhase): Promise<PhaseReport> {
    const t0 = performance.now();
    const done = Promise.all(this.#workers.map((w) => next(w, "done", 120_000)));
    const message: ParentMessage = { type: "run", phase };
    for (const w of this.#workers) w.child.send(message);
    const reports = await done;
    return {
      requests: reports.reduce((n, r) => n + r.requests, 0),
      failures: reports.reduce((n, r) => n + r.failures, 0),
      firstError: reports.find((r) => r.firstError)?.firstError,
      cacheKeys: [...new Set(reports.flatMap((r) => (r.cacheKey ? [r.cacheKey] : [])))],
      ms: performance.now() - t0,
    };
  }

  /** Ask the workers to exit; kill those still running after `graceMs`. */
  async close(graceMs = 3000): Promise<void> {
    const exited = this.#workers.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (!running(w.child)) return resolve();
          w.child.once("exit", () => resolve());
          if (w.child.connected) w.child.send({ type: "exit" } satisfies ParentMessage);
        }),
    );
    const timer = setTimeout(() => this.kill(), graceMs);
    await Promise.all(exited);
    clearTimeout(timer);
  }

  /** Kill every worker still running. */
  kill(): void {
    for (const w of this.#workers) if (running(w.child)) w.child.kill("SIGKILL");
  }
}
