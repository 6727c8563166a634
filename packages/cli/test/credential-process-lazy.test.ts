/**
 * `credential-process` on a cache hit loads one file, the bin, and none of the STS client:
 * the built CLI run as a real process twice (a miss, then a hit) with the parent keys in its
 * environment, against sts-local. The bin is one bundled file; what only a miss or another
 * command needs (the AWS SDK, the Redis cache) is bundled apart in dist/lazy/. A module hook
 * (file-cache's fixtures/load-log.mjs, preloaded through NODE_OPTIONS) records every file the
 * process loaded; what was loaded is also told by content, so that no file the hit loaded
 * may hold an STS client. The miss, which called AssumeRole, proves the check sees one.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ownLines, ROLE, run, useCliFixture } from "./helpers.js";

const LOAD_LOG_PRELOAD = fileURLToPath(
  new URL("../../file-cache/test/fixtures/load-log.mjs", import.meta.url),
);
const fixture = useCliFixture();
const BIN = fileURLToPath(new URL("../dist/cli.cjs", import.meta.url));
const LAZY = fileURLToPath(new URL("../dist/lazy", import.meta.url));

/** The files a run loaded, and apart from them Node's own modules, from its load log. */
function loaded(log: string): { files: string[]; builtins: string[] } {
  const entries = readFileSync(log, "utf8").split("\n").filter(Boolean);
  const files = entries
    .filter((entry) => entry.startsWith("file:") || entry.startsWith("/"))
    .map((entry) => (entry.startsWith("file:") ? fileURLToPath(entry) : entry));
  const builtins = entries
    .filter((entry) => entry.startsWith("node:"))
    .map((entry) => entry.slice("node:".length));
  return { files: [...new Set(files)], builtins: [...new Set(builtins)] };
}

/**
 * The loaded files that hold an STS client (@aws-sdk/client-sts, or the SDK's nested one):
 * its model names the service by its protocol name. Not "AssumeRoleCommand": core's own
 * chunk names it too, taking it from the STS module once that is loaded.
 */
const withStsClient = (files: string[]) =>
  files.filter((file) => readFileSync(file, "utf8").includes("AWSSecurityTokenServiceV20110615"));

describe("credential-process on a cache hit", () => {
  it("prints the cached credentials, calls STS not at all, and loads the bin alone", async () => {
    const { sts, home } = fixture;
    const cacheDir = join(home.home, "lazy-cache");
    const args = ["credential-process", ROLE("Demo"), "--endpoint-url", sts.endpoint];
    const runLogged = async (name: string) => {
      const log = join(home.home, `${name}.loaded`);
      const out = await run([...args, "--cache", cacheDir], {
        ...fixture.env,
        XDG_CACHE_HOME: join(home.home, ".cache"),
        NODE_OPTIONS: `--import=${LOAD_LOG_PRELOAD}`,
        LOAD_LOG: log,
      });
      expect(ownLines(out.stderr)).toEqual([]);
      expect(out.code).toBe(0);
      return { doc: JSON.parse(out.stdout) as Record<string, unknown>, ...loaded(log) };
    };
    const calls = () => sts.stats.calls("AssumeRole", ROLE("Demo"));
    const before = calls();

    const miss = await runLogged("miss");
    expect(calls()).toBe(before + 1);
    expect(withStsClient(miss.files).length).toBeGreaterThan(0);
    expect(miss.files).toContain(BIN);
    expect(miss.files).toContain(join(LAZY, "aws-sdk-client-sts.js"));
    expect(miss.builtins).toEqual(expect.arrayContaining(["crypto", "http"]));

    const callsBeforeHit = sts.stats.calls();
    const hit = await runLogged("hit");
    expect(Object.keys(hit.doc)).toEqual([
      "Version",
      "AccessKeyId",
      "SecretAccessKey",
      "SessionToken",
      "Expiration",
    ]);
    expect(hit.doc.Version).toBe(1);
    expect(hit.doc.AccessKeyId).toMatch(/^ASIA/);
    expect(hit.doc.Expiration).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(new Date(hit.doc.Expiration as string).getTime()).toBeGreaterThan(Date.now());
    expect(hit.doc).toEqual(miss.doc);
    // No AssumeRole, and no GetCallerIdentity either (the parent principal is kept on disk).
    expect(sts.stats.calls()).toBe(callsBeforeHit);
    expect(withStsClient(hit.files)).toEqual([]);
    // The bin alone: the log saw it (an empty log would pass the check above), and nothing
    // else of the CLI's, nor any other package's module.
    expect(hit.files.filter((file) => file !== LOAD_LOG_PRELOAD)).toEqual([BIN]);
    // Nor the Node modules only a miss or another command needs (node:crypto is ~2.5 ms of
    // a start, node:child_process ~2.3 ms: commander and the file cache's writes load them
    // on first use).
    for (const builtin of ["crypto", "child_process", "http", "https", "tls", "readline"]) {
      expect(hit.builtins).not.toContain(builtin);
    }
  });
});
