import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import {
  AssumeRoleValidationError,
  assumeRole,
  type CacheKeyArgs,
  cacheKey,
  cacheKeyText,
  PythonJsonError,
  pythonJsonDumps,
  Session,
} from "@assume-role-lib/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Doc, mutate, render } from "./json-text.js";
import {
  EDGE_CODE_POINTS,
  edgeKeysDoc,
  iamPolicyDoc,
  jsPolicyObject,
  STRESS_NUMBERS,
  stressDoc,
} from "./python-json-cases.js";

/**
 * Differential test: botocore's cache key (json.loads of the Policy, json.dumps with
 * sort_keys, SHA-1) and the Python library's Policy serialization, computed by Debian's
 * python3 on the same inputs, must equal ours. One python3 process gets every case.
 */

const PYTHON = "/usr/bin/python3";
const SEED = 20_240_615;
const R = "arn:aws:iam::123456789012:role/Parity";

// botocore's _create_cache_key and aws_assume_role_lib's `json.dumps(Policy)`, nothing else.
const ORACLE = String.raw`
import hashlib, json, sys

def typed(v):
    tag = v[0]
    if tag == "i": return int(v[1])
    if tag == "f": return float(v[1])
    if tag == "a": return [typed(x) for x in v[1]]
    if tag == "o": return {k: typed(x) for k, x in v[1]}
    return v[1]

def key_of(args):
    text = json.dumps(args, sort_keys=True)
    return {"text": text, "key": hashlib.sha1(text.encode("utf-8")).hexdigest()}

out = []
for line in sys.stdin.buffer.read().decode("utf-8").split("\n"):
    if not line:
        continue
    case = json.loads(line)
    args = case["args"]
    if case["kind"] == "text":
        try:
            args["Policy"] = json.loads(args["Policy"])
        except (ValueError, RecursionError):
            out.append({"error": True})
            continue
        out.append(key_of(args))
    else:
        try:
            policy = typed(case["policy"])
            args["Policy"] = json.loads(json.dumps(policy))
        except ValueError:
            out.append({"error": True})
            continue
        result = key_of(args)
        result["sent"] = json.dumps(policy, separators=(",", ":"))
        out.append(result)
sys.stdout.write(json.dumps(out))
`;

type OracleCase =
  | { kind: "text"; name: string; args: CacheKeyArgs }
  | { kind: "object"; name: string; args: CacheKeyArgs; policy: Record<string, unknown> };
type OracleResult = { error?: true; text?: string; key?: string; sent?: string };

/** A JavaScript value in the form the oracle rebuilds as the Python value a port would use. */
function typed(value: unknown): unknown {
  if (value === null || value === undefined) return ["n", null];
  if (typeof value === "bigint") return ["i", String(value)];
  if (typeof value === "number")
    return Number.isSafeInteger(value) ? ["i", String(value)] : ["f", String(value)];
  if (Array.isArray(value)) return ["a", value.map(typed)];
  if (typeof value === "object") {
    const members = Object.entries(value).filter(([, v]) => v !== undefined);
    return ["o", members.map(([k, v]) => [k, typed(v)])];
  }
  return ["s", value];
}

function runOracle(cases: OracleCase[]): OracleResult[] {
  const input = cases
    .map((c) =>
      JSON.stringify(
        c.kind === "text" ? c : { kind: c.kind, args: c.args, policy: typed(c.policy) },
      ),
    )
    .join("\n");
  const run = spawnSync(PYTHON, ["-I", "-c", ORACLE], {
    input,
    encoding: "utf8",
    maxBuffer: 1 << 28,
  });
  if (run.status !== 0) throw new Error(`python3 failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as OracleResult[];
}

const sample = <T>(arb: fc.Arbitrary<T>, numRuns: number, seed: number) =>
  fc.sample(arb, { seed, numRuns });

/** Policy texts: generated documents rendered at random, some damaged, plus fixed vectors. */
function textCases(): OracleCase[] {
  const cases: OracleCase[] = [];
  const add = (name: string, policy: string, extra: Record<string, unknown> = {}) =>
    cases.push({ kind: "text", name, args: { RoleArn: R, ...extra, Policy: policy } });
  // Each document comes with a stream of choices (whitespace, escapes, damage) from the same seed.
  const choices = fc
    .infiniteStream(fc.integer({ min: 0, max: 9999 }))
    .map((stream) => () => (stream.next().value as number) / 10_000);
  const rendered = (kind: string, doc: fc.Arbitrary<Doc>, count: number, seed: number) =>
    sample(fc.tuple(doc, choices), count, seed).forEach(([d, random], i) => {
      const text = render(d, random);
      add(`${kind} #${i}`, random() < 0.12 ? mutate(text, random) : text);
    });
  rendered("iam", iamPolicyDoc, 500, SEED);
  rendered("stress", stressDoc, 450, SEED + 1);
  rendered("edge keys", edgeKeysDoc, 150, SEED + 2);
  for (const [i, n] of STRESS_NUMBERS.entries()) {
    add(`number ${n.slice(0, 30)}`, `{"n": ${n}}`);
    add(`number in a list ${i}`, `[${n}, -${n.replace(/^-/, "")}]`);
  }
  for (const cp of EDGE_CODE_POINTS) {
    const ch = String.fromCodePoint(cp);
    add(`U+${cp.toString(16)} raw key`, `{"${ch}": 1, "\\uffff": 2, "\\ud800\\udc00": 3}`);
  }
  add("escaped pair and raw astral are one key", '{"\\ud83d\\ude00": 1, "😀": 2}');
  add(
    "escaped high + raw low are two characters",
    '{"\\ud83d\ude00": 1, "\\ud83e": 2, "\\uffff": 3}',
  );
  add("raw high + escaped low", '{"\ud83d\\ude00": 1, "\\ue000": 2}');
  add("other arguments too", '{"Sid": "開発"}', {
    DurationSeconds: 3600,
    ExternalId: "ext-1",
    Tags: [{ Key: "team", Value: "データ😀" }],
  });
  return cases;
}

