/**
 * The storm scenarios, run against a fleet of real worker processes on one shared cache and
 * one sts-local, counting what STS sees and what callers see:
 *
 * - outage:    STS answers 503 for 20 simulated minutes, starting inside the advisory
 *              window of 2-hour credentials; then it recovers. A variant outlasts 1-hour
 *              credentials: 30 minutes from 20 minutes before they expire.
 * - denied:    a role that denies everyone, at cold start.
 * - throttled: 20 throttles in a row at cold start.
 * - slow:      12 s of STS latency, longer than the 10 s lock lease.
 *
 * Time is simulated: sts-local and every worker read one clock that can run faster than
 * real time (SimClock), so 20 minutes of outage take seconds. What runs in real time (HTTP
 * timeouts, lock polling, the SDK's own retries) is not scaled; the backoff is.
 */
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { type Fleet, type FleetClock, type FleetReply, startFleet } from "./fleet.js";

const MIN = 60_000;
const role = (name: string) => `arn:aws:iam::123456789012:role/${name}`;
/** The role each scenario assumes (its own, so counts and cache keys never mix). */
export const STORM_ROLES = {
  outage: role("Long"),
  outlasting: role("RoleC"),
  denied: role("Denied"),
  throttled: role("RoleA"),
  slow: role("RoleB"),
} as const;

/** One clock for sts-local and the workers: `rate` times real time, plus jumps. */
export class SimClock {
  #epochMs = Date.now();
  #rate = 1;
  #offsetMs = 0;

  now(): number {
    return this.#epochMs + (Date.now() - this.#epochMs) * this.#rate + this.#offsetMs;
  }

  /** Run `rate` times faster than real time from now on (no jump). */
  setRate(rate: number): void {
    const now = this.now();
    this.#epochMs = Date.now();
    this.#offsetMs = now - this.#epochMs;
    this.#rate = rate;
  }

  /** Jump to `at` (simulated epoch ms). */
  jumpTo(at: number): void {
    this.#offsetMs += at - this.now();
  }

