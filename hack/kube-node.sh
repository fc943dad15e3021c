#!/usr/bin/env bash
# Runs a real single-node Kubernetes v1.37.2 cluster for integration tests:
# etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy
# (iptables mode) and a kubelet on Debian's containerd, runc and CNI bridge
# plugin. Each instance lives in a network namespace of its own (ports,
# iptables rules, the bridge and its addresses never meet another
# instance's) and in PID and mount namespaces of its own, so killing its
# first process ends every process it started and drops every mount it
# made. Several instances run at once.
#
#   hack/kube-node.sh build                 build the binaries if needed, print their directory
#   hack/kube-node.sh up [NAME]             start instance NAME (default sc8), print its directory
#   hack/kube-node.sh down [NAME]           stop NAME and remove everything it made
#   hack/kube-node.sh import [NAME] TAR...  import docker-archive images into NAME's containerd
#   hack/kube-node.sh --for-tests           build under CI=true or SC8_BUILD_KUBE=1, otherwise
#                                           print the binaries' directory only if all are built
#
# The last line `up` prints is the instance directory, holding:
#   kubeconfig   admin credentials for the host (https://<veth address>:6443)
#   env          KUBECONFIG and SC8_NODE_* settings, to source in a shell
#   logs/        one log per component, up.log, pods/ (container logs)
# Pods run images imported with `import` (imagePullPolicy: Never); the pod
# sandbox image is built from pkg/internal/kubenode/cmd/sc8pause.
#
# Addresses, all in 198.18.0.0/15: node IP 198.18.0.1 (on the namespace's
# lo), pods 198.18.10.0/24, Services 198.19.0.0/20, and a /30 of
# 198.19.250.0/24 per instance for the veth pair to the host.
#
# Needs root, containerd, runc, containernetworking-plugins (/usr/lib/cni),
# iptables, iproute2, util-linux, openssl, curl, jq and go. Settings:
# SC8_KUBE_DIR (binaries, as hack/kube-apiserver.sh), SC8_NODE_ROOT
# (instances, default /var/tmp/sc8scan-kube-node), SC8_NODE_TIMEOUT (seconds
# `up` waits, default 600).
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
self="$repo/hack/kube-node.sh"
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"

KUBE_VERSION=v1.37.2
kdir="${SC8_KUBE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/sc8scan/kube/$KUBE_VERSION}"
node_bins=(kubelet kube-controller-manager kube-scheduler kube-proxy)
state=/run/sc8scan-kube-node
root="${SC8_NODE_ROOT:-/var/tmp/sc8scan-kube-node}"
slots=64 # /30s in 198.19.250.0/24

# Fixed inside every instance: its network namespace keeps them apart.
node_ip=198.18.0.1
node_name=sc8-node
pod_cidr=198.18.10.0/24
pod_gw=198.18.10.1
svc_cidr=198.19.0.0/20
svc_ip=198.19.0.1
api_port=6443

say() { echo "kube-node${name:+[$name]}: $*" >&2; }
die() { say "$*"; exit 1; }

# ---------------------------------------------------------------- binaries

bin_ok() {
	# Read the whole output before matching (see hack/kube-apiserver.sh).
	local v
	[ -x "$kdir/$1" ] || return 1
	v="$("$kdir/$1" --version 2>/dev/null)" || return 1
	grep -qx "Kubernetes $KUBE_VERSION" <<<"$v"
}

all_built() {
	hack/kube-apiserver.sh --cached >/dev/null 2>&1 || return 1
	local c
	for c in "${node_bins[@]}"; do bin_ok "$c" || return 1; done
}

