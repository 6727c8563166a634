#!/usr/bin/env bash
# Run one test (file + name pattern) N times in a row on one Node version and count the
# outcomes; optionally with the CPU saturated by two busy-loop processes per core.
#   scripts/repeat-test.sh N NODE_VERSION FILE PATTERN [--saturate]
# Example:
#   scripts/repeat-test.sh 50 22.23.5 packages/file-cache/test/cross-process.test.ts SIGKILL --saturate
set -euo pipefail
cd "$(dirname "$0")/.."
runs="$1" version="$2" file="$3" pattern="$4" saturate="${5:-}"
bin="$(scripts/node-versions.sh path "$version")"
busy=()
if [ "$saturate" = "--saturate" ]; then
  for _ in $(seq $(( $(nproc) * 2 ))); do "$bin/node" -e 'for (;;) {}' & busy+=("$!"); done
  trap 'kill "${busy[@]}" 2>/dev/null || true' EXIT
fi
passed=0 failed=0
for i in $(seq "$runs"); do
  if PATH="$bin:$PATH" "$bin/node" node_modules/vitest/vitest.mjs run "$file" -t "$pattern" \
    >"/tmp/repeat-test.$i.log" 2>&1; then
    passed=$((passed + 1)); rm -f "/tmp/repeat-test.$i.log"
  else
    failed=$((failed + 1)); echo "run $i failed: /tmp/repeat-test.$i.log" >&2
  fi
done
echo "repeat-test: $("$bin/node" --version) ${saturate:-} '$pattern': $passed passed, $failed failed"
[ "$failed" -eq 0 ]
