#!/usr/bin/env bash
# Run the whole test suite once per supported Node.js version (20 = this machine's node,
# then the pinned 22 and 24 from scripts/node-versions.sh). The packages are built once,
# before this runs: the build output is plain ES2022 JavaScript that every version loads.
# Each run puts its node first on PATH, so child processes (spawned with process.execPath,
# or as `node`) and the CLI's `#!/usr/bin/env node` use the same version.
set -euo pipefail
cd "$(dirname "$0")/.."

major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$major" != "20" ]; then
  echo "test-all-node: the machine's node is $(node --version); the matrix expects 20.x" >&2
  exit 2
fi

reports="$(mktemp -d)"
export REPORTS="$reports"
trap 'rm -rf "$reports"' EXIT
results=()
status=0
for version in $(scripts/node-versions.sh list); do
  bin="$(scripts/node-versions.sh path "$version")"
  echo
  echo "=== Node $("$bin/node" --version): vitest run ==="
  started=$SECONDS
  if PATH="$bin:$PATH" "$bin/node" node_modules/vitest/vitest.mjs run \
    --reporter=default --reporter=json --outputFile.json="$reports/$version.json" "$@"; then
    results+=("$("$bin/node" --version): passed in $((SECONDS - started)) s")
  else
    results+=("$("$bin/node" --version): FAILED after $((SECONDS - started)) s")
    status=1
  fi
done
echo
printf 'test-all-node: %s\n' "${results[@]}"
# One closing line for all versions together (a missing report counts as a failure).
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0, skipped = 0;
  for (const v of process.argv.slice(1)) {
    const file = `${process.env.REPORTS}/${v}.json`;
    if (!fs.existsSync(file)) { failed++; continue; }
    const r = JSON.parse(fs.readFileSync(file, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests;
    skipped += r.numPendingTests + r.numTodoTests;
  }
  console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
' $(scripts/node-versions.sh list)
exit "$status"