  /** The parameters the workers rebuild this clock from. */
  get params(): FleetClock {
    return { epochMs: this.#epochMs, rate: this.#rate, offsetMs: this.#offsetMs };
  }
}

/** How to start a storm fleet. */
export interface StormFleetOptions {
  size: number;
  cacheModule: string;
  cacheExport: string;
  cacheArgs?: unknown;
  /** Share failures through the cache (the library's default). */
  shareFailures?: boolean;
  /** A baseline provider instead of the library (see FleetWorkerConfig.provider). */
  provider?: { module: string; export: string };
  /** The SDK's maxAttempts for the STS calls; default 3, the SDK's default. */
  maxAttempts?: number;
  /** assumeRole() options per scenario session, on top of the defaults. */
  sessionOptions?: Partial<Record<keyof typeof STORM_ROLES, Record<string, unknown>>>;
}

/** A fleet, its sts-local and their shared simulated clock. */
export interface StormFleet {
  fleet: Fleet;
  sts: StsLocal;
  clock: SimClock;
  close(): Promise<void>;
}

/** Start sts-local on a simulated clock and `size` workers with one session per scenario. */
export async function startStormFleet(options: StormFleetOptions): Promise<StormFleet> {
  const clock = new SimClock();
  const sts = await startStsLocal({ now: () => clock.now(), requestLogSize: 100_000 });
  const stsClientConfig = {
    endpoint: sts.endpoint,
    maxAttempts: options.maxAttempts ?? 3,
    // sts-local's clock runs fast: the SDK would take that for skew and retry every error.
    disableClockSkewCorrection: true,
  };
  const common = {
    stsClientConfig,
    refresh: { shareFailures: options.shareFailures ?? true },
  };
  const session = (name: keyof typeof STORM_ROLES, extra: Record<string, unknown> = {}) => {
    const own = options.sessionOptions?.[name] ?? {};
    const refresh = { ...common.refresh, ...(own.refresh as object | undefined) };
    return {
      roleArn: STORM_ROLES[name],
      assumeRoleOptions: { ...common, ...extra, ...own, refresh },
    };
  };
  try {
    const fleet = await startFleet(options.size, {
      endpoint: sts.endpoint,
      region: sts.region,
      credentials: sts.rootCredentials,
      roleArn: STORM_ROLES.throttled,
      maxAttempts: stsClientConfig.maxAttempts,
      cacheModule: options.cacheModule,
      cacheExport: options.cacheExport,
      cacheArgs: options.cacheArgs,
      ...(options.provider ? { provider: options.provider } : {}),
      sessions: {
        outage: session("outage", { DurationSeconds: 7200 }),
        outlasting: session("outlasting", { DurationSeconds: 3600 }),
        denied: session("denied"),
        throttled: session("throttled"),
        slow: session("slow"),
      },
    });
    const close = async () => {
      await fleet.close();
      await sts.close();
    };
    return { fleet, sts, clock, close };
  } catch (error) {
    await sts.close();
    throw error;
  }
}

/** Caller-visible errors in a round, and the keys the workers hold. */
function tally(replies: FleetReply[]) {
  return {
    errors: replies.flatMap((r) => r.errorCodes),
    keys: new Set(replies.flatMap((r) => r.accessKeyIds)),
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** What the outage cost. */
export interface OutageResult {
  /** AssumeRole requests STS received while failing, from the whole fleet. */
  attemptsDuringOutage: number;
  /** Caller-visible errors during the outage while the credentials were unexpired. */
  errorsBeforeExpiry: number;
  /** Caller-visible errors during the outage after they expired (nothing valid anywhere). */
  errorsAfterExpiry: number;
  callerRequests: number;
  /** AssumeRole requests from recovery until every worker held new credentials. */
  attemptsToRecover: number;
  /** Simulated ms from recovery until every worker held new credentials (undefined: not within `recoveryLimitMinutes`). */
  recoveryMs: number | undefined;
}

/** Which outage: by default the issue's, 20 min from 58 min before 2-hour credentials expire. */
export interface OutageOptions {
  /** `outage` (2-hour credentials) or `outlasting` (1-hour). */
  session?: "outage" | "outlasting";
  /** The outage starts this long before the credentials expire. */
  startBeforeExpiryMinutes?: number;
  minutes?: number;
  /** Simulated time runs this many times faster than real time. */
  rate?: number;
  recoveryLimitMinutes?: number;
}

/** STS fails (503) for `minutes` of simulated time; each worker calls twice per round. */
export async function runOutage(
  { fleet, sts, clock }: StormFleet,
  {
    session = "outage",
    startBeforeExpiryMinutes = 58,
    minutes = 20,
    rate = 240,
    recoveryLimitMinutes = 30,
  }: OutageOptions = {},
): Promise<OutageResult> {
  const roleArn = STORM_ROLES[session];
  const calls = () => sts.stats.calls("AssumeRole", roleArn);
  const round = (count = 2) =>
    fleet.resolveAll({ count, concurrency: count, clock: clock.params, session });
  // The cold start in real time: a caller's wait (maxWaitSeconds) is simulated time too.
  clock.setRate(1);
  const cold = tally(await round(1));
  if (cold.errors.length > 0) throw new Error(`outage: cold start failed: ${cold.errors[0]}`);
  clock.setRate(rate);
  const issued = sts.stats.requests.filter((r) => r.roleArn === roleArn).at(-1);
  const lifetimeMs = Number(issued?.params.DurationSeconds ?? 3600) * 1000;
  const expiry = (issued?.at.getTime() ?? clock.now()) + lifetimeMs;
  clock.jumpTo(expiry - startBeforeExpiryMinutes * MIN);

  // The outage ends after `minutes` of simulated time, however long a round takes.
  sts.faults.serverErrorNext(Number.POSITIVE_INFINITY, 503, { action: "AssumeRole" });
  const before = calls();
  let attemptsDuringOutage: number | undefined;
  setTimeout(
    () => {
      sts.faults.clear();
      attemptsDuringOutage = calls() - before;
    },
    (minutes * MIN) / rate,
  );
  let errorsBeforeExpiry = 0;
  let errorsAfterExpiry = 0;
  let callerRequests = 0;
  while (attemptsDuringOutage === undefined) {
    const at = clock.now();
    const { errors } = tally(await round());
    if (at < expiry) errorsBeforeExpiry += errors.length;
    else errorsAfterExpiry += errors.length;
    callerRequests += fleet.workers.length * 2;
    await sleep(20);
  }

  const recovered = clock.now();
  const beforeRecovery = calls();
  let recoveryMs: number | undefined;
  while (clock.now() - recovered < recoveryLimitMinutes * MIN) {
    const { keys, errors } = tally(await round(1));
    if (errors.length === 0 && ![...keys].some((k) => cold.keys.has(k))) {
      recoveryMs = clock.now() - recovered;
      break;
    }
    await sleep(20);
  }
  return {
    attemptsDuringOutage,
    errorsBeforeExpiry,
    errorsAfterExpiry,
    callerRequests,
    attemptsToRecover: calls() - beforeRecovery,
    recoveryMs,
  };
}

/** What a cold start on a denied role cost. */
export interface DeniedResult {
  callers: number;
  /** Callers that got the typed AccessDenied error. */
  accessDenied: number;
  /** Callers that got anything else (an error of another kind, or credentials). */
  other: number;
  /** AssumeRole requests STS received. */
  attempts: number;
  /** Real ms the bursts took. */
  elapsedMs: number;
}

/** `bursts` rounds of `callers` concurrent callers per worker, in real time. */
export async function runDenied(
  { fleet, sts, clock }: StormFleet,
  { callers = 20, bursts = 3 } = {},
): Promise<DeniedResult> {
  clock.setRate(1);
  const started = performance.now();
  let accessDenied = 0;
  let other = 0;
  for (let i = 0; i < bursts; i++) {
    const replies = await fleet.resolveAll({
      count: callers,
      concurrency: callers,
      clock: clock.params,
      session: "denied",
    });
    for (const r of replies) {
      const denied = r.errorCodes.filter((code) => code === "AccessDenied").length;
      accessDenied += denied;
      other += callers - denied;
    }
    await sleep(200);
  }
  return {
    callers: fleet.workers.length * callers * bursts,
    accessDenied,
    other,
    attempts: sts.stats.calls("AssumeRole", STORM_ROLES.denied),
    elapsedMs: Math.round(performance.now() - started),
  };
}

/**
 * Options for runThrottled at its default 60× rate: the SDK's own retry delays run in real
 * time, 60 times longer in simulated time, so callers may wait up to 1 simulated hour (60 s
 * real). At real speed the default 120 s suffices (the benchmark measures it at rate 1).
 */
export const THROTTLED_AT_60X = { throttled: { refresh: { maxWaitSeconds: 3600 } } };

/** What a cold start behind throttling cost. */
export interface ThrottledResult {
  callerErrors: number;
  callers: number;
  /** AssumeRole requests STS received (the throttled ones included). */
  attempts: number;
  /** Simulated ms until every caller had credentials. */
  elapsedMs: number;
}

/** `throttles` Throttling answers in a row, then STS recovers; every worker cold. */
export async function runThrottled(
  { fleet, sts, clock }: StormFleet,
  { throttles = 20, callers = 20, rate = 60 } = {},
): Promise<ThrottledResult> {
  clock.setRate(rate);
  sts.faults.throttleNext(throttles, { action: "AssumeRole" });
  const started = clock.now();
  const replies = await fleet.resolveAll({
    count: callers,
    concurrency: callers,
    clock: clock.params,
    session: "throttled",
  });
  sts.faults.clear();
  return {
    callerErrors: tally(replies).errors.length,
    callers: fleet.workers.length * callers,
    attempts: sts.stats.calls("AssumeRole", STORM_ROLES.throttled),
    elapsedMs: clock.now() - started,
  };
}

/** What a slow STS cost. */
export interface SlowResult {
  callerErrors: number;
  /** Workers that got credentials. */
  served: number;
  /** AssumeRole requests STS received (each one issues credentials). */
  attempts: number;
}

/** STS answers AssumeRole after `latencyMs` (real time); every worker cold. */
export async function runSlow(
  { fleet, sts, clock }: StormFleet,
  { latencyMs = 12_000, callers = 20 } = {},
): Promise<SlowResult> {
  clock.setRate(1);
  sts.faults.latency(latencyMs, { action: "AssumeRole" });
  const replies = await fleet.resolveAll({
    count: callers,
    concurrency: callers,
    clock: clock.params,
    session: "slow",
  });
  sts.faults.clear();
  return {
    callerErrors: tally(replies).errors.length,
    served: replies.filter((r) => r.accessKeyIds.length > 0).length,
    attempts: sts.stats.calls("AssumeRole", STORM_ROLES.slow),
  };
}
