/**
 * The checks on `assumeRole()` options that are not AssumeRole parameters: each wrong value
 * is a typed AssumeRoleValidationError naming the option, before any network call, instead
 * of a TypeError deep inside a refresh (or, for a string `stsClientConfig`, a call that
 * silently goes to real AWS instead of the configured endpoint).
 */
import { AssumeRoleValidationError, type ValidationIssue } from "./errors.js";

const isPlainObject = (value: unknown): boolean => {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

const hasMethods = (value: unknown, names: string[]): boolean =>
  value !== null &&
  (typeof value === "object" || typeof value === "function") &&
  names.every((name) => typeof (value as Record<string, unknown>)[name] === "function");

/** Throw AssumeRoleValidationError for any option that cannot work. */
export function checkBehaviour(roleArn: string, options: Record<string, unknown>): void {
  const issues: ValidationIssue[] = [];
  const { clock, cache, stsClientConfig, onEvent, parentBinding, principalStore, lock } = options;

  if (clock !== undefined) {
    if (typeof clock !== "function") {
      issues.push({ field: "clock", message: "must be a function returning epoch milliseconds" });
    } else {
      let now: unknown;
      try {
        now = clock();
      } catch {
        now = undefined;
      }
      // A NaN clock makes every comparison false: one STS call per request.
      if (typeof now !== "number" || !Number.isFinite(now)) {
        issues.push({ field: "clock", message: "must return a finite number of milliseconds" });
      }
    }
  }
  if (cache !== undefined && !hasMethods(cache, ["get", "set"])) {
    issues.push({
      field: "cache",
      message: "must be Map-like (get and set methods): a Map, MemoryCache, JSONFileCache, …",
    });
  }
  if (cache !== undefined && hasMethods(cache, ["get", "set"])) {
    const lock = (cache as { lock?: unknown }).lock;
    if (lock !== undefined && typeof lock !== "function") {
      issues.push({ field: "cache.lock", message: "must be a function when present" });
    }
  }
  if (stsClientConfig !== undefined && !isPlainObject(stsClientConfig)) {
    issues.push({
      field: "stsClientConfig",
      message: "must be a plain object of STSClient config",
    });
  }
  if (lock !== undefined && !isPlainObject(lock)) {
    issues.push({ field: "lock", message: "must be an object: { waitMs?, ttlMs? }" });
  }
  if (onEvent !== undefined && typeof onEvent !== "function") {
    issues.push({ field: "onEvent", message: "must be a function" });
  }
  if (
    parentBinding !== undefined &&
    !["match", "strict", "off"].includes(parentBinding as string)
  ) {
    issues.push({ field: "parentBinding", message: 'must be "match", "strict" or "off"' });
  }
  if (principalStore !== undefined && !hasMethods(principalStore, ["get", "set"])) {
    issues.push({ field: "principalStore", message: "must be Map-like (get and set methods)" });
  }
  if (issues.length > 0) throw new AssumeRoleValidationError(roleArn, issues);
}

/** The longest timer Node can set (a larger delay fires after 1 ms). */
export const MAX_TIMER_MS = 2 ** 31 - 1;
