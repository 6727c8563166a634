/**
 * Faults injected on demand, so tests can exercise retries, timeouts, backoff and
 * fallbacks against the real SDK. Each fault can be limited to one action.
 */

/** Limits a fault to requests of one action (e.g. `"AssumeRole"`); default: every action. */
export interface FaultScope {
  action?: string;
}

/** What to do with one request instead of (or before) answering it normally. */
export type FaultOutcome =
  | { kind: "drop" }
  | { kind: "throttle" }
  | { kind: "serverError"; status: number }
  | undefined;

interface Budget {
  remaining: number;
  action: string | undefined;
  status?: number;
}

interface Fraction {
  fraction: number;
  action: string | undefined;
  random: () => number;
}

/** A small seeded PRNG (mulberry32), so fractional throttling can be deterministic. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The fault injector of a running server (`handle.faults`). */
export class Faults {
  /** Delay (real milliseconds) added before every answer; settable directly. */
  latencyMs = 0;
  /** When set, the latency applies to this action only. */
  latencyAction: string | undefined;

  #drops: Budget[] = [];
  #serverErrors: Budget[] = [];
  #throttles: Budget[] = [];
  #fraction: Fraction | undefined;

  /** Add `ms` of latency before every answer (0 to remove). */
  latency(ms: number, scope: FaultScope = {}): this {
    this.latencyMs = ms;
    this.latencyAction = scope.action;
    return this;
  }

  /** The next `n` requests get `Throttling` (400, "Rate exceeded"). */
  throttleNext(n: number, scope: FaultScope = {}): this {
    this.#throttles.push({ remaining: n, action: scope.action });
    return this;
  }

  /**
   * Throttle each request with probability `fraction` (0..1). With a `seed` the sequence
   * of throttled requests is the same on every run.
   */
  throttleFraction(fraction: number, options: FaultScope & { seed?: number } = {}): this {
    if (!(fraction >= 0 && fraction <= 1)) throw new RangeError("fraction must be within 0..1");
    this.#fraction = {
      fraction,
      action: options.action,
      random: options.seed === undefined ? Math.random : seededRandom(options.seed),
    };
    return this;
  }

  /** The next `n` requests fail with `status` (500 `InternalFailure`, 503 `ServiceUnavailable`). */
  serverErrorNext(n: number, status = 500, scope: FaultScope = {}): this {
    if (status < 500 || status > 599) throw new RangeError("status must be a 5xx status");
    this.#serverErrors.push({ remaining: n, action: scope.action, status });
    return this;
  }

  /** The next `n` requests have their connection destroyed without any response. */
  dropNext(n: number, scope: FaultScope = {}): this {
    this.#drops.push({ remaining: n, action: scope.action });
    return this;
  }

  /** Remove every fault, latency included. */
  clear(): this {
    this.latencyMs = 0;
    this.latencyAction = undefined;
    this.#drops = [];
    this.#serverErrors = [];
    this.#throttles = [];
    this.#fraction = undefined;
    return this;
  }

  /** @internal The latency to add for a request of `action`. */
  delayFor(action: string): number {
    return this.latencyAction === undefined || this.latencyAction === action ? this.latencyMs : 0;
  }

  /** @internal Decide (and consume) the fault for one request of `action`. */
  take(action: string): FaultOutcome {
    if (consume(this.#drops, action)) return { kind: "drop" };
    const serverError = consume(this.#serverErrors, action);
    if (serverError) return { kind: "serverError", status: serverError.status ?? 500 };
    if (consume(this.#throttles, action)) return { kind: "throttle" };
    const f = this.#fraction;
    if (f && (f.action === undefined || f.action === action) && f.random() < f.fraction) {
      return { kind: "throttle" };
    }
    return undefined;
  }
}

function consume(budgets: Budget[], action: string): Budget | undefined {
  const budget = budgets.find(
    (b) => b.remaining > 0 && (b.action === undefined || b.action === action),
  );
  if (budget) budget.remaining--;
  return budget;
}
