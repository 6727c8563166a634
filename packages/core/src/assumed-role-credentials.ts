import type { STSClient, STSClientConfig } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentityProvider } from "@smithy/types";
import { generateSessionName } from "./arns.js";
import { checkBehaviour, MAX_TIMER_MS } from "./behaviour-options.js";
import type { CredentialCache, LockOptions } from "./cache.js";
import type { CacheEntry, ParsedCacheEntry } from "./cache-entry.js";
import { cacheKey } from "./cache-key.js";
import { checkEntry } from "./entry-trust.js";
import { AssumeRoleValidationError, type ValidationIssue } from "./errors.js";
import type { EventListener } from "./events.js";
import { type MemoizedProvider, markMemoized, redactInspect } from "./identity.js";
import {
  ASSUME_ROLE_PARAM_NAMES,
  type AssumeRoleParams,
  type NormalizedRequest,
  normalizeParams,
} from "./params.js";
import {
  BINDING_FIELD,
  boundPrincipal,
  learnPrincipal,
  type ParentBindingMode,
  type PrincipalStore,
} from "./parent-binding.js";
import { RefreshEngine, type RefreshOptions, RefreshPolicy } from "./refresh.js";
import { loadSts } from "./sdk-modules.js";
import { sharedCacheFetch } from "./shared-cache-fetch.js";
import { callAssumeRole } from "./sts-call.js";
import { StsTime } from "./sts-time.js";

/** How `assumeRole()` behaves, beyond the AssumeRole parameters. */
export interface AssumeRoleBehaviour {
  /** Validate every parameter before any network call (default true). */
  validate?: boolean;
  /**
   * A cache shared with other sessions or processes: any Map-like object (a plain `Map`,
   * `MemoryCache`, `JSONFileCache`, `KeyvCache`). Default: none, each session keeps its
   * credentials in memory only. (Sessions with different parents must not share an
   * in-process cache by accident: the key does not include the parent.)
   */
  cache?: CredentialCache;
  /** Refresh windows, jitter, backoff and waits (see docs/refresh.md). */
  refresh?: RefreshOptions;
  /**
   * Cross-process lock: wait at most `waitMs` for another process's refresh (default: the
   * caller's `refresh.maxWaitSeconds`, 120 s); lease `ttlMs` (default 10000), renewed while
   * the holder's STS call runs if the cache's lock can renew.
   */
  lock?: Partial<LockOptions>;
  /**
   * Deadline of each cache get, set, delete, unlock and lease renewal, and of each lock
   * attempt beyond its wait, in ms. Past it the cache is skipped for the rest of that
   * refresh, as if it had failed. Default 5000.
   */
  cacheTimeoutMs?: number;
  /** Extra config for the STS client that calls AssumeRole (endpoint, retries, …). */
  stsClientConfig?: STSClientConfig;
  /** Milliseconds since the epoch; tests drive time with it. Default Date.now. */
  clock?: () => number;
  /** Receives every event (see events.ts); they also go to the diagnostics channel. */
  onEvent?: EventListener;
  /**
   * Bind cache entries to the parent principal that obtained them (parent-binding.ts).
   * Default `"match"`: entries we write name the parent; an entry naming another principal
   * is a miss; entries without a binding (the AWS CLI's) are used. `"strict"` refuses
   * those too; `"off"` neither writes nor checks.
   */
  parentBinding?: ParentBindingMode;
  /**
   * Where parent principals learned with GetCallerIdentity are kept between processes (a
   * place only this user can write, e.g. a `JSONFileCache` on a private directory). Default:
   * memory only, so each process asks once per set of parent credentials.
   */
  principalStore?: PrincipalStore;
}

/** Keys accepted in `assumeRole()` options (everything else is rejected when validating). */
export const ASSUME_ROLE_OPTION_KEYS: ReadonlySet<string> = new Set([
  ...ASSUME_ROLE_PARAM_NAMES,
  "additionalParams",
  "region",
  "validate",
  "cache",
  "refresh",
  "lock",
  "cacheTimeoutMs",
  "stsClientConfig",
  "clock",
  "onEvent",
  "parentBinding",
  "principalStore",
]);

