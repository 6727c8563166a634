import fc from "fast-check";
import { arr, type Doc, num, obj, str, toJs } from "./json-text.js";

/**
 * Generators for the Python json parity test: JSON documents (realistic IAM policies and
 * stress documents, rendered by json-text.ts) and JavaScript policy objects.
 */

/** Code points that sort or escape differently between Python and UTF-16. */
export const EDGE_CODE_POINTS = [
  0x0, 0x1f, 0x7f, 0x80, 0xff, 0x100, 0x2028, 0x2029, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff,
  0xe000, 0xfeff, 0xfffe, 0xffff, 0x10000, 0x1f600, 0x10ffff,
];

// Any code point; a surrogate code point becomes a lone surrogate (unless its neighbour pairs it).
const character = fc
  .oneof(
    { weight: 6, arbitrary: fc.integer({ min: 0x20, max: 0x7e }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 0x1f }) },
    { weight: 1, arbitrary: fc.integer({ min: 0x7f, max: 0xff }) },
    { weight: 2, arbitrary: fc.integer({ min: 0x100, max: 0xffff }) },
    { weight: 2, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }) },
    { weight: 2, arbitrary: fc.constantFrom(...EDGE_CODE_POINTS) },
  )
  .map((cp) => String.fromCodePoint(cp));

/** Text of any characters: ASCII, controls, Latin-1, BMP, astral, lone surrogates. */
export const unicodeText = fc.string({ unit: character, maxLength: 10 });

const intLiteral = fc.oneof(
  fc.integer({ min: -1000, max: 100000 }).map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.stringMatching(/^-?[1-9][0-9]{29,60}$/),
  fc.constantFrom("0", "-0", "9007199254740991", "9007199254740992", "9007199254740993"),
);

const doubleLiteral = fc
  .tuple(fc.double(), fc.integer({ min: 0, max: 5 }), fc.integer({ min: 1, max: 21 }))
  .map(([x, style, precision]) => {
    if (Number.isNaN(x)) return "NaN";
    if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
    if (Object.is(x, -0)) return "-0.0";
    const forms = [
      String(x),
      x.toExponential(),
      x.toExponential(precision - 1),
      x.toPrecision(precision),
      x.toExponential().toUpperCase(),
      x.toExponential().replace("e-", "E-"),
    ];
    const form = forms[style] as string;
    // A form without a fraction or exponent would be an int in Python: keep it a float.
    return /[.eE]/.test(form) ? form : `${form}.0`;
  });

const floatLiteral = fc.oneof(
  doubleLiteral,
  fc.stringMatching(/^-?(0|[1-9][0-9]{0,25})\.[0-9]{1,25}([eE][-+]?[0-9]{1,3})?$/),
  fc.stringMatching(/^-?(0|[1-9][0-9]{0,20})[eE][-+]?[0-9]{1,3}$/),
);

/** Number literals that stress Python's int and float formatting. */
export const STRESS_NUMBERS = [
  ...`1.0 1e+16 1e16 1E16 1e-05 1e-5 1E-5 -0.0 -0 0 0.0 1e308 1e309 -1e309 5e-324 1e-400 -1e-400
  2.4703282292062328e-324 2.4703282292062327e-324 9007199254740993 -9007199254740993
  18446744073709551617 123456789012345678901234567890 0.1 123456789.123456789 1.5E+300 1E-7
  1e+0 1E-0 0.0001 0.00001 1e15 1000000000000000.0 9999999999999999.0 1.7976931348623157e308
  1.7976931348623158e308 0.30000000000000004 2.2250738585072014e-308 2.2250738585072011e-308
  100000000000000000000000.0 1.2345678901234567890123456789e-10 0e1000000`.split(/\s+/),
  `1${"0".repeat(60)}`,
  "1".repeat(4300),
  `-${"9".repeat(4300)}`,
  "1".repeat(4301), // more digits than Python reads
  `${"1".repeat(400)}.5`,
];

const numberLiteral = fc.oneof(intLiteral, floatLiteral, fc.constantFrom(...STRESS_NUMBERS));

const leaf: fc.Arbitrary<Doc> = fc.oneof(
  numberLiteral.map(num),
  unicodeText.map(str),
  fc
    .constantFrom("null", "true", "false", "NaN", "Infinity", "-Infinity")
    .map((word) => ({ kind: "word", word }) as Doc),
);

/** Documents of any shape: stress numbers and Unicode keys and values, repeated keys. */
export const stressDoc: fc.Arbitrary<Doc> = fc.letrec<{ doc: Doc }>((tie) => ({
  doc: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("doc"), { maxLength: 4 }).map(arr),
    fc
      .array(fc.tuple(fc.oneof(unicodeText, fc.constantFrom("a", "b")), tie("doc")), {
        maxLength: 4,
      })
      .map(obj),
  ),
})).doc;

