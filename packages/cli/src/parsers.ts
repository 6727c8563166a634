/**
 * Parsers for option values, as the Python CLI accepts them: JSON where JSON is given
 * (a value starting with `{` or `[`), otherwise the short forms (`K=V,K2=V2`, `A,B`).
 * Each throws commander's InvalidArgumentError, so a bad value is a usage error (exit 2).
 */
import { InvalidArgumentError } from "commander";

function looksLikeJson(value: string): boolean {
  return /^\s*[[{"]/.test(value);
}

function parseJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (error) {
    throw new InvalidArgumentError(`not valid JSON (${(error as Error).message})`);
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function splitList(value: string): string[] {
  const items = value.split(",").map((s) => s.trim());
  if (items.some((s) => s === "")) throw new InvalidArgumentError("has an empty item");
  return items;
}

/** A JSON object (`--Policy`, `--additional-kwargs`). */
export function parseJsonObject(value: string): Record<string, unknown> {
  const data = parseJson(value);
  if (!isPlainObject(data)) throw new InvalidArgumentError("must be a JSON object");
  return data;
}

/**
 * `--Policy`: a JSON policy document (an object). The text itself is passed on, not the
 * parsed object: the core reads it as Python's json.loads does, so numbers such as `10.0`
 * keep their form and the cache key stays the AWS CLI's.
 */
export function parsePolicy(value: string): string {
  parseJsonObject(value);
  return value;
}

/** `--DurationSeconds`: a whole number of seconds. */
export function parseDurationSeconds(value: string): number {
  if (!/^\d+$/.test(value.trim())) {
    throw new InvalidArgumentError("must be a whole number of seconds (900 to 43200)");
  }
  return Number(value.trim());
}

/** `--Tags`: `K=V,K2=V2`, a JSON object `{"K": "V"}` or a JSON list of `{Key, Value}`. */
export function parseTags(
  value: string,
): Record<string, string> | Array<{ Key: string; Value: string }> {
  if (looksLikeJson(value)) {
    const data = parseJson(value);
    if (isPlainObject(data)) {
      for (const [k, v] of Object.entries(data)) {
        if (typeof v !== "string")
          throw new InvalidArgumentError(`tag ${k}: value must be a string`);
      }
      return data as Record<string, string>;
    }
    if (Array.isArray(data)) {
      for (const item of data) {
        if (
          !isPlainObject(item) ||
          typeof item.Key !== "string" ||
          typeof item.Value !== "string"
        ) {
          throw new InvalidArgumentError('a JSON list of tags must hold {"Key": …, "Value": …}');
        }
      }
      return data as Array<{ Key: string; Value: string }>;
    }
    throw new InvalidArgumentError("must be K=V,K2=V2, a JSON object or a JSON list");
  }
  const tags: Record<string, string> = {};
  for (const pair of splitList(value)) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError("must be K=V,K2=V2, a JSON object or a JSON list");
    tags[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return tags;
}

/** A JSON list of strings or a comma-separated list (`--TransitiveTagKeys`). */
export function parseStringList(value: string): string[] {
  if (looksLikeJson(value)) {
    const data = parseJson(value);
    if (!Array.isArray(data) || data.some((s) => typeof s !== "string")) {
      throw new InvalidArgumentError("must be a JSON list of strings or A,B,C");
    }
    return data as string[];
  }
  return splitList(value);
}

/** `--PolicyArns`: a comma list, or a JSON list of ARNs or `{"arn": …}` objects. */
export function parsePolicyArns(value: string): Array<string | { arn: string }> {
  if (looksLikeJson(value)) {
    const data = parseJson(value);
    const ok = (a: unknown) =>
      typeof a === "string" || (isPlainObject(a) && typeof a.arn === "string");
    if (!Array.isArray(data) || !data.every(ok)) {
      throw new InvalidArgumentError('must be ARN1,ARN2 or a JSON list of ARNs or {"arn": …}');
    }
    return data as Array<string | { arn: string }>;
  }
  return splitList(value);
}

/** `--ProvidedContexts`: a JSON list of `{ProviderArn, ContextAssertion}`. */
export function parseProvidedContexts(
  value: string,
): Array<{ ProviderArn: string; ContextAssertion: string }> {
  const data = parseJson(value);
  const ok = (c: unknown) =>
    isPlainObject(c) && typeof c.ProviderArn === "string" && typeof c.ContextAssertion === "string";
  if (!Array.isArray(data) || !data.every(ok)) {
    throw new InvalidArgumentError('must be a JSON list of {"ProviderArn", "ContextAssertion"}');
  }
  return data as Array<{ ProviderArn: string; ContextAssertion: string }>;
}

/** `--region`: a region name. */
export function parseRegion(value: string): string {
  if (!/^[a-z0-9-]+$/.test(value)) throw new InvalidArgumentError("must be a region name");
  return value;
}

/** `--endpoint-url`: an http(s) URL. */
export function parseUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("protocol");
  } catch {
    throw new InvalidArgumentError("must be an http:// or https:// URL");
  }
  return value;
}

/** A positive whole number (`--workers`, `--requests`). */
export function parsePositiveInt(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) {
    throw new InvalidArgumentError("must be a whole number of at least 1");
  }
  return Number(value);
}

/** `--port`: 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) {
    throw new InvalidArgumentError("must be a port number, 0 to 65535 (0: any free port)");
  }
  return Number(value);
}
