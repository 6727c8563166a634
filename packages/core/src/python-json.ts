/**
 * Python's `json.dumps(value, sort_keys=True)` with its default arguments, byte for byte.
 *
 * The cache key must match botocore's exactly so that entries are shared with the AWS CLI,
 * boto3 and the Python library; JSON.stringify differs in separators (", " and ": "), key
 * order and escaping (Python's `ensure_ascii` escapes everything outside printable ASCII).
 */

// Python's ESCAPE_DCT: these five get short escapes; every other char outside 0x20–0x7E is \uXXXX.
const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

function dumpString(s: string): string {
  let out = '"';
  // Iterating UTF-16 code units escapes astral characters as surrogate pairs, as Python does.
  for (let i = 0; i < s.length; i++) {
    const ch = s[i] as string;
    const code = s.charCodeAt(i);
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (code >= 0x20 && code <= 0x7e) out += ch;
    else out += `\\u${code.toString(16).padStart(4, "0")}`;
  }
  return `${out}"`;
}

function dumpNumber(n: number): string {
  if (!Number.isFinite(n)) {
    // Python writes NaN / Infinity / -Infinity (not valid JSON, but what botocore would hash).
    return Number.isNaN(n) ? "NaN" : n > 0 ? "Infinity" : "-Infinity";
  }
  return String(n);
}

/** Serialize like Python's `json.dumps(value, sort_keys=True)`. Undefined members are skipped. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return dumpString(value);
    case "number":
      return dumpNumber(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "object": {
      if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
      if (value instanceof Date) return dumpString(value.toISOString());
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${dumpString(k)}: ${pythonJsonDumps(v)}`).join(", ")}}`;
    }
    default:
      throw new TypeError(`cannot serialize a ${typeof value} as JSON`);
  }
}
