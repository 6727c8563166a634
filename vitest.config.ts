import { defineConfig } from "vitest/config";

// One root config: every package's tests run in one vitest invocation (`pnpm test`).
// Tests import packages by name; they resolve to each package's built `dist/`, which is
// also what the child processes of the cross-process tests load, so both see one build.
export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "examples/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
    // The SDK prints a Node 20 support notice once per process: with dozens of child
    // processes it buries the output, and no test depends on it.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
  },
});
