#!/usr/bin/env bash
# make demo: scan the embedded demo cluster (testdata/demo) with every kind
# of evidence:
#   probes   a real local lab: one loopback endpoint per Service port (TLS,
#            mTLS, PERMISSIVE, STARTTLS, cleartext), probed for real;
#   policy   the Istio policies of the dump;
#   capture  the demo's pod-to-pod traffic, recorded now in a network
#            namespace when run as root with ip and tcpdump, otherwise the
#            recording shipped in testdata/demo-traffic;
#   images   real Go builds in several crypto modes standing in for the
#            demo's images (OCI layouts), inspected for FIPS modules.
# Writes the bundle to out/demo (OUT=DIR to change).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out/demo}
rm -rf "$out"
mkdir -p "$out"
go build -trimpath -o bin/sc8lab ./pkg/internal/lab/cmd/sc8lab

pcap=testdata/demo-traffic/demo-east.pcap
if [ "$(id -u)" -eq 0 ] && command -v tcpdump >/dev/null && command -v ip >/dev/null; then
  if bin/sc8lab -record "$out/traffic.pcap"; then pcap="$out/traffic.pcap"; fi
fi
echo "demo: capture $pcap"

echo "demo: building the demo images (cached after the first run)"
maps=()
declare -A local
while read -r ref; do
  local[${ref##*/}]=$ref
done < <(go run ./pkg/fips/imagebuild/fipsimages -out "$out/images")
while read -r ref variant; do
  [ -n "${local[$variant]:-}" ] && maps+=(--image-map "$ref=${local[$variant]}")
done < <(go run ./pkg/internal/lab/cmd/sc8lab -image-variants)

set +e
bin/sc8lab -out "$out/lab" -- bin/sc8scan scan \
  --from testdata/demo --cluster demo-east \
  --targets "$out/lab/targets.json" --ca "$out/lab/ca.pem" \
  --pcap "$pcap" \
  --images --offline "${maps[@]}" \
  --waivers testdata/demo-waivers.yaml \
  --out "$out"
rc=$?
set -e
echo
case $rc in
  0|3|4|5) echo "demo: bundle written to $out: matrix.md and matrix.html to read, matrix.json, matrix.csv, oscal-assessment-results.json, junit.xml, sarif.json, poam.csv, evidence/ and SHA256SUMS; scan exit code $rc (3 = FAIL cells found, as the demo intends)";;
  *) echo "demo: the scan failed (exit $rc)"; exit "$rc";;
esac
