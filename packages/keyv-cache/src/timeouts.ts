/**
 * Bounded waiting: every store and Redis operation of a KeyvCache runs under a deadline, so
 * a Redis that is down, slow or restarting costs a credential request at most that long
 * before the core falls back to STS.
 */

/** An operation on the store or on Redis did not finish within its deadline. */
export class KeyvCacheTimeoutError extends Error {
  /** Node-style error code, kept by the core's error sanitizer. */
  readonly code = "ETIMEDOUT";

  constructor(operation: string, timeoutMs: number) {
    super(`KeyvCache ${operation} timed out after ${timeoutMs} ms`);
    this.name = "KeyvCacheTimeoutError";
  }
}

/**
 * Run `work` and reject with {@link KeyvCacheTimeoutError} if it has not settled after
 * `timeoutMs` (no deadline when `timeoutMs` is not a positive finite number). The work is
 * not cancelled; its late result or error is ignored.
 */
export function withTimeout<T>(
  operation: string,
  timeoutMs: number,
  work: () => Promise<T>,
): Promise<T> {
  let promise: Promise<T>;
  try {
    promise = work();
  } catch (error) {
    return Promise.reject(error);
  }
  if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) return promise;
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new KeyvCacheTimeoutError(operation, timeoutMs)),
      timeoutMs,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/** Resolve after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
