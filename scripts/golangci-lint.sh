#!/usr/bin/env bash
# Finds (or installs) the golangci-lint that `make lint` runs.
#   scripts/golangci-lint.sh path     print the binary's path; fail with how to
#                                     install it if there is none
#   scripts/golangci-lint.sh install  go install the pinned version unless the
#                                     binary in $(go env GOBIN) or
#                                     $(go env GOPATH)/bin already is it
# Lookup order: $GOLANGCI_LINT, $(go env GOBIN), the first $(go env GOPATH)/bin,
# then PATH. Another version than the pinned one is used with a warning: its
# findings may differ from CI's.
set -euo pipefail
version=v2.14.0
pkg=github.com/golangci/golangci-lint/v2/cmd/golangci-lint
go=${GO:-go}

gobin() {
  local d
  d=$("$go" env GOBIN)
  if [ -z "$d" ]; then
    d=$("$go" env GOPATH)
    d=${d%%:*}/bin
  fi
  echo "$d"
}

find_bin() {
  if [ -n "${GOLANGCI_LINT:-}" ]; then echo "$GOLANGCI_LINT"; return 0; fi
  local b
  b="$(gobin)/golangci-lint"
  if [ -x "$b" ]; then echo "$b"; return 0; fi
  command -v golangci-lint 2>/dev/null
}

bin_version() { "$1" version --short 2>/dev/null || true; }

case "${1:-path}" in
  path)
    if ! bin=$(find_bin); then
      cat >&2 <<EOF
golangci-lint not found (looked in \$GOLANGCI_LINT, $(gobin) and PATH).
Install the version CI uses (about 90 s to compile):
    make lint-install        # = $go install $pkg@$version
EOF
      exit 1
    fi
    v=$(bin_version "$bin")
    if [ "v$v" != "$version" ]; then
      echo "warning: $bin is golangci-lint ${v:-of unknown version}, CI uses $version (make lint-install)" >&2
    fi
    echo "$bin"
    ;;
  install)
    b="$(gobin)/golangci-lint"
    if [ -x "$b" ] && [ "v$(bin_version "$b")" = "$version" ]; then
      echo "golangci-lint $version already in $b"
      exit 0
    fi
    echo "installing golangci-lint $version into $(gobin)"
    "$go" install "$pkg@$version"
    ;;
  *)
    echo "usage: $0 [path|install]" >&2
    exit 2
    ;;
esac
