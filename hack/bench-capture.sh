#!/usr/bin/env bash
# Times `sc8scan capture --output json` (indented JSON) and the sensor's
# `sc8sensor -pcap` (JSON lines) against `tshark -Y tls.handshake -T fields`
# on the same captures of real traffic, checks that the TLS fields agree
# (SNI, offered ALPN and JA3 of every ClientHello; version and cipher suite
# of every ServerHello) and prints, for each capture and each of ours, the
# wall and CPU ratios, our packets per CPU-second and peak RSS.
#
# Two captures are recorded here, on loopback, from Go crypto/tls clients and
# servers (TLS 1.3; TLS 1.2 with client certificates and Istio-shaped
# SNI/ALPN; TLS 1.2 one-way) and plaintext:
#   dense: DENSE_CONNS connections (default 18000) of one HTTP/1.1 request
#          and response each, closed by the server: health checks and HTTP/1
#          without keep-alive, mostly handshakes (about 330,000 packets);
#   bulk:  CONNS connections (default 4000) of MSGS echo exchanges each
#          (default 60): long connections, about 600,000 packets.
# MODE=dense or MODE=bulk runs one of them (default both). Each tool runs
# RUNS times (default 3) on the page-cached capture; the least wall and the
# least CPU time of its runs are kept (the machine may be shared), and its
# largest peak RSS. Needs root (tcpdump), tshark, openssl. KEEP=DIR keeps
# the captures and outputs in DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${MODE:-both}
runs=${RUNS:-3}
port=${PORT:-27443}
work=$(mktemp -d)
tdpid=""
cleanup() {
  [ -n "$tdpid" ] && kill "$tdpid" 2>/dev/null || true
  if [ -n "${KEEP:-}" ]; then mkdir -p "$KEEP"; cp "$work"/*.pcap "$work"/*.json "$work"/*.jsonl "$work"/*.tsv "$KEEP"/ 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
for p in tshark tcpdump openssl capinfos; do
  command -v "$p" >/dev/null || { echo "bench-capture: $p is not installed (hack/deps.sh)"; exit 1; }
done

go build -trimpath -o "$work/sc8scan" ./cmd/sc8scan
go build -trimpath -o "$work/sc8sensor" ./cmd/sc8sensor
go build -trimpath -o "$work/gentraffic" ./pkg/capture/internal/gentraffic
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" \
  -days 1 -subj /CN=sc8-bench-ca -addext subjectAltName=DNS:bench.test 2>/dev/null

# best NAME OUT CMD...: runs CMD RUNS times with its output in OUT and
# writes "wall CPU maxRSS-KiB" to $work/NAME.time: the least wall and CPU
# seen, the largest RSS.
best() {
  local name=$1 out=$2; shift 2
  local w=1e9 c=1e9 m=0 i tw tu ts tm
  for i in $(seq "$runs"); do
    /usr/bin/time -f '%e %U %S %M' -o "$work/run.time" "$@" >"$out" 2>/dev/null
    read -r tw tu ts tm <"$work/run.time"
    w=$(awk -v a="$w" -v b="$tw" 'BEGIN{print (b < a) ? b : a}')
    c=$(awk -v a="$c" -v u="$tu" -v s="$ts" 'BEGIN{x = u + s; print (x < a) ? x : a}')
    m=$((tm > m ? tm : m))
  done
  echo "$w $c $m" >"$work/$name.time"
}

# bench NAME CONNS [gentraffic load flags...]
bench() {
  local name=$1 conns=$2; shift 2
  local pcap=$work/$name.pcap
  echo "== $name: recording $conns connections on 127.0.0.1:$port-$((port + 3))"
  tcpdump -s 0 -B 131072 -i lo -w "$pcap" "tcp portrange $port-$((port + 3))" 2>"$work/tcpdump.log" &
  tdpid=$!
  sleep 1
  "$work/gentraffic" load -host 127.0.0.1 -port "$port" -conns "$conns" -par 4 \
    -cert "$work/ca.pem" -key "$work/ca.key" -ca "$work/ca.pem" "$@"
  sleep 2
  kill -INT "$tdpid"; wait "$tdpid" 2>/dev/null || true; tdpid=""
  grep -E 'captured|dropped' "$work/tcpdump.log" || true
  local packets bytes
  packets=$(capinfos -M -c "$pcap" | awk -F: '/Number of packets/ {gsub(/ /, "", $2); print $2}')
  bytes=$(stat -c %s "$pcap")
  echo "capture: $packets packets, $((bytes / 1024 / 1024)) MiB"

  cat "$pcap" >/dev/null # page cache, for both tools alike

  best "$name-ours" "$work/$name-ours.json" "$work/sc8scan" capture --pcap "$pcap" --output json
  best "$name-sensor" "$work/$name-sensor.jsonl" "$work/sc8sensor" -pcap "$pcap"
  best "$name-tshark" "$work/$name-tshark.tsv" \
    tshark -n -r "$pcap" -Y tls.handshake -T fields \
    -e frame.number -e ip.src -e tcp.srcport -e ip.dst -e tcp.dstport \
    -e tls.handshake.type -e tls.handshake.version -e tls.handshake.extensions.supported_version \
    -e tls.handshake.ciphersuite -e tls.handshake.extensions_server_name -e tls.handshake.extensions_alpn_str \
    -e tls.handshake.ja3 -e tls.handshake.certificate_length

  "$work/gentraffic" compare -ours "$work/$name-ours.json" -tshark "$work/$name-tshark.tsv"
  "$work/gentraffic" compare -ours "$work/$name-sensor.jsonl" -tshark "$work/$name-tshark.tsv" >/dev/null

  local tw tc tm flows
  read -r tw tc tm <"$work/$name-tshark.time"
  flows=$(grep -o '"flows": [0-9][0-9]*' "$work/$name-ours.json" | tail -1 | awk '{print $2}')
  awk -v p="$packets" -v w="$tw" -v c="$tc" -v m="$tm" 'BEGIN {
    printf "%-17s: %6.2f s wall, %6.2f s CPU, %4d MiB max RSS, %.2f Mpkt/s per CPU-second\n", "tshark", w, c, m / 1024, p / c / 1e6 }'
  # The classifier alone, in one goroutine on one core (GOMAXPROCS=1, so
  # the garbage collector's work is in the time too): no process start, no
  # JSON.
  local ns
  ns=$(SC8_BENCH_PCAP=$pcap go test -run '^$' -bench '^BenchmarkReadFile$' -benchtime "${runs}x" -count 1 -cpu 1 ./pkg/capture/ |
    awk '/^BenchmarkReadFile/ {print $3}')
  awk -v n="$name" -v p="$packets" -v ns="$ns" -v tc="$tc" 'BEGIN {
    s = ns / 1e9
    printf "%s, classifier alone (Go benchmark, one core): %.3f s, ratio to tshark CPU: %.1fx, %.2f Mpkt/s per core\n", n, s, tc / s, p / s / 1e6
  }' | tee -a "$work/summary"
  local tool ow oc om
  for tool in ours sensor; do
    read -r ow oc om <"$work/$name-$tool.time"
    awk -v n="$name" -v t="$tool" -v p="$packets" -v f="$flows" -v ow="$ow" -v oc="$oc" -v om="$om" \
      -v tw="$tw" -v tc="$tc" 'BEGIN {
      if (ow <= 0) ow = 0.01; if (oc <= 0) oc = 0.01
      label = t == "ours" ? "sc8scan capture" : "sc8sensor -pcap"
      printf "%-17s: %6.2f s wall, %6.2f s CPU, %4d MiB max RSS, %.2f Mpkt/s per CPU-second (%d flows)\n", label, ow, oc, om / 1024, p / oc / 1e6, f
      printf "%s, %s: ratio, wall: %.1fx   ratio, CPU: %.1fx   %.2f Mpkt/s per CPU-second, %d MiB max RSS (%d packets)\n", n, label, tw / ow, tc / oc, p / oc / 1e6, om / 1024, p
    }' | tee -a "$work/summary"
  done
}

case $mode in
dense | both) bench dense "${DENSE_CONNS:-18000}" -dense ;;
esac
case $mode in
bulk | both) bench bulk "${CONNS:-4000}" -msgs "${MSGS:-60}" ;;
esac
echo "== summary"
grep 'ratio' "$work/summary"
