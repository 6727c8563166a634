// The examples are documentation: run each one as a user would and check what it prints.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const run = (script: string, env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, [fileURLToPath(new URL(script, import.meta.url))], {
    encoding: "utf8",
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
    timeout: 120_000,
  });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
};

describe("examples", () => {
  it("chain-three-roles: RoleA → RoleB → RoleC, 3 AssumeRole calls", () => {
    const out = run("./chain-three-roles.mjs");
    expect(out).toMatch(/RoleC\s+arn:aws:sts::123456789012:assumed-role\/RoleC\//);
    expect(out).toContain("AssumeRole calls: 3");
  });

  it("lambda-handler: many invocations, 1 AssumeRole call", () => {
    expect(run("./lambda-handler.mjs")).toContain("AssumeRole calls: 1");
  });

  it("file-cache-twice: the second run makes no STS call", () => {
    const out = run("./file-cache-twice.mjs");
    expect(out).toMatch(/run 1: AssumeRole calls 1/);
    expect(out).toMatch(/run 2: AssumeRole calls 0, credentials from cache/);
  });

  it("redis-fleet: the whole fleet makes 1 AssumeRole call (when Redis answers)", () => {
    const out = run("./redis-fleet.mjs");
    if (out.includes("No Redis answered")) return;
    expect(out).toContain("AssumeRole calls: 1");
  }, 150_000);
});
