import { codePointSortUnits, PYTHON_MAX_INT_DIGITS, PyDict, PyFloat } from "./python-json.js";

/**
 * Python's `json.loads(text)` (CPython's C scanner, default arguments), keeping what
 * JSON.parse loses, so that {@link pythonJsonDumps} of the result is what Python would write:
 *
 * - an integer literal is a bigint of any size (Python ints are exact; like Python 3.11+,
 *   more than 4300 digits is an error); a literal with a fraction or exponent is a
 *   {@link PyFloat} (`1.0`, `1E+2`, `1e400` → Infinity, `-1e-400` → -0.0);
 * - `NaN`, `Infinity` and `-Infinity` are accepted, as Python does;
 * - an object is a {@link PyDict}: a repeated key keeps its last value, and keys compare as
 *   Python strs (by code point, where an escaped surrogate pair is one character and an
 *   escaped high surrogate followed by a raw low one is two);
 * - raw control characters in strings, a BOM, trailing commas and extra data are errors.
 *
 * Throws a SyntaxError for text that Python's json.loads refuses.
 */
export function pythonJsonLoads(text: string): unknown {
  return new Scanner(text).document();
}

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
const HEX4 = /^[0-9a-fA-F]{4}$/;
const SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};
const LITERALS: Array<[string, unknown]> = [
  ["null", null],
  ["true", true],
  ["false", false],
  ["NaN", new PyFloat(Number.NaN)],
  ["Infinity", new PyFloat(Number.POSITIVE_INFINITY)],
  ["-Infinity", new PyFloat(Number.NEGATIVE_INFINITY)],
];

class Scanner {
  #pos = 0;
  constructor(private readonly text: string) {}

  document(): unknown {
    this.#skipWhitespace();
    const value = this.#value();
    this.#skipWhitespace();
    if (this.#pos !== this.text.length) this.#fail("Extra data");
    return value;
  }

  #fail(message: string): never {
    throw new SyntaxError(`${message} at char ${this.#pos}`);
  }

  #skipWhitespace(): void {
    while (" \t\n\r".includes(this.text[this.#pos] ?? "x")) this.#pos++;
  }

  #value(): unknown {
    const ch = this.text[this.#pos];
    if (ch === '"') return this.#string().value;
    if (ch === "{") return this.#object();
    if (ch === "[") return this.#array();
    for (const [word, value] of LITERALS) {
      if (this.text.startsWith(word, this.#pos)) {
        this.#pos += word.length;
        return value;
      }
    }
    return this.#number();
  }

  #number(): bigint | PyFloat {
    NUMBER.lastIndex = this.#pos;
    const match = NUMBER.exec(this.text);
    if (!match) this.#fail("Expecting value");
    this.#pos += match[0].length;
    if (match[1] !== undefined || match[2] !== undefined) return new PyFloat(Number(match[0]));
    const digits = match[0].length - (match[0].startsWith("-") ? 1 : 0);
    if (digits > PYTHON_MAX_INT_DIGITS) this.#fail("Exceeds the limit for integer digits");
    return BigInt(match[0]);
  }

  #array(): unknown[] {
    this.#pos++; // [
    const items: unknown[] = [];
    this.#skipWhitespace();
    if (this.text[this.#pos] === "]") {
      this.#pos++;
      return items;
    }
    for (;;) {
      this.#skipWhitespace();
      items.push(this.#value());
      this.#skipWhitespace();
      const ch = this.text[this.#pos++];
      if (ch === "]") return items;
      if (ch !== ",") this.#fail("Expecting ',' delimiter");
    }
  }

  #object(): PyDict {
    this.#pos++; // {
    const dict = new PyDict();
    this.#skipWhitespace();
    if (this.text[this.#pos] === "}") {
      this.#pos++;
      return dict;
    }
    for (;;) {
      this.#skipWhitespace();
      if (this.text[this.#pos] !== '"') this.#fail("Expecting property name enclosed in quotes");
      const key = this.#string();
      this.#skipWhitespace();
      if (this.text[this.#pos++] !== ":") this.#fail("Expecting ':' delimiter");
      this.#skipWhitespace();
      dict.set(key.value, key.sortKey, this.#value());
      this.#skipWhitespace();
      const ch = this.text[this.#pos++];
      if (ch === "}") return dict;
      if (ch !== ",") this.#fail("Expecting ',' delimiter");
    }
  }

  /** A string literal: its UTF-16 value, and its sort key (see codePointSortUnits). */
  #string(): { value: string; sortKey: string } {
    this.#pos++; // "
    let value = "";
    let sortKey = "";
    // The sort key follows Python's characters: raw units pair only with raw units and
    // escapes only with escapes, so "\\ud83d" + a raw low surrogate stays two characters.
    const push = (codePoint: number) => {
      value += String.fromCodePoint(codePoint);
      sortKey += codePointSortUnits(codePoint);
    };
    for (;;) {
      const code = this.text.charCodeAt(this.#pos);
      if (Number.isNaN(code)) this.#fail("Unterminated string");
      if (code === 0x22) {
        this.#pos++;
        return { value, sortKey };
      }
      if (code < 0x20) this.#fail("Invalid control character");
      if (code !== 0x5c) {
        const codePoint = this.text.codePointAt(this.#pos) as number;
        this.#pos += codePoint > 0xffff ? 2 : 1;
        push(codePoint);
        continue;
      }
      const escapeChar = this.text[this.#pos + 1];
      if (escapeChar === undefined) this.#fail("Unterminated string");
      if (escapeChar !== "u") {
        const simple = SIMPLE_ESCAPES[escapeChar];
        if (simple === undefined) this.#fail("Invalid \\escape");
        this.#pos += 2;
        push(simple.charCodeAt(0));
        continue;
      }
      let unit = this.#hex4(this.#pos + 2);
      this.#pos += 6;
      if (unit >= 0xd800 && unit <= 0xdbff && this.text.startsWith("\\u", this.#pos)) {
        const low = this.#hex4(this.#pos + 2);
        if (low >= 0xdc00 && low <= 0xdfff) {
          unit = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
          this.#pos += 6;
        }
      }
      push(unit);
    }
  }

  #hex4(at: number): number {
    const hex = this.text.slice(at, at + 4);
    if (!HEX4.test(hex)) {
      this.#pos = at;
      this.#fail("Invalid \\uXXXX escape");
    }
    return Number.parseInt(hex, 16);
  }
}
