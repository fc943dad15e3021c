#!/usr/bin/env bash
# Builds kube-apiserver and etcd from the Go module proxy (hack/tools/kube and
# hack/tools/kube/etcd pin the versions) into a cache directory, and prints
# that directory. Quick and idempotent once built: the binaries' own --version
# output is checked, nothing is rebuilt when it matches.
#
#   hack/kube-apiserver.sh              build if needed, print the directory
#   hack/kube-apiserver.sh --cached     print the directory only if already built
#   hack/kube-apiserver.sh --for-tests  build under CI=true or SC8_BUILD_KUBE=1,
#                                       otherwise print the directory only if
#                                       already built (nothing otherwise)
#
# SC8_KUBE_DIR overrides the directory (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/sc8scan/kube/v1.37.2).
set -euo pipefail
cd "$(dirname "$0")/.."

KUBE_VERSION=v1.37.2
ETCD_VERSION=3.6.16
dir="${SC8_KUBE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sc8scan/kube/$KUBE_VERSION}"

built() {
	[ -x "$dir/kube-apiserver" ] && [ -x "$dir/etcd" ] || return 1
	# Read the whole output before matching: grep -q stops at the first
	# match, and under pipefail the writer's SIGPIPE would fail the check.
	local kv ev
	kv="$("$dir/kube-apiserver" --version 2>/dev/null)" || return 1
	ev="$("$dir/etcd" --version 2>/dev/null)" || return 1
	grep -qx "Kubernetes $KUBE_VERSION" <<<"$kv" || return 1
	grep -qx "etcd Version: $ETCD_VERSION" <<<"$ev" || return 1
}

mode="${1:-build}"
case "$mode" in
build) ;;
--cached)
	built || { echo "kube-apiserver $KUBE_VERSION and etcd $ETCD_VERSION are not built in $dir (run hack/kube-apiserver.sh)" >&2; exit 1; }
	echo "$dir"; exit 0 ;;
--for-tests)
	if [ "${CI:-}" != true ] && [ "${SC8_BUILD_KUBE:-}" != 1 ]; then
		if built; then echo "$dir"; else
			echo "kube-apiserver tests will skip: not built in $dir (SC8_BUILD_KUBE=1 builds it, about 5 minutes)" >&2
		fi
		exit 0
	fi ;;
*) echo "usage: $0 [--cached|--for-tests]" >&2; exit 2 ;;
esac

if built; then echo "$dir"; exit 0; fi

mkdir -p "$dir"
# One build at a time per directory; a second caller waits and then finds it built.
exec 9>"$dir/.lock"
flock 9
if built; then echo "$dir"; exit 0; fi

export GOFLAGS=-mod=mod CGO_ENABLED=0
start=$(date +%s)
tmp="$(mktemp -d "$dir/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "building etcd $ETCD_VERSION into $dir" >&2
(cd hack/tools/kube/etcd && go build -p 2 -trimpath -o "$tmp/etcd" go.etcd.io/etcd/server/v3)
echo "building kube-apiserver $KUBE_VERSION into $dir (several minutes on 2 cores)" >&2
(cd hack/tools/kube && go build -p 2 -trimpath \
	-ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37" \
	-o "$tmp/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver)
mv -f "$tmp/etcd" "$dir/etcd"
mv -f "$tmp/kube-apiserver" "$dir/kube-apiserver"
built || { echo "built binaries do not report $KUBE_VERSION / etcd $ETCD_VERSION" >&2; exit 1; }
echo "built in $(($(date +%s) - start))s" >&2
echo "$dir"
