#!/usr/bin/env bash
# Records the captures in testdata/pcap from real programs: openssl
# s_server/s_client (TLS 1.0 to 1.3, mTLS), nginx and curl, PostgreSQL
# (SSLRequest), MariaDB (SSLRequest), redis, dig, and Go crypto/tls peers (Istio- and Linkerd-shaped
# handshakes, a reused 4-tuple, h2c gRPC, HTTP CONNECT, SMTP STARTTLS), on
# loopback or between network namespaces joined by veth pairs (198.18.0.0/15
# only): one link with MTU 300 so the ClientHello is split over segments,
# captured with tcpdump -i any (SLL2), and a VXLAN overlay.
#
# The classifier's own cases (TLS after an IMAP, POP3 or XMPP STARTTLS
# prelude from openssl s_client -starttls, inside SOCKS 4, 4a and 5 tunnels
# from curl, after an SSL 2.0-compatible ClientHello to openssl s_server,
# QUIC Initials whose ClientHello spans CRYPTO frames and packets, a TLS 1.3
# draft-28 exchange)
# are recorded into pkg/capture/testdata/pcap; ONLY=breadth records just
# those (and needs only tcpdump, openssl, curl and go).
#
# Run as root: hack/gen-pcaps.sh [DIR]   (default testdata/pcap)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-testdata/pcap}")
pkgout=$(realpath -m pkg/capture/testdata/pcap)
need="tcpdump openssl curl go"
# Besides hack/deps.sh's packages the rest needs redis-server, mariadb-server
# and dnsutils (the tests read the committed captures and do not).
[ "${ONLY:-}" = breadth ] || need="$need nginx psql redis-server redis-cli mariadbd mariadb dig editcap"
for p in $need; do
  command -v "$p" >/dev/null || [ -x "/usr/sbin/$p" ] || { echo "gen-pcaps: $p is not installed" >&2; exit 1; }
done
mkdir -p "$out" "$pkgout"
work=$(mktemp -d)
pids=()
ns_a=sc8cap-a-$$
ns_b=sc8cap-b-$$

