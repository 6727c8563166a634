/**
 * Python's `json.dumps` with its default arguments (`ensure_ascii=True`, `allow_nan=True`),
 * byte for byte, for JavaScript values and for what {@link pythonJsonLoads} parsed.
 *
 * The cache key must match botocore's exactly so that entries are shared with the AWS CLI,
 * boto3 and the Python library; JSON.stringify differs in separators (", " and ": "), key
 * order (Python sorts by code point, JavaScript by UTF-16 unit), number formats (Python
 * writes `1.0`, `1e+16`, `1e-05`) and escaping (everything outside printable ASCII).
 */

/** A Python float that json.loads produced: written as `repr(float)`, e.g. `1.0` or `1e+16`. */
export class PyFloat {
  constructor(readonly value: number) {}
}

/**
 * A Python dict that json.loads produced. Keyed by {@link codePointSortUnits}, so two keys are the
 * same exactly when they are the same Python str; a repeated key keeps its first position
 * and its last value, as a dict does.
 */
export class PyDict {
  readonly entries = new Map<string, { key: string; value: unknown }>();
  set(key: string, sortKey: string, value: unknown): void {
    this.entries.set(sortKey, { key, value });
  }
}

/** Serialization failed: Python's json.dumps would raise (TypeError or ValueError) too. */
export class PythonJsonError extends TypeError {
  override readonly name = "PythonJsonError";
  /** What is wrong, without the location. */
  readonly problem: string;
  /** Where in the value: keys and indexes from the top (empty at the top). */
  readonly path: readonly (string | number)[];
  constructor(problem: string, path: readonly (string | number)[]) {
    super(path.length > 0 ? `${problem} (at ${path.join(".")})` : problem);
    this.problem = problem;
    this.path = [...path];
  }
}

/**
 * One code point as two UTF-16 units (plane, then offset). A string of these sorts, under
 * JavaScript's `<`, in Python's order for the str it stands for: a character outside the BMP
 * sorts after U+FFFF as in Python, not among the surrogates as in UTF-16.
 */
export function codePointSortUnits(codePoint: number): string {
  return String.fromCharCode(codePoint >>> 16, codePoint & 0xffff);
}

/** The sort key of a JavaScript string as a Python str (a lone surrogate is a character). */
function codePointKey(s: string): string {
  let out = "";
  for (const ch of s) out += codePointSortUnits(ch.codePointAt(0) as number);
  return out;
}

// Python's ESCAPE_DCT: these get short escapes; every other unit outside 0x20–0x7E is \uXXXX.
const SHORT_ESCAPES: Record<string, string> = {
  '"': '\\"',
  "\\": "\\\\",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
};

/** A JSON string literal as `json.dumps` writes it (ensure_ascii). */
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

/**
 * `repr(x)` for a finite Python float: the shortest digits that read back as `x` (what
 * Number.prototype.toString picks too), laid out as Python does: positional for exponents
 * -4 to 15 with `.0` on whole numbers, otherwise `d.ddde±XX` with at least two exponent digits.
 */
