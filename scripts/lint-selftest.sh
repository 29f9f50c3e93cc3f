#!/usr/bin/env bash
# Proves that golangci-lint (depguard, .golangci.yml) rejects imports that break
# the layer rule. It copies the tracked files (as they are in the work tree) to
# a temporary directory, plants files with forbidden imports there, runs
# golangci-lint on the planted packages and succeeds only if lint fails and
# depguard names every planted import. The work tree is never touched; the
# copy is removed on exit (KEEP=1 keeps it, to debug).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
lint=$("$root/scripts/golangci-lint.sh" path)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/paycore-lint-selftest.XXXXXX")
cleanup() {
  if [ -n "${KEEP:-}" ]; then echo "lint-selftest: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# Tracked files only (no .data/, no build output); skip tracked files deleted
# in the work tree.
(cd "$root" && git ls-files -z | while IFS= read -r -d '' f; do
  [ -e "$f" ] && printf '%s\0' "$f"
done | tar --null -T - -cf -) | tar -xf - -C "$tmp"

# plant FILE PACKAGE IMPORT USE: a file that compiles and uses IMPORT.
plant() {
  cat >"$tmp/$1" <<EOF
package $2

import "$3"

var _ = $4
EOF
}
# file                      package  forbidden import                          a use of it
cases=(
  "app/zz_planted.go        app      net/http                                  http.StatusOK"
  "app/zz_planted_bun.go    app      github.com/uptrace/bun                    bun.NewDB"
  "app/zz_planted_test.go   app      net/http/httptest                         httptest.NewRecorder"
  "ports/zz_planted.go      ports    github.com/riverqueue/river               river.NewClient[any]"
  "domain/zz_planted.go     domain   golang.org/x/time/rate                    rate.NewLimiter"
)
for c in "${cases[@]}"; do
  # shellcheck disable=SC2086
  set -- $c
  plant "$1" "$2" "$3" "$4"
done

out=$tmp/lint.out
status=0
(cd "$tmp" && "$lint" run --output.text.print-issued-lines=false ./app/... ./ports/... ./domain/...) >"$out" 2>&1 || status=$?

fail=0
if [ "$status" = 0 ]; then
  echo "lint-selftest: golangci-lint passed with forbidden imports planted" >&2
  fail=1
fi
for c in "${cases[@]}"; do
  # shellcheck disable=SC2086
  set -- $c
  if grep -E "^$1:[0-9]+:[0-9]+: import '$3' is not allowed .*\(depguard\)$" "$out" >/dev/null; then
    echo "lint-selftest: ok: depguard rejects $3 in $1"
  else
    echo "lint-selftest: depguard did not report $3 in $1" >&2
    fail=1
  fi
done
if [ "$fail" != 0 ]; then
  echo "--- golangci-lint output:" >&2
  cat "$out" >&2
  exit 1
fi
echo "lint-selftest: passed (golangci-lint exit status $status)"
