/**
 * Time for waits and backoffs, measured two ways at once: by the session's clock (STS
 * time) and in real time, whichever comes first. A test clock that is frozen cannot make a
 * wait endless; one that runs fast shortens it.
 */

/** A moment in STS time, and the same moment in real time: whichever comes first. */
export interface Moment {
  at: number;
  real: number;
}
/** `ms` from now, on both clocks. */
export const momentIn = (now: number, ms: number): Moment => ({
  at: now + ms,
  real: performance.now() + ms,
});
/** Whether `m` has come on either clock (`now` is the session's). */
export const reached = (m: Moment, now: number) => now >= m.at || performance.now() >= m.real;
/** `a` comes after `b` whichever clock runs. */
export const after = (a: Moment, b: Moment) => a.at > b.at && a.real > b.real;

/**
 * Poll `done` in short real-time slices (a test clock may run fast) until it holds or
 * `limit` passes in real time; `wake` ends a slice early.
 */
export async function waitFor(
  done: () => boolean,
  limit: Moment,
  wake?: Promise<void>,
): Promise<void> {
  while (!done()) {
    const left = limit.real - performance.now();
    if (left <= 0) return;
    let timer: NodeJS.Timeout | undefined;
    const slice = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.min(50, left));
    });
    await (wake ? Promise.race([slice, wake]) : slice);
    clearTimeout(timer);
  }
}