/** The parent, as the credentials machinery needs it. */
export interface ParentContext {
  credentials: AwsCredentialIdentityProvider;
  /** The region the STS call is made in: the parent's. */
  region: () => Promise<string | undefined>;
  /** The parent is itself an assumed role: STS caps a chained session at one hour. */
  chained?: boolean;
  /** The parent's principal when it is known without asking STS (an assumed-role parent). */
  principal?: string | undefined;
}

/** An assumed role's credential provider and what it was built from. */
export interface AssumedRoleCredentials {
  provider: MemoizedProvider;
  engine: RefreshEngine;
  request: Readonly<NormalizedRequest>;
  cacheKey: string;
  /** Drop rejected credentials here and in the shared cache (see Session.invalidate). */
  invalidate(accessKeyId?: string): Promise<void>;
}

/** STS refuses a role-chained DurationSeconds above one hour. */
const CHAINED_MAX_SECONDS = 3600;

/**
 * Build the credential provider for one assumed role. Throws AssumeRoleValidationError
 * synchronously, before any network call.
 */
export function createAssumedRoleCredentials(
  parent: ParentContext,
  roleArn: string,
  options: AssumeRoleParams & AssumeRoleBehaviour & Record<string, unknown>,
  emit: EventListener,
): AssumedRoleCredentials {
  const validate = options.validate ?? true;
  checkBehaviour(roleArn, options);
  const clock = options.clock ?? Date.now;
  const {
    request,
    tokenCode,
    generateSessionName: generated,
  } = normalizeParams(roleArn, options, validate, ASSUME_ROLE_OPTION_KEYS);
  // Generated once per session and reused on every refresh, as botocore does; left out of
  // the cache key so that a new process still hits the entry an earlier one wrote.
  if (generated) request.RoleSessionName = generateSessionName(clock());
  if (validate && parent.chained && (request.DurationSeconds ?? 0) > CHAINED_MAX_SECONDS) {
    throw new AssumeRoleValidationError(roleArn, [
      {
        field: "DurationSeconds",
        message: `must be at most ${CHAINED_MAX_SECONDS} when the parent is an assumed role (role chaining)`,
      },
    ]);
  }
  const key = cacheKey(request, { generatedSessionName: generated });
  const policy = new RefreshPolicy(options.refresh, roleArn);
  const lock = lockOptions(roleArn, options.lock, policy.maxWaitMs);
  const cacheTimeoutMs = positiveMs(roleArn, "cacheTimeoutMs", options.cacheTimeoutMs, 5000);
  const time = new StsTime(clock, (skewMs) => emit({ type: "clock-skew", roleArn, skewMs }));

  // Two clients: one with the SDK's quick retries for callers who wait with nothing usable,
  // one with a single attempt for refreshes nobody waits for (the backoff is their retry).
  const clients: Partial<Record<"waiting" | "background", STSClient>> = {};
  const stsClient = async (callersWaiting: boolean): Promise<STSClient> => {
    const which = callersWaiting ? "waiting" : "background";
    const { STSClient } = await loadSts();
    if (clients[which]) return clients[which];
    const client = new STSClient({
      region: async () => (await parent.region()) ?? "us-east-1",
      // The SDK's default is no timeout at all: an STS endpoint that accepts and never
      // answers would hold the single in-flight refresh, and every waiter, for ever.
      // (requestTimeout alone only logs a warning: throwOnRequestTimeout makes it an error.)
      // 30 s, like the other SDKs' socket timeouts: a slow STS is still an answer.
      requestHandler: {
        connectionTimeout: 3_000,
        requestTimeout: 30_000,
        throwOnRequestTimeout: true,
      },
      ...options.stsClientConfig,
      ...(callersWaiting ? {} : { maxAttempts: 1 }),
      credentials: parent.credentials,
    });
    time.attachTo(client);
    clients[which] = client;
    return client;
  };

  const binding = options.parentBinding ?? "match";
  const parentPrincipal = async (): Promise<string> => {
    if (parent.principal) return parent.principal;
    const identity = await parent.credentials();
    return learnPrincipal(
      identity,
      async () => {
        const [client, { GetCallerIdentityCommand }] = await Promise.all([
          stsClient(false),
          loadSts(),
        ]);
        const { Arn } = await client.send(new GetCallerIdentityCommand({}));
        if (!Arn) throw new Error("GetCallerIdentity returned no Arn");
        return Arn;
      },
      options.principalStore,
    );
  };
  const trust = async (entry: ParsedCacheEntry) => {
    const why = checkEntry(entry, {
      roleArn,
      roleSessionName: generated ? undefined : request.RoleSessionName,
      now: time.now(),
    });
    if (why || binding === "off") return why;
    const bound = boundPrincipal(entry);
    if (bound === undefined) return binding === "strict" ? "parent-mismatch" : undefined;
    return bound === (await parentPrincipal()) ? undefined : "parent-mismatch";
  };
  const bind = async (entry: CacheEntry): Promise<CacheEntry> =>
    binding === "off"
      ? entry
      : { ...entry, [BINDING_FIELD]: { ParentPrincipal: await parentPrincipal() } };

  const lifetimeSeconds = request.DurationSeconds ?? 3600;
  const shared = sharedCacheFetch({
    roleArn,
    cache: options.cache,
    key,
    knownSecrets: () => {
      const held = engine.peek();
      return held ? [held.secretAccessKey, held.sessionToken] : [];
    },
    lock,
    cacheTimeoutMs,
    lifetimeSeconds,
    policy,
    now: () => time.now(),
    trust,
    bind,
    principal: async () => (binding === "off" ? undefined : parentPrincipal()),
    prepareSts: loadSts,
    callSts: (callersWaiting) =>
      callAssumeRole({
        client: () => stsClient(callersWaiting),
        parentCredentials: parent.credentials,
        request,
        tokenCode,
        emit,
        time,
      }),
    emit,
  });
  const engine = new RefreshEngine({
    roleArn,
    fetch: async (attempt) => {
      const fetched = await shared.fetch(attempt);
      redactInspect(fetched.identity);
      return fetched;
    },
    policy,
    now: () => time.now(),
    localNow: clock,
    emit,
  });
  return {
    provider: markMemoized(() => engine.provide()),
    engine,
    request: Object.freeze({ ...request }),
    cacheKey: key,
    invalidate: async (accessKeyId) => {
      const rejected = accessKeyId ?? engine.peek()?.accessKeyId;
      const dropped = engine.invalidate(rejected);
      const sharedEntryRemoved = rejected ? await shared.invalidate(rejected) : false;
      emit({
        type: "credentials-invalidated",
        roleArn,
        accessKeyId: rejected,
        dropped,
        sharedEntryRemoved,
      });
    },
  };
}

/** Lock wait and lease, checked: a NaN wait would make the wait loop endless. */
function lockOptions(
  roleArn: string,
  given: Partial<LockOptions> | undefined,
  defaultWaitMs: number,
): LockOptions {
  const issues: ValidationIssue[] = [];
  const ms = (name: keyof LockOptions, fallback: number) => {
    const value = given?.[name] ?? fallback;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      issues.push({ field: `lock.${name}`, message: "must be a finite number >= 0" });
      return fallback;
    }
    if (value > MAX_TIMER_MS) {
      // setTimeout turns a larger delay into 1 ms: the lease would end at once.
      issues.push({ field: `lock.${name}`, message: `must be at most ${MAX_TIMER_MS} ms` });
      return fallback;
    }
    return value;
  };
  const result = { waitMs: ms("waitMs", defaultWaitMs), ttlMs: ms("ttlMs", 10_000) };
  if (issues.length > 0) throw new AssumeRoleValidationError(roleArn, issues);
  return result;
}

/** A positive number of milliseconds, or the fallback when not given. */
function positiveMs(roleArn: string, field: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value === "number" && Number.isFinite(value) && value > 0) return value;
  throw new AssumeRoleValidationError(roleArn, [{ field, message: "must be a finite number > 0" }]);
}
