/**
 * A worker process of a fleet test: one Node process with assumed-role sessions over a
 * shared cache, driven by its parent over IPC (see fleet.ts). Not part of any public API.
 */
import { assumeRole, Session } from "@assume-role-lib/core";
import type {
  FleetClock,
  FleetProviderContext,
  FleetReply,
  FleetRequest,
  FleetWorkerConfig,
} from "./fleet.js";

type Provider = () => Promise<{ accessKeyId: string; expiration?: Date }>;

const config = JSON.parse(process.env.FLEET_WORKER_CONFIG ?? "{}") as FleetWorkerConfig;
const realNow = Date.now.bind(Date); // a provider may replace Date.now with `clock`
let warp: FleetClock = { epochMs: 0, rate: 1, offsetMs: 0 };
const clock = () => {
  const now = realNow();
  return warp.epochMs + (now - warp.epochMs) * warp.rate + warp.offsetMs;
};

const cacheModule = (await import(config.cacheModule)) as Record<string, unknown>;
const factory = cacheModule[config.cacheExport] as (args: unknown) => unknown;
const cache = await factory(config.cacheArgs);
const providerFactory = config.provider
  ? ((await import(config.provider.module)) as Record<string, unknown>)[config.provider.export]
  : undefined;

const parent = Session.fromCredentials(config.credentials, {
  region: config.region,
  stsClientConfig: { endpoint: config.endpoint, maxAttempts: config.maxAttempts ?? 3 },
  clock,
});
const sessions = new Map<string, { provide: Provider; events: Record<string, number> }>();

/** The named session (built on first use), or the main one. */
async function sessionNamed(name = "") {
  const existing = sessions.get(name);
  if (existing) return existing;
  const spec = name ? config.sessions?.[name] : config;
  if (!spec) throw new Error(`no session named ${name}`);
  const assumeRoleOptions = { ...config.assumeRoleOptions, ...spec.assumeRoleOptions };
  const events: Record<string, number> = {};
  let provide: Provider;
  if (typeof providerFactory === "function") {
    const context: FleetProviderContext = {
      config,
      roleArn: spec.roleArn,
      assumeRoleOptions,
      clock,
    };
    provide = await providerFactory(context);
  } else {
    const session = assumeRole(parent, spec.roleArn, {
      ...assumeRoleOptions,
      cache: cache as never,
      onEvent: (e) => {
        events[e.type] = (events[e.type] ?? 0) + 1;
      },
    });
    provide = () => session.credentials();
  }
  const built = { provide, events };
  sessions.set(name, built);
  return built;
}

async function resolveMany(request: Extract<FleetRequest, { op: "resolve" }>): Promise<FleetReply> {
  if (request.clock) warp = request.clock;
  else if (request.clockOffsetMs !== undefined) {
    warp = { epochMs: 0, rate: 1, offsetMs: request.clockOffsetMs };
  }
  const started = performance.now();
  const { provide, events } = await sessionNamed(request.session);
  const accessKeyIds = new Set<string>();
  const errors: string[] = [];
  const errorCodes: string[] = [];
  let remaining = request.count;
  const lane = async () => {
    while (remaining > 0) {
      remaining--;
      try {
        const creds = await provide();
        accessKeyIds.add(creds.accessKeyId);
        if (creds.expiration && creds.expiration.getTime() <= clock()) {
          errors.push("expired credentials served");
          errorCodes.push("Expired");
        }
      } catch (e) {
        const error = e as Error & { code?: unknown };
        errors.push(`${error.name}: ${error.message}`);
        errorCodes.push(typeof error.code === "string" ? error.code : error.name);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, request.concurrency ?? 1) }, lane));
  return {
    id: request.id,
    ok: errors.length === 0,
    accessKeyIds: [...accessKeyIds],
    errors,
    errorCodes,
    events: { ...events },
    durationMs: performance.now() - started,
  };
}

// A parent that dies (a killed test or benchmark) must not leave workers behind.
process.on("disconnect", () => process.exit(0));

process.on("message", (message: FleetRequest) => {
  if (message.op === "exit") {
    // Close the cache (a pending unlock must reach Redis) but never hang on it.
    const closing = Promise.resolve((cache as { close?: () => unknown })?.close?.());
    const limit = new Promise((resolve) => setTimeout(resolve, 2000).unref());
    Promise.race([closing, limit]).finally(() => process.exit(0));
    return;
  }
  resolveMany(message).then(
    (reply) => process.send?.(reply),
    (error: Error) =>
      process.send?.({
        id: message.id,
        ok: false,
        accessKeyIds: [],
        errors: [`worker: ${error.message}`],
        errorCodes: ["WorkerError"],
        events: {},
      } satisfies FleetReply),
  );
});
process.send?.({
  id: "ready",
  ok: true,
  accessKeyIds: [],
  errors: [],
  errorCodes: [],
  events: {},
} satisfies FleetReply);