cleanup() {
  [ -n "${tdpid:-}" ] && kill "$tdpid" 2>/dev/null || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del "$ns_a" 2>/dev/null || true
  ip netns del "$ns_b" 2>/dev/null || true
  if [ -f "$work/pg/postmaster.pid" ]; then su postgres -c "$pgbin/pg_ctl -D $work/pg -m immediate stop" >/dev/null 2>&1 || true; fi
  if [ -f "$work/nginx.pid" ]; then kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

go build -o "$work/gentraffic" ./pkg/capture/internal/gentraffic
gt=$work/gentraffic

# Throwaway P-256 CA, server certificate and a client certificate with a
# SPIFFE URI SAN.
cd "$work"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem -days 3650 -subj /CN=sc8-capture-test-ca 2>/dev/null
for n in server client; do
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout $n.key -out $n.csr -subj /O=sc8/CN=$n 2>/dev/null
done
printf 'subjectAltName=DNS:server.test,DNS:localhost,IP:127.0.0.1,IP:198.18.0.2\n' >s.ext
printf 'subjectAltName=URI:spiffe://cluster.local/ns/default/sa/client\n' >c.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 3650 -extfile s.ext 2>/dev/null
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 3650 -extfile c.ext 2>/dev/null
chmod 644 ./*.pem ./*.key

# start_capture NAME FILTER [tcpdump args...]: records into $out/NAME.pcap
# ($dest/NAME.pcap when dest is set).
tdpid=""
start_capture() {
  local name=$1 filter=$2; shift 2
  tcpdump --immediate-mode -U -s 0 -i lo "$@" -w "${dest:-$out}/$name.pcap" "$filter" 2>/dev/null &
  tdpid=$!
  sleep 1
}
stop_capture() {
  sleep 1
  kill -INT "$tdpid"
  wait "$tdpid" 2>/dev/null || true
}
bg() { "$@" >/dev/null 2>&1 & pids+=($!); }
s_client() { timeout 5 openssl s_client "$@" </dev/null >/dev/null 2>&1 || true; }
get() { printf 'GET / HTTP/1.0\r\n\r\n' | timeout 5 openssl s_client -quiet "$@" >/dev/null 2>&1 || true; }
waitport() { for _ in $(seq 50); do ss -ltn | grep -q ":$1 " && return; sleep 0.1; done; echo "port $1 did not open" >&2; exit 1; }

dest=$pkgout
echo "== STARTTLS after IMAP (TLS 1.2), POP3 (TLS 1.3), XMPP (TLS 1.2) preludes (openssl s_client -starttls)"
start_capture starttls-mail 'tcp port 18143 or tcp port 18110 or tcp port 18222'
bg "$gt" prelude-server -proto imap -addr 127.0.0.1:18143 -cert server.pem -key server.key -version 1.2
bg "$gt" prelude-server -proto pop3 -addr 127.0.0.1:18110 -cert server.pem -key server.key -version 1.3
bg "$gt" prelude-server -proto xmpp -addr 127.0.0.1:18222 -cert server.pem -key server.key -version 1.2
waitport 18143; waitport 18110; waitport 18222
s_client -connect 127.0.0.1:18143 -starttls imap -servername imap.test
s_client -connect 127.0.0.1:18110 -starttls pop3 -servername pop3.test
s_client -connect 127.0.0.1:18222 -starttls xmpp -xmpphost xmpp.test -servername xmpp.test
stop_capture

echo "== TLS inside SOCKS 5, 4a and 4 tunnels (curl)"
start_capture socks 'tcp port 11080'
bg "$gt" server -addr 127.0.0.1:18451 -cert server.pem -key server.key -n 3
bg "$gt" socks-proxy -addr 127.0.0.1:11080 -to 127.0.0.1:18451 -n 3
waitport 18451; waitport 11080
curl -sk --max-time 5 -x socks5h://127.0.0.1:11080 -o /dev/null https://socks5.test/ || true
curl -sk --max-time 5 -x socks4a://127.0.0.1:11080 -o /dev/null https://socks4a.test/ || true
curl -sk --max-time 5 -x socks4://127.0.0.1:11080 -o /dev/null https://127.0.0.1/ || true
stop_capture

echo "== SSL 2.0-compatible ClientHello, answered in TLS 1.2 (openssl s_server, RSA: the hello has no groups for ECDHE-ECDSA)"
openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.pem -days 3650 -subj /CN=sslv2.test 2>/dev/null
start_capture sslv2-hello 'tcp port 18452'
bg openssl s_server -accept 127.0.0.1:18452 -cert rsa.pem -key rsa.key -tls1_2 -cipher 'ALL:@SECLEVEL=0' -www
waitport 18452
"$gt" sslv2-hello -addr 127.0.0.1:18452
stop_capture; kill "${pids[-1]}"
echo "== QUIC Initials: a crypto/tls ClientHello in out-of-order CRYPTO frames over two packets; the second client on a port below the server's"
start_capture quic-split 'udp port 18453 or udp port 28453'
bg "$gt" udp-sink -addr 127.0.0.1:18453 -for 5s
bg "$gt" udp-sink -addr 127.0.0.1:28453 -for 5s
sleep 0.5
"$gt" quic-client -addr 127.0.0.1:18453 -sni quic.test -alpn h3
"$gt" quic-client -addr 127.0.0.1:28453 -lport 18454 -sni low-port.test -alpn h3,h3-29
stop_capture
echo "== TLS 1.3 draft 28: crypto/tls's ClientHello offering 0x7f1c, a server answering in draft 28 (both made by gentraffic)"
start_capture tls13-draft 'tcp port 18455'
bg "$gt" draft13-server -addr 127.0.0.1:18455
waitport 18455
"$gt" draft13-client -addr 127.0.0.1:18455 -sni draft.test
stop_capture
dest=""
if [ "${ONLY:-}" = breadth ]; then ls -l "$pkgout"; exit 0; fi

echo "== TLS 1.3 (openssl, curl, IPv4 and IPv6)"
start_capture tls13 'tcp port 18443'
bg openssl s_server -accept 18443 -cert server.pem -key server.key -tls1_3 -www
waitport 18443
get -connect 127.0.0.1:18443 -servername api.test -alpn h2,http/1.1
get -connect '[::1]:18443' -servername v6.test
curl -sk --tlsv1.3 -o /dev/null https://localhost:18443/ || true
stop_capture; kill "${pids[-1]}"

echo "== TLS 1.3 mTLS (openssl)"
start_capture tls13-mtls 'tcp port 18443'
bg openssl s_server -accept 127.0.0.1:18443 -cert server.pem -key server.key -CAfile ca.pem -Verify 1 -tls1_3 -www
waitport 18443
get -connect 127.0.0.1:18443 -servername mtls13.test -cert client.pem -key client.key
stop_capture; kill "${pids[-1]}"

echo "== TLS 1.2 mTLS, optional client certificate declined, one-way, resumption (openssl, curl)"
start_capture tls12 'tcp port 18443 or tcp port 18444 or tcp port 18445'
bg openssl s_server -accept 127.0.0.1:18443 -cert server.pem -key server.key -CAfile ca.pem -Verify 1 -tls1_2 -www
bg openssl s_server -accept 127.0.0.1:18444 -cert server.pem -key server.key -CAfile ca.pem -verify 1 -tls1_2 -www
bg openssl s_server -accept 127.0.0.1:18445 -cert server.pem -key server.key -tls1_2 -www
waitport 18443; waitport 18444; waitport 18445
get -connect 127.0.0.1:18443 -servername mtls12.test -alpn http/1.1 -cert client.pem -key client.key
get -connect 127.0.0.1:18444 -servername optional12.test
get -connect 127.0.0.1:18445 -servername oneway12.test -sess_out sess.pem
get -connect 127.0.0.1:18445 -servername oneway12.test -sess_in sess.pem
curl -sk --tls-max 1.2 -o /dev/null https://127.0.0.1:18445/ || true
stop_capture; kill "${pids[-1]}" "${pids[-2]}" "${pids[-3]}"

echo "== TLS 1.1 and 1.0 (openssl at security level 0)"
start_capture tls10-11 'tcp port 18443 or tcp port 18444'
bg openssl s_server -accept 127.0.0.1:18443 -cert server.pem -key server.key -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' -www
bg openssl s_server -accept 127.0.0.1:18444 -cert server.pem -key server.key -tls1 -cipher 'DEFAULT:@SECLEVEL=0' -www
waitport 18443; waitport 18444
get -connect 127.0.0.1:18443 -servername tls11.test -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0'
get -connect 127.0.0.1:18444 -servername tls10.test -tls1 -cipher 'DEFAULT:@SECLEVEL=0'
stop_capture; kill "${pids[-1]}" "${pids[-2]}"

echo "== TLS 1.3 HelloRetryRequest (client key share for P-256, server only X25519)"
start_capture tls13-hrr 'tcp port 28444'
bg openssl s_server -accept 127.0.0.1:28444 -cert server.pem -key server.key -tls1_3 -groups X25519 -www
waitport 28444
get -connect 127.0.0.1:28444 -servername hrr.test -groups P-256:X25519
stop_capture; kill "${pids[-1]}"

echo "== Linux cooked capture v1 (tcpdump -i any -y LINUX_SLL, filtered to the test port)"
tcpdump --immediate-mode -U -s 0 -i any -y LINUX_SLL -w "$out/sll.pcap" 'tcp port 28445' 2>/dev/null & tdpid=$!
sleep 1
bg openssl s_server -accept 127.0.0.1:28445 -cert server.pem -key server.key -tls1_2 -www
waitport 28445
get -connect 127.0.0.1:28445 -servername sll.test
stop_capture; kill "${pids[-1]}"

echo "== failed handshakes: version mismatch, plaintext to a TLS port"
start_capture tls-failed 'tcp port 18443'
bg openssl s_server -accept 127.0.0.1:18443 -cert server.pem -key server.key -tls1_3 -www
waitport 18443
s_client -connect 127.0.0.1:18443 -servername old.test -tls1_2
curl -s --max-time 3 -o /dev/null http://127.0.0.1:18443/ || true
stop_capture; kill "${pids[-1]}"

echo "== nginx: HTTPS (TLS 1.2 and 1.3, h2), plain HTTP/1.1, h2c"
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx; fastcgi_temp_path $work/nginx;
  uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server { listen 127.0.0.1:18446 ssl http2; ssl_certificate $work/server.pem; ssl_certificate_key $work/server.key;
           ssl_protocols TLSv1.2 TLSv1.3; location / { return 200 "ok\n"; } }
  server { listen 127.0.0.1:18080; location / { return 200 "ok\n"; } }
  server { listen 127.0.0.1:18081 http2; location / { return 200 "ok\n"; } }
}
NGINX
start_capture nginx 'tcp port 18446 or tcp port 18080 or tcp port 18081'
nginx -c "$work/nginx.conf"
waitport 18446
curl -sk --http2 --tlsv1.3 -o /dev/null https://localhost:18446/ || true
curl -sk --http1.1 --tls-max 1.2 -o /dev/null https://localhost:18446/ || true
curl -s -o /dev/null http://127.0.0.1:18080/ || true
curl -s --http1.0 -o /dev/null http://127.0.0.1:18080/ || true
curl -s --http2-prior-knowledge -o /dev/null http://127.0.0.1:18081/ || true
stop_capture
kill "$(cat "$work/nginx.pid")"; rm -f "$work/nginx.pid"

echo "== PostgreSQL: SSLRequest accepted (TLS), sslmode=disable (plaintext)"
pgbin=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
mkdir -p "$work/pg" && chown postgres "$work/pg" && chmod 700 "$work/pg"
chmod 755 "$work"
su postgres -c "$pgbin/initdb -D $work/pg -A trust -U postgres" >/dev/null
cp server.pem server.key "$work/pg/" && chown postgres "$work/pg/server.pem" "$work/pg/server.key" && chmod 600 "$work/pg/server.key"
su postgres -c "$pgbin/pg_ctl -D $work/pg -l $work/pg/log -o \"-p 15432 -k $work/pg -c listen_addresses=127.0.0.1 -c ssl=on -c ssl_cert_file=$work/pg/server.pem -c ssl_key_file=$work/pg/server.key\" -w start" >/dev/null
start_capture postgres 'tcp port 15432'
psql "host=127.0.0.1 port=15432 user=postgres dbname=postgres sslmode=require" -c 'select 1' >/dev/null
psql "host=127.0.0.1 port=15432 user=postgres dbname=postgres sslmode=disable" -c 'select 1' >/dev/null
stop_capture
su postgres -c "$pgbin/pg_ctl -D $work/pg -m fast stop" >/dev/null

echo "== MariaDB: SSLRequest then TLS (--ssl), plaintext (--skip-ssl)"
mkdir -p "$work/my" && cp server.pem server.key "$work/my/" && chown -R mysql "$work/my"
mariadb-install-db --user=mysql --datadir="$work/my/data" --skip-test-db >/dev/null
mariadbd --user=mysql --datadir="$work/my/data" --socket="$work/my/sock" --port=13306 --bind-address=127.0.0.1 \
  --ssl-cert="$work/my/server.pem" --ssl-key="$work/my/server.key" --skip-grant-tables --skip-log-bin >/dev/null 2>&1 & pids+=($!)
waitport 13306
start_capture mysql 'tcp port 13306'
mariadb -h 127.0.0.1 -P 13306 -u root --ssl -e 'select 1' >/dev/null
mariadb -h 127.0.0.1 -P 13306 -u root --skip-ssl -e 'select 1' >/dev/null
stop_capture; kill "${pids[-1]}"

echo "== redis (RESP), DNS query (dig)"
start_capture redis-dns 'tcp port 16379 or udp port 53'
bg redis-server --port 16379 --bind 127.0.0.1 --save '' --appendonly no
waitport 16379
redis-cli -p 16379 ping >/dev/null
redis-cli -p 16379 set sc8 capture >/dev/null
dig +tries=1 +time=1 @127.0.0.1 sc8.test >/dev/null 2>&1 || true
stop_capture; kill "${pids[-1]}"

echo "== Go crypto/tls: Istio sidecar, Istio HBONE, Linkerd, TLS 1.2 mTLS with istio-peer-exchange"
start_capture go-mesh 'tcp port 18447 or tcp port 15008 or tcp port 18448'
bg "$gt" server -addr 127.0.0.1:18447 -cert server.pem -key server.key -ca ca.pem -auth require -n 2
bg "$gt" server -addr 127.0.0.1:15008 -cert server.pem -key server.key -ca ca.pem -auth require -version 1.3
bg "$gt" server -addr 127.0.0.1:18448 -cert server.pem -key server.key -ca ca.pem -auth require -version 1.2
waitport 18447; waitport 15008; waitport 18448
"$gt" client -addr 127.0.0.1:18447 -sni outbound_.9080_._.reviews.default.svc.cluster.local -alpn istio-http/1.1,istio,http/1.1 -cert client.pem -key client.key
"$gt" client -addr 127.0.0.1:18447 -sni web.default.serviceaccount.identity.linkerd.cluster.local -cert client.pem -key client.key
"$gt" client -addr 127.0.0.1:15008 -alpn h2 -cert client.pem -key client.key
"$gt" client -addr 127.0.0.1:18448 -sni outbound_.5432_._.db.default.svc.cluster.local -alpn istio-peer-exchange,istio -cert client.pem -key client.key
stop_capture

echo "== a reused 4-tuple (new SYN after the server closed)"
start_capture reuse 'tcp port 18449'
bg "$gt" server -addr 127.0.0.1:18449 -cert server.pem -key server.key -n 2
waitport 18449
"$gt" reuse -addr 127.0.0.1:18449 -lport 41234
stop_capture

echo "== h2c gRPC (Go net/http2), HTTP CONNECT then TLS, SMTP STARTTLS"
start_capture proxy-grpc-smtp 'tcp port 18082 or tcp port 18083 or tcp port 18450 or tcp port 18025'
bg "$gt" h2c-server -addr 127.0.0.1:18083 -for 10s
bg "$gt" proxy -addr 127.0.0.1:18082
bg "$gt" server -addr 127.0.0.1:18450 -cert server.pem -key server.key
bg "$gt" smtp-server -addr 127.0.0.1:18025 -cert server.pem -key server.key
waitport 18083; waitport 18082; waitport 18450; waitport 18025
"$gt" grpc-client -addr 127.0.0.1:18083
curl -sk -p -x http://127.0.0.1:18082 -o /dev/null https://127.0.0.1:18450/ || true
"$gt" smtp-client -addr 127.0.0.1:18025
stop_capture

echo "== network namespaces: MTU-300 link (split ClientHello), tcpdump -i any (SLL2), VXLAN"
ip netns add "$ns_a"; ip netns add "$ns_b"
ip link add sc8v$$a type veth peer name sc8v$$b
ip link set sc8v$$a netns "$ns_a"; ip link set sc8v$$b netns "$ns_b"
ip -n "$ns_a" addr add 198.18.0.1/30 dev sc8v$$a; ip -n "$ns_b" addr add 198.18.0.2/30 dev sc8v$$b
ip -n "$ns_a" link set sc8v$$a mtu 300 up; ip -n "$ns_b" link set sc8v$$b mtu 300 up
ip -n "$ns_a" link set lo up; ip -n "$ns_b" link set lo up
# VXLAN over a second veth pair (MTU 1500), inner addresses 198.19.0.0/30.
ip link add sc8w$$a type veth peer name sc8w$$b
ip link set sc8w$$a netns "$ns_a"; ip link set sc8w$$b netns "$ns_b"
ip -n "$ns_a" addr add 198.18.0.5/30 dev sc8w$$a; ip -n "$ns_b" addr add 198.18.0.6/30 dev sc8w$$b
ip -n "$ns_a" link set sc8w$$a up; ip -n "$ns_b" link set sc8w$$b up
ip -n "$ns_a" link add vx0 type vxlan id 42 remote 198.18.0.6 local 198.18.0.5 dstport 4789 dev sc8w$$a
ip -n "$ns_b" link add vx0 type vxlan id 42 remote 198.18.0.5 local 198.18.0.6 dstport 4789 dev sc8w$$b
ip -n "$ns_a" link set vx0 up; ip -n "$ns_b" link set vx0 up
ip -n "$ns_a" addr add 198.19.0.1/30 dev vx0; ip -n "$ns_b" addr add 198.19.0.2/30 dev vx0
ip netns exec "$ns_b" openssl s_server -accept 198.18.0.2:443 -cert server.pem -key server.key -www >/dev/null 2>&1 & pids+=($!)
ip netns exec "$ns_b" "$gt" server -addr 198.18.0.2:8443 -cert server.pem -key server.key -n 1 >/dev/null 2>&1 & pids+=($!)
ip netns exec "$ns_b" openssl s_server -accept 198.19.0.2:9443 -cert server.pem -key server.key -www >/dev/null 2>&1 & pids+=($!)
ip netns exec "$ns_b" python3 -m http.server --bind 198.19.0.2 8080 --directory "$work/nginx" >/dev/null 2>&1 & pids+=($!)
sleep 1
ip netns exec "$ns_a" tcpdump --immediate-mode -U -s 0 -i any -w "$out/smallmtu-any.pcap" 'tcp port 443 or tcp port 8443' 2>/dev/null & tdpid=$!
sleep 1
ip netns exec "$ns_a" curl -sk --max-time 5 -o /dev/null https://198.18.0.2/ || true
ip netns exec "$ns_a" "$gt" client -addr 198.18.0.2:8443 -sni split.test -alpn h2,http/1.1
stop_capture
ip netns exec "$ns_a" tcpdump --immediate-mode -U -s 0 -i sc8w$$a -w "$out/vxlan.pcap" 'udp port 4789' 2>/dev/null & tdpid=$!
sleep 1
ip netns exec "$ns_a" curl -sk --max-time 5 -o /dev/null https://198.19.0.2:9443/ || true
ip netns exec "$ns_a" curl -s --max-time 5 -o /dev/null http://198.19.0.2:8080/ || true
stop_capture

echo "== derived files: pcapng, gzip, mid-stream, snaplen-cut, truncated"
editcap -F pcapng "$out/tls12.pcap" "$out/tls12.pcapng"
gzip -9 -n -c "$out/tls13.pcap" >"$out/tls13.pcap.gz"
# Drop each connection's first packets: only records of a running session.
editcap -r "$out/tls12.pcap" "$out/midstream.pcap" 9-30
editcap -s 80 "$out/tls12.pcap" "$out/snaplen80.pcap"
size=$(stat -c %s "$out/tls13-mtls.pcap")
head -c $((size - 37)) "$out/tls13-mtls.pcap" >"$out/truncated.pcap"
ls -l "$out"