cmd_build() {
	hack/kube-apiserver.sh >/dev/null
	if all_built; then echo "$kdir"; return; fi
	mkdir -p "$kdir"
	# The lock hack/kube-apiserver.sh takes: one build at a time per directory.
	exec 9>"$kdir/.lock"
	flock 9
	export GOFLAGS=-mod=mod CGO_ENABLED=0
	local start c
	start=$(date +%s)
	tmp="$(mktemp -d "$kdir/.build.XXXXXX")"
	trap 'rm -rf "${tmp:-}"' EXIT
	for c in "${node_bins[@]}"; do
		bin_ok "$c" && continue
		echo "building $c $KUBE_VERSION into $kdir (minutes on 2 cores)" >&2
		(cd hack/tools/kube && go build -p 2 -trimpath \
			-ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37" \
			-o "$tmp/$c" "k8s.io/kubernetes/cmd/$c")
		mv -f "$tmp/$c" "$kdir/$c"
		bin_ok "$c" || die "built $c does not report Kubernetes $KUBE_VERSION"
	done
	echo "built in $(($(date +%s) - start))s" >&2
	echo "$kdir"
}

cmd_for_tests() {
	if [ "${CI:-}" != true ] && [ "${SC8_BUILD_KUBE:-}" != 1 ]; then
		if all_built; then echo "$kdir"; else
			echo "kube-node tests will skip: etcd, kube-apiserver, ${node_bins[*]} are not all built in $kdir (SC8_BUILD_KUBE=1 or hack/kube-node.sh build builds them, 15 to 20 minutes)" >&2
		fi
		return 0
	fi
	cmd_build
}

# The pod sandbox image: sc8pause writes an image holding itself. Cached
# by the hash of its source and of the Go version.
pause_image() {
	local src=pkg/internal/kubenode/cmd/sc8pause key tmp
	key="$({ go env GOVERSION; cat "$src"/*.go; } | sha256sum | cut -c1-12)"
	pause_bin="$kdir/sc8pause-$key"
	pause_tar="$kdir/sc8pause-$key.tar"
	pause_ref="sc8scan.dev/kubenode/pause:$key"
	[ -s "$pause_tar" ] && [ -x "$pause_bin" ] && return
	mkdir -p "$kdir"
	tmp="$(mktemp -d "$kdir/.pause.XXXXXX")"
	say "building the pause image $pause_ref"
	CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags "-s -w" -o "$tmp/sc8pause" "./$src" ||
		{ rm -rf "$tmp"; die "building $src failed"; }
	"$tmp/sc8pause" -write-image "$tmp/pause.tar" -tag "$pause_ref" || { rm -rf "$tmp"; die "writing the pause image failed"; }
	mv -f "$tmp/sc8pause" "$pause_bin"
	mv -f "$tmp/pause.tar" "$pause_tar"
	rm -rf "$tmp"
	# Older builds: a running node keeps its deleted binary.
	find "$kdir" -maxdepth 1 -name 'sc8pause-*' ! -name "sc8pause-$key" ! -name "sc8pause-$key.tar" -delete
}

# ---------------------------------------------------------------- instances

need_root() { [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, cgroups, mounts)"; }

set_name() {
	name="${1:-sc8}"
	[[ "$name" =~ ^[a-z0-9]([a-z0-9-]{0,30}[a-z0-9])?$ ]] ||
		die "instance name '$name' must be 1 to 32 of a-z, 0-9 and '-', starting and ending alphanumeric"
	case "$root" in
	/*) ;;
	*) die "SC8_NODE_ROOT must be an absolute path" ;;
	esac
	[[ "$root" =~ ^[A-Za-z0-9/._-]+$ ]] || die "SC8_NODE_ROOT may hold only letters, digits and / . _ -"
	case "$root/" in
	/run/* | /var/run/* | /var/log/* | /var/lib/* | /proc/* | /sys/*)
		die "SC8_NODE_ROOT=$root is hidden inside the node's mount namespace" ;;
	esac
	dir="$root/$name"
	netns="sc8node-$name"
	cgname="sc8node-$name"
}

# lock_instance holds $state/NAME.lock on fd 8 for the rest of the script.
# down removes the file, so after taking the lock make sure it is still the
# file at that path.
lock_instance() {
	mkdir -p "$state/slots"
	local f="$state/$name.lock"
	while :; do
		exec 8>>"$f"
		flock 8
		[ "$(stat -L -c %i /proc/self/fd/8)" = "$(stat -c %i "$f" 2>/dev/null)" ] && return
		exec 8>&-
	done
}

slot_of() {
	local f
	for f in "$state"/slots/*; do
		[ -f "$f" ] && [ "$(cat "$f")" = "$name" ] && { basename "$f"; return 0; }
	done
	return 1
}

alloc_slot() {
	(
		flock 7
		slot_of && exit 0
		for ((s = 0; s < slots; s++)); do
			if [ ! -e "$state/slots/$s" ]; then
				echo "$name" >"$state/slots/$s"
				echo "$s"
				exit 0
			fi
		done
		echo "kube-node[$name]: all $slots address slots are taken by: $(cat "$state"/slots/* | tr '\n' ' ')(hack/kube-node.sh down NAME frees one)" >&2
		exit 1
	) 7>>"$state/lock"
}

free_slot() {
	(
		flock 7
		while s="$(slot_of)"; do rm -f "$state/slots/$s"; done
	) 7>>"$state/lock"
}

cmdline_of() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline"; }

# stat_of PID N prints field N of /proc/PID/stat counting from the one after
# the command name (1 state, 2 parent).
stat_of() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk -v n="$2" '{ print $n }'; }

alive() {
	local st
	st="$(stat_of "$1" 1)" && [ -n "$st" ] && [ "$st" != Z ]
}

# launcher is the unshare process that holds the instance's namespaces.
launcher() {
	local p
	p="$(cat "$dir/run/launcher.pid" 2>/dev/null)" || return 1
	case "$(cmdline_of "$p")" in *" __init $dir "*) echo "$p" ;; *) return 1 ;; esac
}

running() { launcher >/dev/null && [ -e "$dir/run/ready" ] && [ -e "/run/netns/$netns" ]; }

# cgroup_mounts lists the mount points of the cgroup hierarchies (v1 and v2).
cgroup_mounts() {
	awk '{ i = 7; while ($i != "-") i++; if ($(i + 1) == "cgroup" || $(i + 1) == "cgroup2") print $5 }' /proc/self/mountinfo | sort -u
}

ancestors() {
	local p=$$
	while [ "$p" -gt 1 ]; do
		echo "$p"
		p="$(stat_of "$p" 2)"
		[ -n "$p" ] || break
	done
}

# instance_pids lists the live processes of the instance: those in its
# cgroups and those whose command line names its directory.
instance_pids() {
	local skip p m
	skip=" $(ancestors | tr '\n' ' ') $BASHPID "
	{
		for m in $(cgroup_mounts); do
			[ -d "$m/$cgname" ] && find "$m/$cgname" -name cgroup.procs -exec cat {} + 2>/dev/null
		done
		for p in /proc/[0-9]*; do
			case "$(cmdline_of "${p#/proc/}")" in *"$dir/"* | *"$dir "*) echo "${p#/proc/}" ;; esac
		done
	} | sort -un | while read -r p; do
		case "$skip" in *" $p "*) continue ;; esac
		alive "$p" && echo "$p"
	done
}

# stop_launcher kills the first process of the node's PID namespace, which
# kills every other process in it, and lets unshare reap it.
stop_launcher() {
	local p i
	p="$(launcher)" || return 0
	kill -KILL $(pgrep -P "$p") 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		alive "$p" || return 0
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null || true
}

teardown() {
	local pids s deadline m
	stop_launcher
	deadline=$((SECONDS + 30))
	while pids="$(instance_pids)"; [ -n "$pids" ]; do
		# shellcheck disable=SC2086 # one argument per process id
		kill -KILL $pids 2>/dev/null || true
		((SECONDS < deadline)) || die "processes of $dir survive SIGKILL: $(tr '\n' ' ' <<<"$pids")"
		sleep 0.2
	done
	# Mounts stay inside the instance's mount namespace; unmount any that
	# reached the host's anyway.
	awk -v d="$dir/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null || true
	done
	if s="$(slot_of)"; then ip link del "sc8node$s" 2>/dev/null || true; fi
	if [ -e "/run/netns/$netns" ]; then ip netns del "$netns" || die "deleting network namespace $netns failed"; fi
	deadline=$((SECONDS + 15))
	for m in $(cgroup_mounts); do
		[ -d "$m/$cgname" ] || continue
		until find "$m/$cgname" -depth -type d -exec rmdir {} + 2>/dev/null; [ ! -d "$m/$cgname" ]; do
			((SECONDS < deadline)) || die "cannot remove cgroup $m/$cgname: $(find "$m/$cgname" -name cgroup.procs -exec cat {} + 2>/dev/null | tr '\n' ' ')"
			sleep 0.2
		done
	done
	if [ -e "$dir" ]; then
		rm -rf --one-file-system "$dir" || die "cannot remove $dir"
	fi
	[ -n "${SC8_NODE_ROOT:-}" ] || rmdir "$root" 2>/dev/null || true
	free_slot
}

leftovers() {
	[ -e "$dir" ] || [ -e "/run/netns/$netns" ] || slot_of >/dev/null || [ -n "$(instance_pids)" ] && return 0
	local m
	for m in $(cgroup_mounts); do [ -d "$m/$cgname" ] && return 0; done
	return 1
}

cmd_down() {
	need_root
	set_name "${1:-}"
	lock_instance
	if leftovers; then
		say "stopping and removing $dir"
		teardown
	fi
	rm -f "$state/$name.lock"
}

cmd_import() {
	need_root
	local n=""
	if [ $# -gt 0 ] && [ ! -f "$1" ]; then n="$1"; shift; fi
	set_name "$n"
	[ $# -gt 0 ] || die "usage: $0 import [NAME] TARBALL..."
	running || die "instance $name is not running (hack/kube-node.sh up $name)"
	local t
	for t in "$@"; do
		[ -f "$t" ] || die "no file $t"
		timeout 300 ctr -a "$dir/ctrd/containerd.sock" -n k8s.io images import "$t" >&2 || die "importing $t failed"
	done
}

# ---------------------------------------------------------------- up

kubeconfig() { # FILE SERVER USER TOKEN CONTEXT
	cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $5
  cluster:
    server: $2
    certificate-authority-data: $(base64 -w0 "$dir/pki/ca.crt")
users:
- name: $3
  user:
    token: $4
contexts:
- name: $5
  context:
    cluster: $5
    user: $3
current-context: $5
EOF
	chmod 600 "$1"
}

write_pki() {
	local p="$dir/pki" u t
	mkdir -p "$p"
	(
		cd "$p"
		umask 077
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key 2>/dev/null
		openssl req -x509 -new -key ca.key -subj "/CN=sc8scan kube-node $name CA" -days 3650 -out ca.crt \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out apiserver.key 2>/dev/null
		printf '%s\n' "subjectAltName=IP:$node_ip,IP:$svc_ip,IP:$ns_ip,IP:127.0.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,DNS:localhost" \
			"extendedKeyUsage=serverAuth" "keyUsage=critical,digitalSignature" >apiserver.ext
		openssl req -new -key apiserver.key -subj "/CN=kube-apiserver" 2>/dev/null |
			openssl x509 -req -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 8)" -days 3650 \
				-extfile apiserver.ext -out apiserver.crt 2>/dev/null
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out sa.key 2>/dev/null
		openssl pkey -in sa.key -pubout -out sa.pub 2>/dev/null
		: >tokens.csv
	) || die "making certificates with openssl failed"
	local -A users=(
		[admin]='sc8-admin,uid-admin,"system:masters"'
		[kcm]='system:kube-controller-manager,uid-kcm,"system:masters"'
		[scheduler]='system:kube-scheduler,uid-scheduler,"system:masters"'
		[kubelet]="system:node:$node_name,uid-kubelet,\"system:nodes\""
		[kube-proxy]='system:kube-proxy,uid-kube-proxy'
	)
	for u in admin kcm scheduler kubelet kube-proxy; do
		t="$(openssl rand -hex 24)"
		echo "$t,${users[$u]}" >>"$p/tokens.csv"
		kubeconfig "$p/$u.kubeconfig" "https://$node_ip:$api_port" "${users[$u]%%,*}" "$t" sc8
		if [ "$u" = admin ]; then
			kubeconfig "$dir/kubeconfig" "https://$ns_ip:$api_port" sc8-admin "$t" "$netns"
			printf 'Authorization: Bearer %s\n' "$t" >"$p/admin.header"
			chmod 600 "$p/admin.header"
		fi
	done
}

write_configs() {
	mkdir -p "$dir"/{logs/pods,ctrd/root,ctrd/state,ctrd/runc,ctrd/opt,cni/net.d,cni/ipam,kubelet/root,sysctl,run}
	cat >"$dir/ctrd/config.toml" <<EOF
version = 2
root = "$dir/ctrd/root"
state = "$dir/ctrd/state"
oom_score = 0

[grpc]
  address = "$dir/ctrd/containerd.sock"

[ttrpc]
  address = "$dir/ctrd/containerd-ttrpc.sock"

[debug]
  level = "info"

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "$pause_ref"
    enable_selinux = false
    # Without CAP_SYS_RESOURCE runc cannot lower oom_score_adj and every
    # sandbox fails ("can't get final child's PID from pipe").
    restrict_oom_score_adj = true
    stream_server_address = "127.0.0.1"
    [plugins."io.containerd.grpc.v1.cri".containerd]
      snapshotter = "overlayfs"
      default_runtime_name = "runc"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
        runtime_type = "io.containerd.runc.v2"
        [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
          SystemdCgroup = false
          Root = "$dir/ctrd/runc"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "/usr/lib/cni"
      conf_dir = "$dir/cni/net.d"
  [plugins."io.containerd.internal.v1.opt"]
    path = "$dir/ctrd/opt"
EOF
	cat >"$dir/cni/net.d/10-sc8.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "sc8",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "sc8br0",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{"subnet": "$pod_cidr", "gateway": "$pod_gw"}]],
        "routes": [{"dst": "0.0.0.0/0"}],
        "dataDir": "$dir/cni/ipam"
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
EOF
	cat >"$dir/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /$cgname
containerRuntimeEndpoint: unix://$dir/ctrd/containerd.sock
imageServiceEndpoint: unix://$dir/ctrd/containerd.sock
podLogsDir: $dir/logs/pods
address: $node_ip
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous:
    enabled: true
  webhook:
    enabled: false
  x509: {}
authorization:
  mode: AlwaysAllow
failSwapOn: false
# The kubelet finds the values it wants in the node's /proc/sys (files of
# sysctl/ bound over it) and so never writes the host's kernel.panic,
# kernel.panic_on_oops or vm.overcommit_memory.
protectKernelDefaults: true
podCIDR: $pod_cidr
clusterDomain: cluster.local
resolvConf: $dir/resolv.conf
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "1%"
  imagefs.available: "1%"
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
maxPods: 50
registerNode: true
serializeImagePulls: false
EOF
	cat >"$dir/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection:
  kubeconfig: $dir/pki/kube-proxy.kubeconfig
hostnameOverride: $node_name
bindAddress: 0.0.0.0
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
mode: iptables
clusterCIDR: $pod_cidr
nodePortAddresses: [primary]
iptables:
  # A pod reaching a ClusterIP backed by a pod on the same bridge gets its
  # answer back through the bridge address, with or without br_netfilter.
  masqueradeAll: true
conntrack:
  # Leave the host-wide conntrack table size and the timeouts alone.
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
EOF
	# Pods get the host's resolvers (there is no cluster DNS); a copy, since
	# /etc/resolv.conf may point into /run, which the node replaces.
	cat /etc/resolv.conf >"$dir/resolv.conf" 2>/dev/null || : >"$dir/resolv.conf"
	# The values the kubelet wants; bound over /proc/sys inside the node.
	echo 1 >"$dir/sysctl/vm.overcommit_memory"
	echo 0 >"$dir/sysctl/vm.panic_on_oom"
	echo 10 >"$dir/sysctl/kernel.panic"
	echo 1 >"$dir/sysctl/kernel.panic_on_oops"
	echo 1000000 >"$dir/sysctl/kernel.keys.root_maxkeys"
	echo 25000000 >"$dir/sysctl/kernel.keys.root_maxbytes"
	cat >"$dir/run/vars" <<EOF
name=$name
dir=$dir
netns=$netns
bins=$kdir
pause_bin=$pause_bin
pause_tar=$pause_tar
EOF
}

write_env() {
	{
		printf 'KUBECONFIG=%q\n' "$dir/kubeconfig"
		printf 'SC8_NODE_NAME=%q\n' "$name"
		printf 'SC8_NODE_DIR=%q\n' "$dir"
		printf 'SC8_NODE_SERVER=%q\n' "https://$ns_ip:$api_port"
		printf 'SC8_NODE_NETNS=%q\n' "$netns"
		printf 'SC8_NODE_NODE_NAME=%q\n' "$node_name"
		printf 'SC8_NODE_IP=%q\n' "$node_ip"
		printf 'SC8_NODE_POD_CIDR=%q\n' "$pod_cidr"
		printf 'SC8_NODE_SERVICE_CIDR=%q\n' "$svc_cidr"
		printf 'SC8_NODE_CONTAINERD=%q\n' "$dir/ctrd/containerd.sock"
		printf 'SC8_NODE_PAUSE_IMAGE=%q\n' "$pause_ref"
	} >"$dir/env"
}

setup_network() {
	local hostif="sc8node$slot"
	ip netns add "$netns"
	ip -n "$netns" link set lo up
	ip -n "$netns" addr add "$node_ip/32" dev lo
	ip link add "$hostif" type veth peer name eth0 netns "$netns"
	ip addr add "$host_ip/30" dev "$hostif"
	ip link set "$hostif" up
	ip -n "$netns" addr add "$ns_ip/30" dev eth0
	ip -n "$netns" link set eth0 up
	ip -n "$netns" route add default via "$host_ip"
	ip netns exec "$netns" sh -c 'echo 1 >/proc/sys/net/ipv4/ip_forward'
}

setup_cgroups() {
	local m
	for m in $(cgroup_mounts); do
		mkdir -p "$m/$cgname"
		# A new v1 cpuset starts with no CPUs and no memory nodes.
		if [ -f "$m/$cgname/cpuset.cpus" ] && [ ! -f "$m/cgroup.controllers" ]; then
			cat "$m/cpuset.cpus" >"$m/$cgname/cpuset.cpus"
			cat "$m/cpuset.mems" >"$m/$cgname/cpuset.mems"
		fi
	done
}

cmd_up() {
	need_root
	set_name "${1:-}"
	local prog
	for prog in containerd containerd-shim-runc-v2 runc ctr ip iptables nsenter unshare setsid openssl curl jq go; do
		command -v "$prog" >/dev/null || die "$prog is not installed"
	done
	if [ ! -x /usr/lib/cni/bridge ] || [ ! -x /usr/lib/cni/host-local ]; then
		die "the CNI plugins are not in /usr/lib/cni (apt-get install containernetworking-plugins)"
	fi
	all_built || die "the Kubernetes binaries are not built in $kdir (hack/kube-node.sh build)"
	lock_instance
	if running; then
		echo "$dir"
		return
	fi
	trap '[ $? -eq 0 ] || say "hack/kube-node.sh down $name removes what this up made"' EXIT
	if leftovers; then
		say "removing what a previous instance left"
		teardown
	fi
	pause_image
	slot="$(alloc_slot)" || exit 1
	host_ip="198.19.250.$((4 * slot + 1))"
	ns_ip="198.19.250.$((4 * slot + 2))"
	local start=$SECONDS
	say "starting in $dir (API server https://$ns_ip:$api_port)"
	mkdir -p "$dir"
	write_configs
	write_pki
	write_env
	echo "$slot" >"$dir/run/slot"
	setup_network
	setup_cgroups
	: >"$dir/logs/up.log"
	# unshare holds the PID and mount namespaces; its child (PID 1 inside)
	# starts the components, and dies, killing them all, when unshare dies.
	setsid nsenter --net="/run/netns/$netns" -- \
		unshare --pid --fork --kill-child=SIGKILL --mount-proc --propagation slave -- \
		"$BASH" "$self" __init "$dir" </dev/null >>"$dir/logs/up.log" 2>&1 8>&- 9>&- &
	local launcher_pid=$!
	echo "$launcher_pid" >"$dir/run/launcher.pid"

	local timeout="${SC8_NODE_TIMEOUT:-600}" shown=0 lines reason=""
	local deadline=$((SECONDS + timeout))
	while :; do
		lines="$(wc -l <"$dir/logs/up.log")"
		if ((lines > shown)); then
			sed -n "$((shown + 1)),${lines}p" "$dir/logs/up.log" >&2
			shown=$lines
		fi
		[ -e "$dir/run/ready" ] && break
		if [ -e "$dir/run/failed" ]; then reason="$(cat "$dir/run/failed")"; break; fi
		if ! alive "$launcher_pid"; then
			sleep 0.2
			reason="$(cat "$dir/run/failed" 2>/dev/null)" || reason="the node's first process exited (see $dir/logs/up.log)"
			break
		fi
		if ((SECONDS >= deadline)); then reason="not ready after ${timeout}s (see $dir/logs/up.log)"; break; fi
		sleep 0.5
	done
	if [ -n "$reason" ]; then
		stop_launcher
		die "up failed: $reason; the logs stay in $dir/logs"
	fi
	say "ready in $((SECONDS - start))s; KUBECONFIG=$dir/kubeconfig"
	echo "$dir"
}

# ---------------------------------------------------------------- inside the node

# init_main runs as PID 1 of the node's PID namespace, inside its network
# and mount namespaces: it gives the node its own /run, /var/log and
# /var/lib, starts the components in order, waits until the node is Ready
# and then becomes sc8pause, which reaps orphans until the node is stopped.
# shellcheck disable=SC2317 # the checks are called through wait_for
init_main() {
	# shellcheck source=/dev/null
	. "$1/run/vars" # name, dir, netns, bins, pause_bin, pause_tar
	local node_start=$SECONDS
	ilog() { echo "kube-node[$name]: $*" >&2; }
	fail() {
		ilog "FAILED: $1"
		if [ -n "${2:-}" ] && [ -f "$dir/logs/$2.log" ]; then
			ilog "last lines of $dir/logs/$2.log:"
			tail -n 25 "$dir/logs/$2.log" | sed 's/^/    /' >&2
		fi
		echo "$1" >"$dir/run/failed"
		exit 1
	}
	# The paths the components write outside their configured directories
	# (/run/containerd, /run/netns/cni-*, /var/lib/cni, the kubelet's
	# /var/lib/kubelet/device-plugins and /var/log/containers) become the
	# node's own: fresh /run and /var/log, and /var/lib with writes going
	# to varlib/ of the instance directory.
	mount -t tmpfs -o mode=0755,size=256m sc8node /run
	mkdir -p /run/netns
	mount -t tmpfs -o mode=0755,size=64m sc8node /var/log
	mkdir -p "$dir/varlib/upper" "$dir/varlib/work"
	mount -t overlay sc8node -o "lowerdir=/var/lib,upperdir=$dir/varlib/upper,workdir=$dir/varlib/work" /var/lib
	local f
	for f in "$dir"/sysctl/*; do
		mount --bind "$f" "/proc/sys/$(basename "$f" | tr . /)"
	done

	local -A pids=()
	start() {
		local n=$1
		shift
		"$@" </dev/null >"$dir/logs/$n.log" 2>&1 &
		pids[$n]=$!
	}
	# wait_for SECONDS WHAT LOG CHECK...: polls CHECK until it succeeds,
	# failing when a component exits or the time is up.
	wait_for() {
		local limit=$1 what=$2 logname=$3 n
		shift 3
		local until=$((SECONDS + limit))
		until "$@" >/dev/null 2>&1; do
			for n in "${!pids[@]}"; do
				kill -0 "${pids[$n]}" 2>/dev/null || fail "$n exited while waiting for $what (see $dir/logs/$n.log)" "$n"
			done
			((SECONDS < until)) || fail "$what not ready after ${limit}s (see $dir/logs/$logname.log)" "$logname"
			sleep 0.5
		done
		ilog "$what ready after $((SECONDS - node_start))s"
	}
	api() { curl -sS --max-time 5 --cacert "$dir/pki/ca.crt" -H "@$dir/pki/admin.header" "https://$node_ip:$api_port$1"; }
	api_ready() { [ "$(api /readyz)" = ok ]; }
	node_ready() { api "/api/v1/nodes/$node_name" | jq -e '.status.conditions[]? | select(.type == "Ready" and .status == "True")'; }
	sa_ready() { api /api/v1/namespaces/default/serviceaccounts/default | jq -e '.metadata.name == "default"'; }

	# shellcheck disable=SC2154 # set by run/vars
	local b="$bins" p="$dir/pki" sock="$dir/ctrd/containerd.sock"
	start containerd containerd --config "$dir/ctrd/config.toml"
	wait_for 60 containerd containerd timeout 10 ctr -a "$sock" version
	timeout 120 ctr -a "$sock" -n k8s.io images import "$pause_tar" >"$dir/logs/import-pause.log" 2>&1 ||
		fail "importing the pause image failed (see $dir/logs/import-pause.log)" import-pause
	start etcd "$b/etcd" --name sc8 --data-dir "$dir/etcd" \
		--listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
		--listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster sc8=http://127.0.0.1:2380 --listen-metrics-urls http://127.0.0.1:2381 \
		--unsafe-no-fsync --log-level warn
	start kube-apiserver "$b/kube-apiserver" --etcd-servers http://127.0.0.1:2379 \
		--bind-address 0.0.0.0 --secure-port "$api_port" --advertise-address "$node_ip" \
		--tls-cert-file "$p/apiserver.crt" --tls-private-key-file "$p/apiserver.key" --cert-dir "$p/apiserver" \
		--service-account-issuer https://kubernetes.default.svc.cluster.local \
		--service-account-key-file "$p/sa.pub" --service-account-signing-key-file "$p/sa.key" \
		--token-auth-file "$p/tokens.csv" --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
		--service-cluster-ip-range "$svc_cidr" --allow-privileged=true --kubelet-preferred-address-types InternalIP
	wait_for 180 "kube-apiserver /readyz" kube-apiserver api_ready
	# The controller manager gives up when the API server is not healthy
	# within about ten seconds, so it starts only now.
	start kube-controller-manager "$b/kube-controller-manager" --kubeconfig "$p/kcm.kubeconfig" \
		--bind-address 127.0.0.1 --secure-port 10257 --leader-elect=false --controllers '*' \
		--service-account-private-key-file "$p/sa.key" --root-ca-file "$p/ca.crt" --use-service-account-credentials=false
	start kube-scheduler "$b/kube-scheduler" --kubeconfig "$p/scheduler.kubeconfig" \
		--bind-address 127.0.0.1 --secure-port 10259 --leader-elect=false
	start kube-proxy "$b/kube-proxy" --config "$dir/kube-proxy.yaml"
	start kubelet "$b/kubelet" --config "$dir/kubelet/config.yaml" --kubeconfig "$p/kubelet.kubeconfig" \
		--root-dir "$dir/kubelet/root" --cert-dir "$dir/kubelet/pki" \
		--hostname-override "$node_name" --node-ip "$node_ip" --v=2
	wait_for 180 "node $node_name" kubelet node_ready
	wait_for 120 "the default ServiceAccount" kube-controller-manager sa_ready
	touch "$dir/run/ready"
	# The name carries the directory so that down finds it by command line.
	exec -a "sc8pause $dir" "$pause_bin"
}

usage() {
	sed -n '/^#   hack/,/^#$/p' "$0" | sed -e '$d' -e 's/^#   /  /' >&2
	exit 2
}

main() {
	case "${1:-}" in
	build) cmd_build ;;
	--for-tests) cmd_for_tests ;;
	up) shift; cmd_up "$@" ;;
	down) shift; cmd_down "$@" ;;
	import) shift; cmd_import "$@" ;;
	__init) init_main "$2" ;;
	*) usage ;;
	esac
}

# On one line: bash has read all of it before running, so editing this file
# does not disturb a running instance of it.
main "$@"; exit
