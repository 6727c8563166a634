/**
 * STS's time as this process sees it: the local clock plus the offset measured from the
 * `Date` header of every STS response. Expirations are STS times. Compared with a local
 * clock that is hours off they either look expired (clock ahead: every call would go to
 * STS) or valid for too long (clock behind: credentials STS already rejects are served).
 */
import type { STSClient } from "@aws-sdk/client-sts";

/**
 * Offsets below this are treated as none: the header has whole seconds, the response
 * spent time on the wire, and the 30-second expiry margin absorbs what is left.
 */
const TOLERANCE_MS = 10_000;

/** The local clock, corrected to STS's. */
export class StsTime {
  readonly #clock: () => number;
  readonly #onSkew: (skewMs: number) => void;
  #offsetMs = 0;
  #processSkewMs = 0;
  #measured = false;

  /** `onSkew` hears every change of the measured skew (local minus STS, in ms). */
  constructor(clock: () => number, onSkew: (skewMs: number) => void) {
    this.#clock = clock;
    this.#onSkew = onSkew;
  }

  /** The local clock (the session's `clock` option). */
  local(): number {
    return this.#clock();
  }

  /** STS's time now, in epoch milliseconds. */
  now(): number {
    return this.#clock() + this.#offsetMs;
  }

  /** How far the session's clock is ahead of STS (negative: behind); 0 within 10 s. */
  get skewMs(): number {
    return -this.#offsetMs;
  }

  /**
   * How far this process's system clock (`Date.now`, which the SDK signs with) was ahead
   * of STS at the last response. Differs from `skewMs` only when a test drives `clock`.
   */
  get processSkewMs(): number {
    return this.#processSkewMs;
  }

  /** Whether an STS response has carried a `Date` header to measure the skew with. */
  get measured(): boolean {
    return this.#measured;
  }

  /** Take a `Date` header of an STS response, received just now. */
  observe(dateHeader: unknown): void {
    if (typeof dateHeader !== "string") return;
    const server = Date.parse(dateHeader);
    if (!Number.isFinite(server)) return;
    this.#measured = true;
    // The header truncates to the second: the server's time was within the second after it.
    const serverNow = server + 500;
    this.#processSkewMs = Date.now() - serverNow;
    const measured = serverNow - this.#clock();
    const offset = Math.abs(measured) < TOLERANCE_MS ? 0 : measured;
    const changed = Math.abs(offset - this.#offsetMs) >= TOLERANCE_MS;
    this.#offsetMs = offset;
    if (changed) this.#onSkew(-offset);
  }

  /**
   * Measure on every response of `client`, successful or not: a middleware just above the
   * HTTP handler sees the raw response before the SDK turns an error status into a throw.
   */
  attachTo(client: STSClient): void {
    client.middlewareStack.add(
      (next) => async (args) => {
        const result = await next(args);
        const headers = (result.response as { headers?: Record<string, unknown> } | undefined)
          ?.headers;
        this.observe(headers?.date ?? headers?.Date);
        return result;
      },
      { step: "deserialize", priority: "low", name: "assumeRoleLibStsTime" },
    );
  }
}
