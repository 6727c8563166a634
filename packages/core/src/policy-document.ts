import { pythonJsonDumps } from "./python-json.js";
import { pythonJsonLoads } from "./python-json-loads.js";

/**
 * The characters STS accepts in a Policy (its documented pattern): tab, line feed, carriage
 * return and U+0020–U+00FF. Checked on the text sent, after the conversions below.
 */
export const STS_POLICY_CHARACTERS = /^[\t\n\r\u0020-\u00FF]+$/;

const OUTSIDE_STS_CHARACTER = /[^\t\n\r\u0020-\u00FF]/;
const OUTSIDE_STS_CHARACTERS = new RegExp(OUTSIDE_STS_CHARACTER.source, "g");
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * The Policy text sent to STS (and from which the cache key is computed).
 *
 * - A policy object is written as the Python library writes a dict, `json.dumps(policy)`:
 *   members in insertion order, every character outside printable ASCII as `\uXXXX`
 *   (`開発` → `\u958b\u767a`, which STS accepts), Python's number formats; only the
 *   separators are compact (`","` and `":"`) to leave room under STS's 2048-character limit.
 *   The cache key does not depend on the separators (botocore re-reads the text).
 * - A policy string is sent as given, except that in a valid JSON text every character STS's
 *   pattern refuses (above U+00FF) is written as its `\uXXXX` escape (a surrogate pair for
 *   characters outside the BMP). That is the same document to any JSON reader, so botocore's
 *   key for it is unchanged; a text that is not valid JSON, or has unpaired surrogates, is
 *   left alone for validation (or STS) to refuse.
 *
 * Throws {@link PythonJsonError} for an object json.dumps cannot write (circular, a Map, a
 * function), and for NaN or Infinity unless `allowNan` (Python writes them; STS refuses them).
 */
export function policyText(policy: unknown, options: { allowNan: boolean }): string {
  if (typeof policy !== "string") {
    return pythonJsonDumps(policy, { sortKeys: false, compact: true, allowNan: options.allowNan });
  }
  if (!OUTSIDE_STS_CHARACTER.test(policy) || LONE_SURROGATE.test(policy)) return policy;
  try {
    pythonJsonLoads(policy);
  } catch {
    return policy;
  }
  return policy.replace(
    OUTSIDE_STS_CHARACTERS,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
