/**
 * The CLI with caches it must not trust blindly: a planted entry that would inject shell
 * variables, a directory others can write, `--cache` values that used to mean something
 * else, and encryption keys for Redis from a file or the environment.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { quotePowerShell } from "@assume-role-lib/cli";
import { KeyvCache, unreadableReason } from "@assume-role-lib/keyv-cache";
import { type StsLocal, startStsLocal } from "@assume-role-lib/sts-local";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CLI,
  findRedis,
  ownLines,
  parentEnv,
  ROLE,
  type RunResult,
  run,
  tempHome,
} from "./helpers.js";

let sts: StsLocal;
let home: ReturnType<typeof tempHome>;
let env: NodeJS.ProcessEnv;
const KEY_HEX = "c3".repeat(32);

beforeAll(async () => {
  sts = await startStsLocal();
  home = tempHome();
  env = parentEnv(home.home, sts);
});
afterAll(async () => {
  await sts.close();
  home.cleanup();
});

const envArgs = (cache: string, ...more: string[]) => [
  "env",
  ROLE("Demo"),
  "--endpoint-url",
  sts.endpoint,
  "--cache",
  cache,
  ...more,
];

/** A poisoned entry: its AccessKeyId would set PATH through `export $(assume-role env …)`. */
const PLANTED = JSON.stringify({
  Credentials: {
    AccessKeyId: "ASIAQ\nPWNED=1 PATH=/evil",
    SecretAccessKey: "x $(touch PWNED) `touch PWNED`",
    SessionToken: "y; export PWNED=1",
    Expiration: "2099-01-01T00:00:00Z",
  },
});

/** The cache key a run used, from its --debug events. */
function keyOf(out: RunResult): string {
  const key = /cache-(?:miss|hit) key=(\S+)/.exec(out.stderr)?.[1];
  if (!key) throw new Error(`no cache key in: ${out.stderr}`);
  return key;
}

describe("a planted entry cannot inject shell variables", () => {
  it('with `export $(…)` and `eval "$(…)"`, PATH stays, nothing named PWNED appears', async () => {
    const dir = join(home.home, "planted");
    const first = await run(envArgs(dir, "--debug"), env);
    expect(first.code, first.stderr).toBe(0);
    const entry = join(dir, `${keyOf(first)}.json`);
    writeFileSync(entry, PLANTED, { mode: 0o600 });

    // Either the entry is refused (and STS gives real credentials) or the output is.
    const direct = await run(envArgs(dir), env);
    expect(direct.stdout).not.toMatch(/PWNED|evil/);
    if (direct.code === 0) {
      expect(direct.stdout).toMatch(/^AWS_ACCESS_KEY_ID=ASIA[A-Z0-9]+$/m);
    } else {
      expect(direct.code).toBe(1);
      expect(direct.stdout).toBe("");
      expect(ownLines(direct.stderr)[0]).toMatch(/refusing to print AWS_ACCESS_KEY_ID/);
      expect(direct.stderr).not.toMatch(/looks like a bug/);
    }

    const cli = [process.execPath, CLI, ...envArgs(dir)].map((a) => `'${a}'`).join(" ");
    for (const shell of [
      `export $(${cli}) >/dev/null; printf '%s|%s' "$PATH" "\${PWNED-unset}"`,
      `eval "$(${cli})"; printf '%s|%s' "$PATH" "\${PWNED-unset}"`,
    ]) {
      const printed = execFileSync("bash", ["-c", shell], {
        cwd: home.home,
        env: { ...env, PATH: "/usr/bin:/bin" },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "ignore"],
      });
      expect(printed).toBe("/usr/bin:/bin|unset");
    }
    expect(readdirSync(home.home)).not.toContain("PWNED");
  });
});

