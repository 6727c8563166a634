/**
 * JSON texts for the Python json parity test: a document with its number literals kept as
 * written, rendered with random whitespace and escapes, and damaged at random.
 */

/** A JSON document whose number literals are kept as text. */
export type Doc =
  | { kind: "number"; literal: string }
  | { kind: "string"; value: string }
  | { kind: "word"; word: "null" | "true" | "false" | "NaN" | "Infinity" | "-Infinity" }
  | { kind: "array"; items: Doc[] }
  | { kind: "object"; members: Array<[string, Doc]> };

export const num = (literal: string): Doc => ({ kind: "number", literal });
export const str = (value: string): Doc => ({ kind: "string", value });
export const arr = (items: Doc[]): Doc => ({ kind: "array", items });
export const obj = (members: Array<[string, Doc]>): Doc => ({ kind: "object", members });

/**
 * The document as JSON text, formatted at random: whitespace between tokens, each UTF-16
 * unit raw or escaped (lower- or upper-case hex; the halves of a pair independently), `\/`.
 */
export function render(doc: Doc, random: () => number): string {
  const ws = () =>
    random() < 0.7 ? "" : ([" ", "\n", "\t", "\r\n  ", "  "][Math.floor(random() * 5)] as string);
  const u = (code: number) => {
    const hex = code.toString(16).padStart(4, "0");
    return `\\u${random() < 0.5 ? hex : hex.toUpperCase()}`;
  };
  const string = (s: string) => {
    let out = '"';
    for (let i = 0; i < s.length; i++) {
      const ch = s[i] as string;
      const code = s.charCodeAt(i);
      const mustEscape = code < 0x20 || ch === '"' || ch === "\\";
      if (!mustEscape && random() < 0.7) out += ch === "/" && random() < 0.5 ? "\\/" : ch;
      else {
        // JSON.stringify gives the short escape where there is one (\n, \", \\), else \u00XX.
        const short = JSON.stringify(ch).slice(1, -1);
        out += short.length === 2 && random() < 0.7 ? short : u(code);
      }
    }
    return `${out}"`;
  };
  const value = (d: Doc): string => {
    switch (d.kind) {
      case "number":
        return d.literal;
      case "string":
        return string(d.value);
      case "word":
        return d.word;
      case "array":
        return `[${ws()}${d.items.map((item) => `${value(item)}${ws()}`).join(`,${ws()}`)}]`;
      case "object":
        return `{${ws()}${d.members.map(([k, v]) => `${string(k)}${ws()}:${ws()}${value(v)}${ws()}`).join(`,${ws()}`)}}`;
    }
  };
  return `${ws()}${value(doc)}${ws()}`;
}

/** Damage a JSON text in a way Python's json.loads may or may not accept. */
export function mutate(text: string, random: () => number): string {
  const at = Math.floor(random() * (text.length + 1));
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)] as T;
  switch (Math.floor(random() * 8)) {
    case 0:
      return text.replace(/([}\]])\s*$/, ",$1");
    case 1:
      return text.slice(0, at) + pick(["\u0001", "\n", "\u007f", "\u0000"]) + text.slice(at);
    case 2:
      return `\ufeff${text}`;
    case 3:
      return text + pick(["x", " 1", "]", "\u00a0", "\u3000"]);
    case 4:
      return `[${pick(["01", "1.", ".5", "-NaN", "+1", "1e", "- 1", "0x1F", "Infinityx", "nan", "1_000"])}]`;
    case 5:
      return text.slice(0, at);
    case 6:
      return `[${pick(['"\\x"', '"\\u12G4"', '"\\ud83d\\uZZZZ"', '"\\ud83d\\u00"', '"\\U0041"', "'a'"])}]`;
    default:
      return `${text.slice(0, at)} ${text.slice(at)}`;
  }
}

/** The JavaScript value a port would write for a document (ints beyond 2^53 as bigints). */
export function toJs(doc: Doc): unknown {
  switch (doc.kind) {
    case "number": {
      const isInt = !/[.eE]/.test(doc.literal);
      const n = Number(doc.literal);
      return isInt && !Number.isSafeInteger(n) ? BigInt(doc.literal) : n;
    }
    case "string":
      return doc.value;
    case "word":
      if (doc.word === "null") return null;
      if (doc.word === "true" || doc.word === "false") return doc.word === "true";
      return Number(doc.word); // NaN, Infinity, -Infinity
    case "array":
      return doc.items.map(toJs);
    case "object":
      return Object.fromEntries(doc.members.map(([k, v]) => [k, toJs(v)]));
  }
}
