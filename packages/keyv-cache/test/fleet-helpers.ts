/** Fleet plumbing shared by the fleet tests: config, per-step counting, raw IPC asks. */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { FleetReply, FleetWorkerConfig } from "@assume-role-lib/cache-conformance";
import type { StsLocal } from "@assume-role-lib/sts-local";
import { expect } from "vitest";

export const FACTORY = fileURLToPath(new URL("./fixtures/keyv-cache-factory.mjs", import.meta.url));

/** 900-second credentials: advisory window 300 s, blocking 60 s, jitter up to 5 s. */
export const LIFETIME_S = 900;
/** Inside every worker's blocking window (the last minute) of credentials issued one step earlier. */
export const STEP_MS = 860_000;

export function fleetConfig(
  sts: StsLocal,
  roleArn: string,
  url: string | string[],
  options: Record<string, unknown>,
  lock = { waitMs: 20_000, ttlMs: 3000 },
): FleetWorkerConfig {
  return {
    endpoint: sts.endpoint,
    region: sts.region,
    credentials: sts.rootCredentials,
    roleArn,
    maxAttempts: 1,
    assumeRoleOptions: { DurationSeconds: LIFETIME_S, refresh: { jitterSeconds: 5 }, lock },
    cacheModule: FACTORY,
    cacheExport: "createCache",
    cacheArgs: { url, options },
  };
}

/** Move sts-local's clock to the workers' shifted time. */
export function shiftSts(sts: StsLocal, offsetMs: number): void {
  sts.clock.set(new Date(Date.now() + offsetMs));
}

/** Every reply ok, no errors, and every worker holding the same one key; returns it. */
export function expectOneKey(replies: FleetReply[]): string {
  const errors = replies.flatMap((r) => r.errors);
  expect(errors).toEqual([]);
  const keys = new Set(replies.flatMap((r) => r.accessKeyIds));
  expect(keys.size).toBe(1);
  return [...keys][0] as string;
}

/** Ask one worker to resolve; resolves undefined if it dies first (unlike resolveAll). */
export function ask(
  worker: ChildProcess,
  request: { id: string; count: number; concurrency: number; clockOffsetMs: number },
): Promise<FleetReply | undefined> {
  return new Promise((resolve) => {
    const onMessage = (reply: FleetReply) => {
      if (reply.id !== request.id) return;
      worker.off("message", onMessage);
      resolve(reply);
    };
    worker.on("message", onMessage);
    worker.once("exit", () => resolve(undefined));
    worker.send({ op: "resolve", ...request });
  });
}
