/**
 * The server's clock. Every `Expiration` it issues and every expiry check it makes reads
 * this clock, so tests can jump hours ahead without waiting (and without fake timers in
 * the server process). Network delays (latency faults) deliberately use real timers.
 */
export class Clock {
  #source: () => number;
  #offsetMs = 0;
  #frozenAt: number | undefined;

  /** @param source - the underlying time source; defaults to `Date.now`. */
  constructor(source?: () => Date | number) {
    this.#source = toMillisSource(source);
  }

  /** The current server time. */
  now(): Date {
    return new Date(this.nowMs());
  }

  /** The current server time in epoch milliseconds. */
  nowMs(): number {
    return this.#frozenAt ?? this.#source() + this.#offsetMs;
  }

  /**
   * Make the clock read `date` now. Time keeps flowing from there unless the clock is
   * frozen (see {@link Clock.freeze}), in which case it stays at `date`.
   */
  set(date: Date | number): void {
    const target = typeof date === "number" ? date : date.getTime();
    if (this.#frozenAt !== undefined) this.#frozenAt = target;
    else this.#offsetMs = target - this.#source();
  }

  /** Move the clock forward (or backward, with a negative value) by `ms`. */
  advance(ms: number): void {
    if (this.#frozenAt !== undefined) this.#frozenAt += ms;
    else this.#offsetMs += ms;
  }

  /** Stop the clock at `at` (default: now); `set`/`advance` still move it. */
  freeze(at?: Date | number): void {
    this.#frozenAt = at === undefined ? this.nowMs() : new Date(at).getTime();
  }

  /** Back to real wall-clock time: no offset, not frozen, `Date.now` as the source. */
  useRealTime(): void {
    this.#source = Date.now;
    this.#offsetMs = 0;
    this.#frozenAt = undefined;
  }
}

function toMillisSource(source?: () => Date | number): () => number {
  if (!source) return Date.now;
  return () => {
    const value = source();
    return typeof value === "number" ? value : value.getTime();
  };
}
