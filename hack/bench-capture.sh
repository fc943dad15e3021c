#!/usr/bin/env bash
# Times `sc8scan capture` against `tshark -Y tls.handshake -T fields` on the
# same capture of real traffic, in one run, checks that the TLS fields agree
# (SNI, offered ALPN and JA3 of every ClientHello; version and cipher suite of
# every ServerHello) and prints the ratio.
#
# The capture is recorded here, on loopback: Go crypto/tls clients and servers
# (TLS 1.3; TLS 1.2 with client certificates and Istio-shaped SNI/ALPN; TLS
# 1.2 one-way) and plaintext, CONNS connections of MSGS echo exchanges each.
# Needs root (tcpdump), tshark, openssl. CONNS=4000 MSGS=60 give about 600,000
# packets. KEEP=DIR keeps the capture and both outputs in DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
conns=${CONNS:-4000}
msgs=${MSGS:-60}
port=${PORT:-27443}
work=$(mktemp -d)
tdpid=""
cleanup() {
  [ -n "$tdpid" ] && kill "$tdpid" 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP"; cp "$work"/bench.pcap "$work"/ours.json "$work"/tshark.tsv "$KEEP"/ 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
for p in tshark tcpdump openssl capinfos; do
  command -v "$p" >/dev/null || { echo "bench-capture: $p is not installed (hack/deps.sh)"; exit 1; }
done

go build -trimpath -o "$work/sc8scan" ./cmd/sc8scan
go build -trimpath -o "$work/gentraffic" ./pkg/capture/internal/gentraffic
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" \
  -days 1 -subj /CN=sc8-bench-ca -addext subjectAltName=DNS:bench.test 2>/dev/null

echo "recording $conns connections x $msgs exchanges on 127.0.0.1:$port-$((port + 3))"
tcpdump -s 0 -B 131072 -i lo -w "$work/bench.pcap" "tcp portrange $port-$((port + 3))" 2>"$work/tcpdump.log" &
tdpid=$!
sleep 1
"$work/gentraffic" load -host 127.0.0.1 -port "$port" -conns "$conns" -msgs "$msgs" -par 4 \
  -cert "$work/ca.pem" -key "$work/ca.key" -ca "$work/ca.pem"
sleep 2
kill -INT "$tdpid"; wait "$tdpid" 2>/dev/null || true; tdpid=""
grep -E 'captured|dropped' "$work/tcpdump.log" || true
packets=$(capinfos -M -c "$work/bench.pcap" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
bytes=$(stat -c %s "$work/bench.pcap")
echo "capture: $packets packets, $((bytes / 1024 / 1024)) MiB"

cat "$work/bench.pcap" >/dev/null # page cache, for both tools alike

/usr/bin/time -f '%e %U %S %M' -o "$work/ours.time" \
  "$work/sc8scan" capture --pcap "$work/bench.pcap" --output json >"$work/ours.json"
/usr/bin/time -f '%e %U %S %M' -o "$work/tshark.time" \
  tshark -n -r "$work/bench.pcap" -Y tls.handshake -T fields \
  -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport \
  -e tls.handshake.type -e tls.handshake.version -e tls.handshake.extensions.supported_version \
  -e tls.handshake.ciphersuite -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str \
  -e tls.handshake.ja3 -e tls.handshake.certificate_length >"$work/tshark.tsv" 2>/dev/null

"$work/gentraffic" compare -ours "$work/ours.json" -tshark "$work/tshark.tsv"

read -r ow ou os om <"$work/ours.time"
read -r tw tu ts tm <"$work/tshark.time"
flows=$(grep -o '"flows": [0-9][0-9]*' "$work/ours.json" | tail -1 | awk '{print $2}')
awk -v p="$packets" -v f="$flows" -v ow="$ow" -v oc="$(awk -v a="$ou" -v b="$os" 'BEGIN{print a+b}')" -v om="$om" \
  -v tw="$tw" -v tc="$(awk -v a="$tu" -v b="$ts" 'BEGIN{print a+b}')" -v tm="$tm" 'BEGIN {
  if (ow <= 0) ow = 0.01; if (oc <= 0) oc = 0.01
  printf "sc8scan capture: %6.2f s wall, %6.2f s CPU, %4d MiB max RSS, %.2f Mpkt/s per CPU-second (%d flows)\n", ow, oc, om / 1024, p / oc / 1e6, f
  printf "tshark         : %6.2f s wall, %6.2f s CPU, %4d MiB max RSS, %.2f Mpkt/s per CPU-second\n", tw, tc, tm / 1024, p / tc / 1e6
  printf "ratio, wall: %.1fx   ratio, CPU: %.1fx\n", tw / ow, tc / oc
}'
