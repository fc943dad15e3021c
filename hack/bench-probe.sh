#!/usr/bin/env bash
# Benchmark of `sc8scan probe` against sslscan and testssl.sh.
#
# Stands up ten loopback TLS endpoints (openssl s_server and nginx with
# varied versions, suites, key types and client-auth modes), then in one run:
#   - sc8scan probe enumerates all ten (one invocation, median of 3 runs);
#   - sslscan runs against each endpoint one after another;
#   - testssl.sh -e (each cipher) runs against each endpoint one after another;
# checks that the accepted cipher suites agree and prints the time ratios.
# Needs openssl, nginx, sslscan, testssl.sh, jq and bc (hack/deps.sh). Takes
# four to six minutes, nearly all of it testssl.sh; TESTSSL=0 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
for p in openssl nginx sslscan testssl jq; do
  command -v "$p" >/dev/null || PATH=$PATH:/usr/sbin command -v "$p" >/dev/null || { echo "bench-probe: $p is not installed (hack/deps.sh)" >&2; exit 1; }
done
PATH=$PATH:/usr/sbin

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

go build -trimpath -o "$work/sc8scan" ./cmd/sc8scan

# Keys and certificates: a CA, an RSA, an ECDSA P-256 and an ECDSA P-384 leaf.
cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.crt -subj "/CN=bench CA" -days 2 2>/dev/null
leaf() { # name keyargs...
  local n=$1; shift
  openssl req -newkey "$@" -nodes -keyout "$n.key" -out "$n.csr" -subj "/CN=localhost" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$n.ext"
  openssl x509 -req -in "$n.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -out "$n.crt" -days 2 -extfile "$n.ext" 2>/dev/null
}
leaf rsa rsa:2048
leaf ec256 ec -pkeyopt ec_paramgen_curve:P-256
leaf ec384 ec -pkeyopt ec_paramgen_curve:P-384

