#!/usr/bin/env bash
# Runs every fuzz target for FUZZTIME (default 20s) each. The corpus of
# interesting inputs stays in each package's testdata/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-20s}
for pkg in $(go list ./...); do
  for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "== $pkg $f"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg"
  done
done
# Keep what the fuzzer found interesting as corpus in the repository.
for pkg in $(go list ./...); do
  rel=${pkg#github.com/sc8scan/sc8scan/}
  cache="$(go env GOCACHE)/fuzz/$pkg"
  [ -d "$cache" ] || continue
  for d in "$cache"/*/; do
    name=$(basename "$d")
    mkdir -p "$rel/testdata/fuzz/$name"
    cp -n "$d"* "$rel/testdata/fuzz/$name/" 2>/dev/null || true
  done
done
