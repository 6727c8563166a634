/**
 * A worker process of a fleet test: one Node process with one assumed-role session over a
 * shared cache, driven by its parent over IPC (see fleet.ts). Not part of any public API.
 */
import { assumeRole, Session } from "@assume-role-lib/core";
import type { FleetReply, FleetRequest, FleetWorkerConfig } from "./fleet.js";

const config = JSON.parse(process.env.FLEET_WORKER_CONFIG ?? "{}") as FleetWorkerConfig;
let clockOffsetMs = 0;
const clock = () => Date.now() + clockOffsetMs;

const cacheModule = (await import(config.cacheModule)) as Record<string, unknown>;
const factory = cacheModule[config.cacheExport] as (args: unknown) => unknown;
const cache = await factory(config.cacheArgs);

const parent = Session.fromCredentials(config.credentials, {
  region: config.region,
  stsClientConfig: { endpoint: config.endpoint, maxAttempts: config.maxAttempts ?? 3 },
  clock,
});
const events: Record<string, number> = {};
const session = assumeRole(parent, config.roleArn, {
  ...config.assumeRoleOptions,
  cache: cache as never,
  onEvent: (e) => {
    events[e.type] = (events[e.type] ?? 0) + 1;
  },
});

async function resolveMany(request: Extract<FleetRequest, { op: "resolve" }>): Promise<FleetReply> {
  clockOffsetMs = request.clockOffsetMs ?? clockOffsetMs;
  const accessKeyIds = new Set<string>();
  const errors: string[] = [];
  let remaining = request.count;
  const lane = async () => {
    while (remaining > 0) {
      remaining--;
      try {
        const creds = await session.credentials();
        accessKeyIds.add(creds.accessKeyId);
        if (creds.expiration && creds.expiration.getTime() <= clock())
          errors.push("expired credentials served");
      } catch (e) {
        errors.push(`${(e as Error).name}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, request.concurrency ?? 1) }, lane));
  return {
    id: request.id,
    ok: errors.length === 0,
    accessKeyIds: [...accessKeyIds],
    errors,
    events: { ...events },
  };
}

process.on("message", (message: FleetRequest) => {
  if (message.op === "exit") {
    // Close the cache (a pending unlock must reach Redis) but never hang on it.
    const closing = Promise.resolve((cache as { close?: () => unknown })?.close?.());
    const limit = new Promise((resolve) => setTimeout(resolve, 2000).unref());
    Promise.race([closing, limit]).finally(() => process.exit(0));
    return;
  }
  resolveMany(message).then((reply) => process.send?.(reply));
});
process.send?.({
  id: "ready",
  ok: true,
  accessKeyIds: [],
  errors: [],
  events: {},
} satisfies FleetReply);