describe("a cache directory others can write", () => {
  it("is not used: one warning line, credentials from STS, nothing written there", async () => {
    const dir = join(home.home, "shared-0777");
    mkdirSync(dir);
    chmodSync(dir, 0o777);
    const out = await run(envArgs(dir), env);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/^AWS_ACCESS_KEY_ID=ASIA/m);
    const warnings = ownLines(out.stderr).filter((l) => l.includes("warning"));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /Cache directory .*shared-0777 is not used: it is writable by others \(mode 0777\).*chmod go-w/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("--cache values are checked: usage errors (exit 2), nothing created", () => {
  const cases: Array<[string, string, RegExp]> = [
    ["empty", "", /--cache.*must not be empty/],
    ["blank", "  ", /--cache.*must not be empty/],
    [
      "redis+sentinel://",
      "redis+sentinel://127.0.0.1:26379/mymaster",
      /scheme redis\+sentinel:\/\/ is not supported/,
    ],
    ["http://", "http://127.0.0.1:6379", /scheme http:\/\/ is not supported/],
    ["file://", "file:///tmp/cache", /scheme file:\/\/ is not supported/],
    ["a malformed Redis URL", "redis://[::1", /--cache.*not a valid URL/],
    [
      "a Redis path that is not a database",
      "redis://127.0.0.1:6379/cache",
      /--cache: has a path that is not a database number/,
    ],
    [
      "~ of another user",
      "~no-such-user-here/cache",
      /--cache: "~no-such-user-here" is not expanded/,
    ],
  ];
  it.each(cases)("%s", async (_, value, pattern) => {
    const cwd = join(home.home, `cwd-${Math.random().toString(36).slice(2)}`);
    mkdirSync(cwd);
    const out = await run(envArgs(value), env, { cwd });
    expect(out.code, out.stderr).toBe(2);
    expect(ownLines(out.stderr)[0]).toMatch(pattern);
    expect(out.stderr).not.toMatch(/looks like a bug/);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it("~<own user name> is the home directory", async () => {
    const out = await run(envArgs(`~${userInfo().username}/own-cache`), env);
    expect(out.code, out.stderr).toBe(0);
    expect(readdirSync(join(home.home, "own-cache")).some((n) => n.endsWith(".json"))).toBe(true);
  });
});

describe("encrypting Redis entries from the command line", () => {
  it.each([
    [
      "a key for a directory cache",
      () => ["--cache", join(home.home, "d"), "--cache-encryption-key-env", "K"],
      /need --cache redis:/,
    ],
    [
      "both sources",
      () => [
        "--cache",
        "redis://127.0.0.1:1",
        "--cache-encryption-key-env",
        "K",
        "--cache-encryption-key-file",
        "/x",
      ],
      /either --cache-encryption-key-file or --cache-encryption-key-env/,
    ],
    [
      "an unset variable",
      () => ["--cache", "redis://127.0.0.1:1", "--cache-encryption-key-env", "UNSET_KEY_VAR"],
      /UNSET_KEY_VAR is not set or empty/,
    ],
    [
      "a key that is not 32 bytes",
      () => ["--cache", "redis://127.0.0.1:1", "--cache-encryption-key-env", "SHORT_KEY"],
      /--cache-encryption-key-env: must be 32 bytes/,
    ],
    [
      "a missing key file",
      () => [
        "--cache",
        "redis://127.0.0.1:1",
        "--cache-encryption-key-file",
        join(home.home, "nope"),
      ],
      /cannot read .*nope \(ENOENT\)/,
    ],
    [
      "a key file others can write",
      () => {
        const file = join(home.home, "key-0666");
        writeFileSync(file, KEY_HEX);
        chmodSync(file, 0o666);
        return ["--cache", "redis://127.0.0.1:1", "--cache-encryption-key-file", file];
      },
      /key-0666 is writable by others \(mode 0666\)/,
    ],
  ])("%s: exit 2, the key never printed", async (_, args, pattern) => {
    const out = await run(["env", ROLE("Demo"), "--endpoint-url", sts.endpoint, ...args()], {
      ...env,
      SHORT_KEY: "too-short-secret-value",
    });
    expect(out.code, out.stderr).toBe(2);
    expect(ownLines(out.stderr)[0]).toMatch(pattern);
    expect(out.stderr).not.toContain("too-short-secret-value");
    expect(out.stderr).not.toContain(KEY_HEX);
  });

  it("with a key from a file or the environment, nothing in Redis is in clear, and both read each other", async () => {
    const redis = await findRedis();
    if (!redis) return;
    const url = `${redis.url}/0`;
    const keyFile = join(home.home, "redis.key");
    writeFileSync(keyFile, `${KEY_HEX}\n`, { mode: 0o600 });
    try {
      const fromFile = await run(
        envArgs(url, "--cache-encryption-key-file", keyFile, "--debug"),
        env,
      );
      expect(fromFile.code, fromFile.stderr).toBe(0);
      expect(fromFile.stderr).toMatch(/cache: Redis .* \(encrypted\)/);
      expect(fromFile.stderr).not.toContain(KEY_HEX);
      const fromEnv = await run(envArgs(url, "--cache-encryption-key-env", "ARL_KEY", "--debug"), {
        ...env,
        ARL_KEY: Buffer.from(KEY_HEX, "hex").toString("base64"),
      });
      expect(fromEnv.code, fromEnv.stderr).toBe(0);
      expect(fromEnv.stderr).toMatch(/cache-hit/);
      expect(fromEnv.stdout).toBe(fromFile.stdout);

      // A reader without the key: the entry is encrypted, and not in clear anywhere.
      const reader = KeyvCache.redis(url);
      const key = keyOf(fromEnv);
      expect(unreadableReason(await reader.get(key))).toBe("undecryptable");
      const stored = JSON.stringify(await reader.keyv.get(reader.storeKey(key)));
      await reader.close();
      const secret = /AWS_SECRET_ACCESS_KEY=(\S+)/.exec(fromFile.stdout)?.[1] as string;
      expect(stored).toMatch(/"alg":"A256GCM"/);
      expect(stored).not.toContain(secret);

      // Without the key, the entry is not used (and the CLI still works, from STS).
      const clear = await run(envArgs(url, "--debug"), env);
      expect(clear.code).toBe(0);
      expect(clear.stdout).not.toBe(fromFile.stdout);
    } finally {
      redis.stop();
    }
  });
});

describe("PowerShell quoting", () => {
  /**
   * How PowerShell reads a single-quoted string (its tokenizer's CharTraits): any of
   * ' U+2018 U+2019 U+201A U+201B opens and closes it; two in a row are one literal.
   * Returns the string and whatever follows the closing quote.
   */
  function readPowerShellString(source: string): { value: string; rest: string } {
    const quote = /['\u2018-\u201b]/;
    if (!quote.test(source[0] ?? "")) throw new Error("not a single-quoted string");
    let value = "";
    for (let i = 1; i < source.length; i++) {
      const c = source[i] as string;
      if (!quote.test(c)) {
        value += c;
        continue;
      }
      if (quote.test(source[i + 1] ?? "")) {
        value += c;
        i++;
        continue;
      }
      return { value, rest: source.slice(i + 1) };
    }
    throw new Error("unterminated string");
  }

  it.each([
    "plain",
    "it's",
    "a\u2019; Remove-Item -Recurse ~; \u2019",
    "\u2018\u2019\u201a\u201b",
    '$(Get-Secret) `n "double" \u201cleft\u201d \u201elow\u201d',
    "''\u2019'",
  ])("%j round-trips as exactly one PowerShell string", (value) => {
    const quoted = quotePowerShell(value);
    expect(readPowerShellString(quoted)).toEqual({ value, rest: "" });
  });
});
