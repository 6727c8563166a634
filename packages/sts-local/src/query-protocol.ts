/**
 * Decoding of AWS Query protocol requests: `application/x-www-form-urlencoded` bodies (and
 * query strings) with lists flattened as `Name.member.N` and structures as
 * `Name.member.N.Field`, which is what `@aws-sdk/client-sts` sends.
 */

/** Flat decoded parameters, exactly as received: `{"Tags.member.1.Key": "a", …}`. */
export type QueryParams = Record<string, string>;

/** Decode a form-encoded string into flat parameters (later duplicates win). */
export function parseQuery(encoded: string): QueryParams {
  const params: QueryParams = {};
  for (const [key, value] of new URLSearchParams(encoded)) params[key] = value;
  return params;
}

/** A scalar list `Name.member.1..N`; `undefined` when absent, `[]` when sent empty. */
export function listParam(params: QueryParams, name: string): string[] | undefined {
  if (params[name] === "") return [];
  const items: string[] = [];
  for (let i = 1; ; i++) {
    const value = params[`${name}.member.${i}`];
    if (value === undefined) break;
    items.push(value);
  }
  return items.length > 0 ? items : undefined;
}

/**
 * A list of structures `Name.member.N.Field`. Members are collected by index until the
 * first index with no field at all, as the SDK numbers them contiguously from 1.
 */
export function structListParam(
  params: QueryParams,
  name: string,
): Record<string, string>[] | undefined {
  if (params[name] === "") return [];
  const items: Record<string, string>[] = [];
  for (let i = 1; ; i++) {
    const prefix = `${name}.member.${i}.`;
    const item: Record<string, string> = {};
    let found = false;
    for (const [key, value] of Object.entries(params)) {
      if (key.startsWith(prefix)) {
        item[key.slice(prefix.length)] = value;
        found = true;
      }
    }
    if (!found) break;
    items.push(item);
  }
  return items.length > 0 ? items : undefined;
}

/** Parameters that carry secrets and are never recorded or echoed. */
export const SECRET_PARAMS: ReadonlySet<string> = new Set(["WebIdentityToken", "TokenCode"]);

/** A copy of `params` without the protocol fields and the secret-bearing ones. */
export function redactParams(params: QueryParams): QueryParams {
  const out: QueryParams = {};
  for (const [key, value] of Object.entries(params)) {
    if (key === "Action" || key === "Version" || SECRET_PARAMS.has(key)) continue;
    if (key.startsWith("X-Amz-")) continue; // presigned auth fields
    out[key] = value;
  }
  return out;
}
