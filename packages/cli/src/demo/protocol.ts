/** What the demo's parent and its worker processes say to each other over IPC. */

/** The cache a demo phase goes through. */
export type DemoMode = "none" | "file" | "redis";

/** Handed to each worker in the ASSUME_ROLE_DEMO_WORKER environment variable. */
export interface DemoWorkerConfig {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  roleArn: string;
  requests: number;
  /** Cache modules to load before saying "ready", so phases start at once. */
  preload: DemoMode[];
}

/** One phase: a fresh session in each worker, over this cache. */
export interface DemoPhase {
  mode: DemoMode;
  /** File cache: the directory. Redis: the URL. */
  cacheLocation?: string;
  /** Redis: the run's namespace. */
  namespace?: string;
}

export const WORKER_CONFIG_ENV = "ASSUME_ROLE_DEMO_WORKER";

/** Worker → parent. */
export type WorkerMessage =
  | { type: "ready" }
  | {
      type: "done";
      requests: number;
      failures: number;
      firstError?: string;
      accessKeyIds: string[];
      cacheKey: string | undefined;
    };

/** Parent → worker. */
export type ParentMessage = { type: "run"; phase: DemoPhase } | { type: "exit" };