/** Policy objects through assumeRole(): what is sent to STS and the session's cache key. */
function objectCases(): OracleCase[] {
  return sample(jsPolicyObject, 400, SEED + 3).map((policy, i) => ({
    kind: "object",
    name: `object #${i}`,
    args: { RoleArn: R },
    policy,
  }));
}

const parent = Session.fromCredentials(
  { accessKeyId: "AKIDPARITYEXAMPLE", secretAccessKey: "parity-secret" },
  { region: "us-east-1" },
);

function ours(c: OracleCase): OracleResult {
  if (c.kind === "object") {
    try {
      const child = assumeRole(parent, R, { Policy: c.policy, validate: false });
      // cacheKey() given the object itself must agree with the session's key for the text.
      const direct = cacheKey({ RoleArn: R, Policy: c.policy });
      const key =
        direct === child.cacheKey ? direct : `${direct} (object) ${child.cacheKey} (text)`;
      return { sent: child.assumeRoleRequest?.Policy, key };
    } catch (error) {
      if (error instanceof AssumeRoleValidationError || error instanceof PythonJsonError) {
        return { error: true };
      }
      throw error;
    }
  }
  // cacheKeyText keeps a Policy text it cannot read as the string it is.
  if (cacheKeyText(c.args) === pythonJsonDumps(c.args)) return { error: true };
  // assumeRole() escapes what STS refuses in the text it sends; the key must not change.
  const { RoleArn: _, ...options } = c.args;
  const sent = assumeRole(parent, R, { ...options, validate: false });
  const key = cacheKey(c.args);
  return {
    text: cacheKeyText(c.args),
    key: sent.cacheKey === key ? key : `${key} != ${sent.cacheKey}`,
  };
}

const havePython = existsSync(PYTHON);

if (!havePython) {
  describe(`Python json parity: ${PYTHON} not found`, () => {
    if (process.env.CI === "true") {
      it("python3 is required under CI (.ci/run installs it)", () => {
        expect.fail(`${PYTHON} is missing: the parity test cannot run`);
      });
    } else {
      it.skip(`skipped: install python3 at ${PYTHON} to run the parity test`, () => {});
    }
  });
}

describe.runIf(havePython)("Python json parity: botocore's cache key, byte for byte", () => {
  it("matches python3 on every generated and fixed case (0 mismatches)", () => {
    const cases = [...textCases(), ...objectCases()];
    expect(cases.length).toBeGreaterThanOrEqual(1000);
    const expected = runOracle(cases);
    expect(expected).toHaveLength(cases.length);
    const mismatches = cases.flatMap((c, i) => {
      const want = expected[i] as OracleResult;
      const got = ours(c);
      const same =
        c.kind === "object" && !want.error
          ? got.sent === want.sent && got.key === want.key
          : JSON.stringify(got) === JSON.stringify(want);
      return same
        ? []
        : [{ name: c.name, input: c.kind === "text" ? c.args.Policy : typed(c.policy), want, got }];
    });
    expect({ count: mismatches.length, first: mismatches.slice(0, 3) }).toEqual({
      count: 0,
      first: [],
    });
    // The generated cases reach the cases that matter: refusals, floats, big ints, astral keys.
    const texts = expected.map((r) => r.text ?? "");
    expect(expected.filter((r) => r.error).length).toBeGreaterThan(30);
    expect(texts.filter((t) => /\de[+-]\d\d/.test(t)).length).toBeGreaterThan(50);
    expect(texts.filter((t) => /\d{20}/.test(t)).length).toBeGreaterThan(50);
    expect(texts.filter((t) => /\\ud[89ab][0-9a-f]{2}\\ud[c-f]/.test(t)).length).toBeGreaterThan(
      50,
    );
  });
});
