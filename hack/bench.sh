#!/usr/bin/env bash
# Runs every benchmark script (hack/bench-*.sh) and the Go benchmarks; each
# script compares sc8scan with a peer tool on the same input in one run and
# prints the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
hack/deps.sh
for s in hack/bench-*.sh; do
  [ -x "$s" ] || continue
  echo "== $s"
  "$s"
done
echo "== go benchmarks"
go test -run '^$' -bench . -benchmem ./pkg/... ./probes/... 2>&1 | grep -E '^(Benchmark|ok|FAIL|goos|pkg)' || true
