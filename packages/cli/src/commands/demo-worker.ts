/**
 * The hidden `demo-worker` command: one worker process of `assume-role demo`. It loads the
 * library once, says "ready", then for each phase builds a fresh assumed-role session over
 * the phase's cache and asks it for credentials `requests` times (10 callers at once).
 */
import type { CredentialCache } from "@assume-role-lib/core";
import { Command } from "commander";
import {
  type DemoPhase,
  type DemoWorkerConfig,
  type ParentMessage,
  WORKER_CONFIG_ENV,
  type WorkerMessage,
} from "../demo/protocol.js";
import type { CommandResult } from "./result.js";

const CONCURRENCY = 10;

async function openPhaseCache(
  phase: DemoPhase,
): Promise<{ cache: CredentialCache | undefined; close: () => Promise<void> }> {
  if (phase.mode === "file" && phase.cacheLocation) {
    const { JSONFileCache } = await import("@assume-role-lib/file-cache");
    return { cache: new JSONFileCache(phase.cacheLocation), close: async () => {} };
  }
  if (phase.mode === "redis" && phase.cacheLocation) {
    const { KeyvCache } = await import("@assume-role-lib/keyv-cache");
    const cache = KeyvCache.redis(phase.cacheLocation, { namespace: phase.namespace });
    return { cache, close: () => cache.close() };
  }
  return { cache: undefined, close: async () => {} };
}

function send(message: WorkerMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });
}

async function runPhase(config: DemoWorkerConfig, phase: DemoPhase): Promise<WorkerMessage> {
  const { Session } = await import("@assume-role-lib/core");
  const opened = await openPhaseCache(phase);
  const parent = Session.fromCredentials(config.credentials, {
    region: config.region,
    stsClientConfig: { endpoint: config.endpoint },
  });
  const session = parent.assumeRole(config.roleArn, opened.cache ? { cache: opened.cache } : {});
  const accessKeyIds = new Set<string>();
  let failures = 0;
  let firstError: string | undefined;
  let remaining = config.requests;
  const lane = async () => {
    while (remaining > 0) {
      remaining--;
      try {
        accessKeyIds.add((await session.credentials()).accessKeyId);
      } catch (error) {
        failures++;
        firstError ??= `${(error as Error).name}: ${(error as Error).message}`;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, config.requests) }, lane));
  } finally {
    await opened.close().catch(() => {});
  }
  return {
    type: "done",
    requests: config.requests,
    failures,
    ...(firstError ? { firstError } : {}),
    accessKeyIds: [...accessKeyIds],
    cacheKey: session.cacheKey,
  };
}

async function serve(config: DemoWorkerConfig): Promise<void> {
  await import("@assume-role-lib/core");
  if (config.preload.includes("file")) await import("@assume-role-lib/file-cache");
  if (config.preload.includes("redis")) await import("@assume-role-lib/keyv-cache");
  const queue: ParentMessage[] = [];
  let wake: (() => void) | undefined;
  process.on("message", (message: ParentMessage) => {
    queue.push(message);
    wake?.();
  });
  process.once("disconnect", () => {
    queue.push({ type: "exit" });
    wake?.();
  });
  await send({ type: "ready" });
  for (;;) {
    if (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
    const message = queue.shift();
    if (!message) continue;
    if (message.type === "exit") break;
    await send(await runPhase(config, message.phase));
  }
  if (process.connected) process.disconnect();
}

export function demoWorkerCommand(result: CommandResult): Command {
  return new Command("demo-worker")
    .description("(internal) one worker process of the demo")
    .action(async () => {
      const raw = process.env[WORKER_CONFIG_ENV];
      if (!raw || !process.send) {
        process.stderr.write("assume-role: demo-worker is started by `assume-role demo`\n");
        result.exitCode = 2;
        return;
      }
      await serve(JSON.parse(raw) as DemoWorkerConfig);
      result.exitCode = 0;
    });
}