function pythonFloatRepr(x: number): string {
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const sign = x < 0 ? "-" : "";
  const { digits, exponent } = shortestDigits(Math.abs(x));
  if (exponent < -4 || exponent >= 16) {
    const mantissa = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const exp = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${mantissa}e${exponent < 0 ? "-" : "+"}${exp}`;
  }
  const point = exponent + 1; // digits before the decimal point
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** The significant digits of String(x) (no leading or trailing zeros) and the decimal exponent of the first. */
function shortestDigits(x: number): { digits: string; exponent: number } {
  const [mantissa = "", exp = "0"] = String(x).split("e");
  const point = mantissa.indexOf(".");
  const whole = point < 0 ? mantissa : mantissa.slice(0, point) + mantissa.slice(point + 1);
  let exponent = Number(exp) + (point < 0 ? mantissa.length : point) - 1;
  const leadingZeros = whole.length - whole.replace(/^0+/, "").length;
  exponent -= leadingZeros;
  return { digits: whole.slice(leadingZeros).replace(/0+$/, ""), exponent };
}

/** Python's `sys.int_info.default_max_str_digits`: longer ints cannot be written (3.11+). */
export const PYTHON_MAX_INT_DIGITS = 4300;

function dumpInt(n: bigint, path: (string | number)[]): string {
  const text = n.toString();
  if (text.length - (n < 0n ? 1 : 0) > PYTHON_MAX_INT_DIGITS) {
    throw new PythonJsonError(`an int of more than ${PYTHON_MAX_INT_DIGITS} digits`, path);
  }
  return text;
}

/** How json.dumps writes a float: `NaN`, `Infinity` and `-Infinity` when allowed, else repr. */
function dumpFloat(x: number, options: PythonJsonOptions, path: (string | number)[]): string {
  if (Number.isFinite(x)) return pythonFloatRepr(x);
  if (options.allowNan === false) {
    throw new PythonJsonError("NaN and Infinity are not JSON (STS refuses them)", path);
  }
  return Number.isNaN(x) ? "NaN" : x > 0 ? "Infinity" : "-Infinity";
}

/** Options for {@link pythonJsonDumps}, named after json.dumps's arguments. */
export interface PythonJsonOptions {
  /** `sort_keys`: order object keys by code point (default true, as botocore's key needs). */
  sortKeys?: boolean;
  /** `separators=(",", ":")` instead of Python's default `(", ", ": ")` (default false). */
  compact?: boolean;
  /** `allow_nan`: write NaN and ±Infinity as Python does (default true), or throw. */
  allowNan?: boolean;
}

/**
 * Serialize like Python's `json.dumps(value, sort_keys=True)`.
 *
 * JavaScript values map to the Python values a port would use: a safe integer is an int, any
 * other number a float (`1.5`, `1e+300`, `NaN`), a bigint an int of any size, a Date its ISO
 * string. Object members that are `undefined` are skipped and array items that are `undefined`
 * are `null`, as JSON.stringify does. Anything Python could not serialize either (a function,
 * a symbol, a Map, a Set, another class instance, a circular reference) throws a
 * {@link PythonJsonError} that says where it is.
 */
export function pythonJsonDumps(value: unknown, options: PythonJsonOptions = {}): string {
  return dump(value, options, [], new Set());
}

function dump(
  value: unknown,
  options: PythonJsonOptions,
  path: (string | number)[],
  ancestors: Set<object>,
): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return dumpString(value);
    case "number":
      return Number.isSafeInteger(value) ? String(value) : dumpFloat(value, options, path);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return dumpInt(value, path);
    case "object":
      break;
    default:
      throw new PythonJsonError(`a ${typeof value} is not JSON serializable`, path);
  }
  if (value instanceof PyFloat) return dumpFloat(value.value, options, path);
  if (value instanceof Date) return dumpString(value.toISOString());
  if (ancestors.has(value)) throw new PythonJsonError("circular reference", path);
  ancestors.add(value);
  try {
    return dumpContainer(value, options, path, ancestors);
  } finally {
    ancestors.delete(value);
  }
}

function dumpContainer(
  value: object,
  options: PythonJsonOptions,
  path: (string | number)[],
  ancestors: Set<object>,
): string {
  const [comma, colon] = options.compact ? [",", ":"] : [", ", ": "];
  if (Array.isArray(value)) {
    const items = value.map((item, i) => dump(item, options, [...path, i], ancestors));
    return `[${items.join(comma)}]`;
  }
  let members: Array<{ key: string; sortKey: string; value: unknown }>;
  if (value instanceof PyDict) {
    members = [...value.entries].map(([sortKey, m]) => ({ ...m, sortKey }));
  } else {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      const kind = (proto?.constructor as { name?: string } | undefined)?.name || "object";
      throw new PythonJsonError(`a ${kind} is not JSON serializable`, path);
    }
    members = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([key, v]) => ({
        key,
        sortKey: options.sortKeys === false ? "" : codePointKey(key),
        value: v,
      }));
  }
  if (options.sortKeys !== false) {
    members.sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
  }
  const parts = members.map(
    (m) => `${dumpString(m.key)}${colon}${dump(m.value, options, [...path, m.key], ancestors)}`,
  );
  return `{${parts.join(comma)}}`;
}
