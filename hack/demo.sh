#!/usr/bin/env bash
# make demo: scan the embedded demo cluster (testdata/demo) against a real
# local lab: one loopback endpoint per Service port (TLS, mTLS, PERMISSIVE,
# STARTTLS, cleartext), probed for real. Writes the bundle to out/demo.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out/demo}
rm -rf "$out"
mkdir -p "$out"
go build -trimpath -o bin/sc8lab ./pkg/internal/lab/cmd/sc8lab
set +e
bin/sc8lab -out "$out/lab" -- bin/sc8scan scan \
  --from testdata/demo --cluster demo-east \
  --targets "$out/lab/targets.json" --ca "$out/lab/ca.pem" \
  --waivers testdata/demo-waivers.yaml \
  --out "$out"
rc=$?
set -e
echo
case $rc in
  0|3|4|5) echo "demo: bundle written to $out: matrix.md and matrix.html to read, matrix.json, matrix.csv, oscal-assessment-results.json, junit.xml, sarif.json, poam.csv, evidence/ and SHA256SUMS; scan exit code $rc (3 = FAIL cells found, as the demo intends)";;
  *) echo "demo: the scan failed (exit $rc)"; exit "$rc";;
esac
