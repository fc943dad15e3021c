#!/usr/bin/env bash
# Installs the Debian packages the integration tests and benchmarks need.
# Idempotent and quick when everything is present. As root it installs what
# is missing; otherwise it lists what is missing and exits 0 so that the
# tests that need those programs skip with the reason (under CI=true they
# fail instead).
set -euo pipefail

pkgs=(
  openssl          # s_server / s_client peers
  nginx-light      # real TLS peer
  stunnel4         # real TLS peer
  haproxy          # real TLS peer
  postgresql       # STARTTLS peer
  sslscan          # benchmark peer
  testssl.sh       # benchmark peer
  gnutls-bin       # gnutls-serv: a TLS server without RFC 5746 or encrypt-then-MAC
  tshark           # capture oracle
  tcpdump          # captures of real traffic
  iproute2         # network namespaces and veth pairs
  binutils         # readelf (fips benchmark peer)
  libssl-dev       # a C program linked against libcrypto; go-crypto-openssl child
  gcc libc6-dev    # cgo builds and the C programs of the fips tests (static libc too)
  curl             # real HTTP clients in captures
  chromium         # the HTML report opened in a real browser (chromedp)
  jq bc            # bench-probe.sh: parsing peer-tool JSON, ratios
  mariadb-server   # MySQL STARTTLS peer
  vsftpd dovecot-imapd dovecot-pop3d slapd  # FTP, IMAP, POP3 and LDAP STARTTLS peers
  ca-certificates
  containerd runc containernetworking-plugins iptables  # the real Kubernetes node of the e2e tests (hack/kube-node.sh)
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "hack/deps.sh: all ${#pkgs[@]} Debian packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "hack/deps.sh: not root; missing Debian packages: ${missing[*]}"
  echo "hack/deps.sh: tests that need them will skip (and fail under CI=true)"
  exit 0
fi

echo "hack/deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
# The packaged services must not start, hold ports or run in the background:
# tests start their own instances on loopback. policy-rc.d tells the
# packages' install scripts not to start them.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
for svc in nginx haproxy postgresql stunnel4 mariadb vsftpd dovecot slapd containerd; do
  if command -v service >/dev/null 2>&1; then service "$svc" stop >/dev/null 2>&1 || true; fi
done
echo "hack/deps.sh: done"