# Ten free ports.
ports=()
p=$((20000 + RANDOM % 12000)) # below the ephemeral range
while [ ${#ports[@]} -lt 10 ]; do
  p=$((p + 1))
  if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then ports+=("$p"); fi
done

s_server() { # port cert args...
  local port=$1 cert=$2; shift 2
  openssl s_server -quiet -www -accept "127.0.0.1:$port" -cert "$cert.crt" -key "$cert.key" -CAfile ca.crt "$@" >/dev/null 2>&1 &
  pids+=($!)
}
nginx_server() { # port cert directives
  local port=$1 cert=$2 directives=$3 d="$work/nginx-$1"
  mkdir -p "$d"
  cat > "$d/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1; pid $d/nginx.pid; error_log $d/error.log;
events { worker_connections 256; }
http { access_log off; client_body_temp_path $d; proxy_temp_path $d; fastcgi_temp_path $d; uwsgi_temp_path $d; scgi_temp_path $d;
  server { listen 127.0.0.1:$port ssl; ssl_certificate $work/$cert.crt; ssl_certificate_key $work/$cert.key;
    $directives
    location / { return 200 "ok\n"; } } }
CONF
  nginx -p "$d" -c "$d/nginx.conf" -e "$d/error.log" &
  pids+=($!)
}

s_server "${ports[0]}" rsa                                   # OpenSSL defaults: TLS 1.2 + 1.3
s_server "${ports[1]}" rsa -tls1 -cipher 'ALL:@SECLEVEL=0'   # TLS 1.0 legacy
s_server "${ports[2]}" ec256 -no_tls1_3 -serverpref          # ECDSA only
s_server "${ports[3]}" rsa -tls1_2 -serverpref -cipher 'DHE-RSA-AES128-CCM:DHE-RSA-AES256-CCM:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384'  # DHE + CCM
s_server "${ports[4]}" ec256 -tls1_3 -ciphersuites 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256'  # TLS 1.3 with CCM
s_server "${ports[5]}" rsa -Verify 1                         # client certificate required
s_server "${ports[6]}" rsa -no_tls1_3 -cipher 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'  # everything OpenSSL has, TLS 1.0-1.2
nginx_server "${ports[7]}" rsa "ssl_protocols TLSv1.2 TLSv1.3; ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256; ssl_prefer_server_ciphers off;"
nginx_server "${ports[8]}" rsa "ssl_protocols TLSv1.2; ssl_ciphers HIGH:!aNULL; ssl_prefer_server_ciphers on;"
nginx_server "${ports[9]}" ec384 "ssl_protocols TLSv1.2 TLSv1.3; ssl_ecdh_curve secp384r1:prime256v1; ssl_verify_client on; ssl_client_certificate $work/ca.crt;"

for p in "${ports[@]}"; do
  up=0
  for _ in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && { up=1; break; }; sleep 0.1; done
  if [ "$up" = 0 ]; then
    echo "bench-probe: nothing listens on 127.0.0.1:$p after 20s" >&2
    cat "$work"/nginx-"$p"/error.log 2>/dev/null >&2 || true
    exit 1
  fi
done
targets=()
for p in "${ports[@]}"; do targets+=("127.0.0.1:$p"); done

now() { date +%s.%N; }
elapsed() { echo "$2 - $1" | bc -l; }

# IANA names by code point, from sc8scan's own embedded table.
iana=$(cd - >/dev/null; pwd)/pkg/cryptoref/data/iana-tls.json
jq -r '.cipherSuites[] | "\(.id[2:]) \(.name)"' "$iana" > "$work/iana-names"

echo "== sc8scan probe (10 endpoints, full enumeration, median of 3 runs)"
runs=()
for i in 1 2 3; do
  t0=$(now); "$work/sc8scan" probe --output json "${targets[@]}" > "$work/sc8-$i.json"; t1=$(now)
  runs+=("$(elapsed "$t0" "$t1")")
done
sc8=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)
hs=$(jq '[.results[] | .tls.versions | length] | add' "$work/sc8-2.json")
printf '   runs: %s s; median %.3f s\n' "${runs[*]}" "$sc8"

echo "== sslscan (one endpoint after another)"
t0=$(now)
for i in "${!targets[@]}"; do sslscan --no-colour --xml="$work/sslscan-$i.xml" "${targets[$i]}" >/dev/null 2>&1 || true; done
t1=$(now); ssl=$(elapsed "$t0" "$t1")
printf '   %.3f s\n' "$ssl"

tss=""
if [ "${TESTSSL:-1}" != 0 ]; then
  echo "== testssl.sh -e (one endpoint after another)"
  t0=$(now)
  for i in "${!targets[@]}"; do
    testssl --quiet --color 0 --warnings off -e --jsonfile "$work/testssl-$i.json" "${targets[$i]}" >/dev/null 2>&1 || true
  done
  t1=$(now); tss=$(elapsed "$t0" "$t1")
  printf '   %.3f s\n' "$tss"
fi

echo "== accepted suites per endpoint (sc8scan vs sslscan per version; vs testssl.sh as a set)"
agree=0
for i in "${!targets[@]}"; do
  jq -r --argjson i "$i" '.results[$i].tls.versions[] | .version as $v | .cipherSuites[] | "\($v) \(.)"' "$work/sc8-2.json" | sort > "$work/a-$i"
  { grep -o '<cipher status="[a-z]*" sslversion="[^"]*" [^>]* id="0x[0-9a-fA-F]*"' "$work/sslscan-$i.xml" 2>/dev/null || true; } \
    | sed -E 's/.*sslversion="([^"]*)".* id="0x([0-9a-fA-F]*)"/\1 \2/' \
    | awk 'NR==FNR { name[$1] = $2; next } { id = toupper($2); while (length(id) < 4) id = "0" id; print $1, (id in name ? name[id] : "0x" id) }' "$work/iana-names" - \
    | sort > "$work/b-$i"
  verdict="agree"
  if [ ! -s "$work/a-$i" ] && [ ! -s "$work/b-$i" ]; then
    verdict="NOTHING FOUND by either tool"
  elif ! cmp -s "$work/a-$i" "$work/b-$i"; then
    verdict="DIFFER: sc8scan-only $(comm -23 "$work/a-$i" "$work/b-$i" | wc -l), sslscan-only $(comm -13 "$work/a-$i" "$work/b-$i" | wc -l)"
  else
    agree=$((agree + 1))
  fi
  tverdict=""
  if [ -n "$tss" ] && [ -s "$work/testssl-$i.json" ]; then
    cut -d' ' -f2 "$work/a-$i" | sort -u > "$work/as-$i"
    { jq -r '.[] | select(.id|startswith("cipher_x")) | .finding | split(" ") | map(select(length>0)) | last' "$work/testssl-$i.json" || true; } | sort -u > "$work/t-$i"
    if cmp -s "$work/as-$i" "$work/t-$i"; then tverdict="; testssl.sh agrees"; else
      tverdict="; testssl.sh DIFFERS: sc8scan-only $(comm -23 "$work/as-$i" "$work/t-$i" | tr '\n' ' ')testssl-only $(comm -13 "$work/as-$i" "$work/t-$i" | tr '\n' ' ')"; fi
  fi
  auth=$(jq -r --argjson i "$i" '.results[$i].tls.clientAuth' "$work/sc8-2.json")
  dur=$(jq -r --argjson i "$i" '.results[$i].duration' "$work/sc8-2.json")
  printf '   %-17s %3d suites, client auth %-8s in %-6s sslscan %s%s\n' "${targets[$i]}" "$(wc -l < "$work/a-$i")" "$auth" "$dur" "$verdict" "$tverdict"
done

echo "== result"
printf '   sc8scan probe: %.3f s for 10 endpoints (%s accepted versions)\n' "$sc8" "$hs"
printf '   sslscan:       %.3f s  -> sc8scan is %.1fx faster\n' "$ssl" "$(echo "$ssl / $sc8" | bc -l)"
if [ -n "$tss" ]; then
  printf '   testssl.sh -e: %.3f s  -> sc8scan is %.1fx faster\n' "$tss" "$(echo "$tss / $sc8" | bc -l)"
fi
printf '   suites agree with sslscan on %d of 10 endpoints\n' "$agree"
