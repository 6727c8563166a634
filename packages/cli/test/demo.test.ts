import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanEnv, findRedis, ownLines, run, tempHome } from "./helpers.js";

let home: ReturnType<typeof tempHome>;
let redis: Awaited<ReturnType<typeof findRedis>>;

beforeAll(async () => {
  home = tempHome();
  redis = await findRedis();
});

afterAll(() => {
  redis?.stop();
  home.cleanup();
});

/** The table's rows by mode: [workers, requests, AssumeRole calls]. */
function parseTable(stdout: string): Map<string, string[]> {
  const [header, rule, ...rows] = stdout.trim().split("\n");
  expect(header).toMatch(/^mode\s+workers\s+credential requests\s+AssumeRole calls$/);
  expect(rule).toMatch(/^[- ]+$/);
  return new Map(
    rows.map((row) => {
      const cells = row.split(/\s{2,}/);
      return [cells[0] ?? "", cells.slice(1)];
    }),
  );
}

const demoDirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith("assume-role-demo-"));

describe("demo", () => {
  it("runs a small fleet: N AssumeRole calls without a shared cache, 1 with each shared cache", {
    timeout: 90_000,
  }, async () => {
    const dirsBefore = new Set(demoDirs());
    const args = ["demo", "--workers", "3", "--requests", "20"];
    if (redis) args.push("--redis", redis.url);
    else args.push("--redis", "redis://127.0.0.1:1");
    const out = await run(args, cleanEnv(home.home));
    expect(out.code, out.stderr).toBe(0);
    const table = parseTable(out.stdout);
    expect(table.get("no shared cache")).toEqual(["3", "60", "3"]);
    expect(table.get("JSONFileCache (temp dir)")).toEqual(["3", "60", "1"]);
    if (redis) expect(table.get("KeyvCache (Redis)")).toEqual(["3", "60", "1"]);
    else expect(table.get("KeyvCache (Redis)")?.join(" ")).toMatch(/skipped/);
    const progress = ownLines(out.stderr);
    expect(progress.some((l) => /\[2\/3\] JSONFileCache.*1 AssumeRole call\b/.test(l))).toBe(true);
    // The temp cache directory is gone.
    expect(demoDirs().filter((d) => !dirsBefore.has(d))).toEqual([]);
  });

  it("skips Redis with a note when it is not reachable", { timeout: 60_000 }, async () => {
    const out = await run(
      ["demo", "--workers", "2", "--requests", "5", "--redis", "redis://127.0.0.1:1"],
      cleanEnv(home.home),
    );
    expect(out.code, out.stderr).toBe(0);
    const table = parseTable(out.stdout);
    expect(table.get("KeyvCache (Redis)")?.join(" ")).toMatch(
      /skipped: no Redis at redis:\/\/127\.0\.0\.1:1/,
    );
    expect(table.get("JSONFileCache (temp dir)")).toEqual(["2", "10", "1"]);
    expect(ownLines(out.stderr).some((l) => /Redis: nothing answered/.test(l))).toBe(true);
  });
});
