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
# Writes the bundle to out/demo (OUT=DIR to change), signed with a
# throwaway ECDSA P-256 key (out/demo-work/signer.pem, .pub), and checks
# the signature with sc8scan verify and with openssl alone. The lab, the
# images and the recording go to out/demo-work, outside the signed bundle.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-out/demo}
work="$out-work"
rm -rf "$out" "$work"
mkdir -p "$out" "$work"
go build -trimpath -o bin/sc8lab ./pkg/internal/lab/cmd/sc8lab

pcap=testdata/demo-traffic/demo-east.pcap
if [ "$(id -u)" -eq 0 ] && command -v tcpdump >/dev/null && command -v ip >/dev/null; then
  if bin/sc8lab -record "$work/traffic.pcap"; then pcap="$work/traffic.pcap"; fi
fi
echo "demo: capture $pcap"

echo "demo: building the demo images (cached after the first run)"
maps=()
declare -A local
while read -r ref; do
  local[${ref##*/}]=$ref
done < <(go run ./pkg/fips/imagebuild/fipsimages -out "$work/images")
while read -r ref variant; do
  [ -n "${local[$variant]:-}" ] && maps+=(--image-map "$ref=${local[$variant]}")
done < <(go run ./pkg/internal/lab/cmd/sc8lab -image-variants)

echo "demo: a throwaway signing key, $work/signer.pem"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/signer.pem" 2>/dev/null
openssl pkey -in "$work/signer.pem" -pubout -out "$work/signer.pub"

set +e
bin/sc8lab -out "$work/lab" -- bin/sc8scan scan \
  --from testdata/demo --cluster demo-east \
  --targets "$work/lab/targets.json" --ca "$work/lab/ca.pem" \
  --pcap "$pcap" \
  --images --offline "${maps[@]}" \
  --waivers testdata/demo-waivers.yaml \
  --sign-key "$work/signer.pem" \
  --out "$out"
rc=$?
set -e
echo
case $rc in
  0|3|4|5) echo "demo: bundle written to $out: matrix.md and matrix.html to read, matrix.json, matrix.csv, oscal-assessment-results.json, junit.xml, sarif.json, poam.csv, evidence/, SHA256SUMS and SHA256SUMS.sig; scan exit code $rc (3 = FAIL cells found, as the demo intends)";;
  *) echo "demo: the scan failed (exit $rc)"; exit "$rc";;
esac
echo "demo: checking the signature"
bin/sc8scan verify "$out" --key "$work/signer.pub"
pub="$(cd "$work" && pwd)/signer.pub"
(cd "$out" && openssl dgst -sha256 -verify "$pub" -signature SHA256SUMS.sig SHA256SUMS)