const BMP_EDGE_SUFFIXES = [
  "\uffff",
  "\u{10000}",
  "\u{1f600}",
  "\ue000",
  "\ud7ff",
  "\ud800",
  "\udfff",
  "a",
  "",
];

/** Objects whose keys differ only in a character around or outside the BMP. */
export const edgeKeysDoc: fc.Arbitrary<Doc> = fc
  .tuple(
    fc.constantFrom("", "k", "aws:PrincipalTag/"),
    fc.array(fc.tuple(fc.constantFrom(...BMP_EDGE_SUFFIXES), numberLiteral), {
      minLength: 2,
      maxLength: 8,
    }),
  )
  .map(([prefix, members]) => obj(members.map(([suffix, n]) => [prefix + suffix, num(n)])));

const ACTIONS =
  "s3:GetObject s3:PutObject s3:ListBucket dynamodb:Query kms:Decrypt ec2:Describe* *".split(" ");
const RESOURCES = [
  "arn:aws:s3:::",
  "arn:aws:dynamodb:eu-west-1:123456789012:table/",
  "arn:aws:kms:us-east-1:123456789012:key/",
];
const OPERATORS =
  "StringEquals StringLike NumericLessThan NumericGreaterThanEquals Bool IpAddress ForAnyValue:StringEquals".split(
    " ",
  );
const CONDITION_KEYS = [
  ..."aws:PrincipalTag/team s3:max-keys aws:SecureTransport aws:SourceIp".split(" "),
  ..."aws:RequestTag/プロジェクト aws:ResourceTag/環境 aws:RequestTag/🚀".split(" "),
];
const NAMES = "開発 données Ünïcödé データ 🚀launch team-a prod 日本語テキスト emoji-😀-x".split(
  " ",
);

const oneOrMany = <T>(a: fc.Arbitrary<T>, f: (t: T) => Doc) =>
  fc.oneof(
    a.map(f),
    fc.array(a, { minLength: 1, maxLength: 4 }).map((xs) => arr(xs.map(f))),
  );

const conditionValue: fc.Arbitrary<Doc> = fc.oneof(
  oneOrMany(fc.oneof(fc.constantFrom(...NAMES), fc.stringMatching(/^[a-z0-9*-]{1,12}$/)), str),
  numberLiteral.map(num),
  fc.constantFrom("true", "false").map(str),
  fc.constantFrom("10.0.0.0/8", "192.0.2.0/24").map(str),
);

const statement: fc.Arbitrary<Doc> = fc
  .record({
    sid: fc.option(fc.stringMatching(/^[A-Za-z0-9]{1,16}$/), { nil: undefined }),
    effect: fc.constantFrom("Allow", "Deny"),
    action: oneOrMany(fc.constantFrom(...ACTIONS), str),
    resource: oneOrMany(
      fc
        .tuple(
          fc.constantFrom(...RESOURCES),
          fc.oneof(fc.constantFrom(...NAMES), fc.stringMatching(/^[a-z0-9-]{1,20}$/)),
        )
        .map(([p, s]) => p + s),
      str,
    ),
    condition: fc.array(
      fc.tuple(
        fc.constantFrom(...OPERATORS),
        fc.array(fc.tuple(fc.constantFrom(...CONDITION_KEYS), conditionValue), {
          minLength: 1,
          maxLength: 3,
        }),
      ),
      { maxLength: 3 },
    ),
  })
  .map(({ sid, effect, action, resource, condition }) => {
    const members: Array<[string, Doc]> = [];
    if (sid) members.push(["Sid", str(sid)]);
    members.push(["Effect", str(effect)], ["Action", action], ["Resource", resource]);
    if (condition.length > 0)
      members.push(["Condition", obj(condition.map(([op, kv]) => [op, obj(kv)]))]);
    return obj(members);
  });

/** Session policies as people write them, with non-Latin text and numeric conditions. */
export const iamPolicyDoc: fc.Arbitrary<Doc> = fc
  .array(statement, { minLength: 1, maxLength: 4 })
  .map((statements) =>
    obj([
      ["Version", str("2012-10-17")],
      ["Statement", arr(statements)],
    ]),
  );

const jsLeaf = fc.oneof(
  unicodeText,
  fc.double(),
  fc.integer(),
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.constantFrom(1e16, 2 ** 53, 2 ** 53 + 2, 0.1, -0, 1e-5, 5e-324, 1e308, 1e21),
  fc.constantFrom(Number.MAX_VALUE, Number("123456789.123456789")),
);

const jsValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    jsLeaf,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(unicodeText, tie("value"), { maxKeys: 4, noNullPrototype: true }),
  ),
})).value;

/** JavaScript policy objects: Unicode keys and text, every kind of number, undefined members. */
export const jsPolicyObject: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
  fc.dictionary(unicodeText, jsValue, { maxKeys: 5, noNullPrototype: true }),
  iamPolicyDoc.map((doc) => toJs(doc) as Record<string, unknown>),
  edgeKeysDoc.map((doc) => toJs(doc) as Record<string, unknown>),
);
