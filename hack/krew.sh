#!/usr/bin/env bash
# Builds the krew release archives of sc8scan (installed as `kubectl sc8scan`)
# and writes the krew plugin manifest that names each archive with its
# SHA-256, into OUT (default out/krew):
#   OUT/sc8scan_VERSION_OS_ARCH.tar.gz   the binary (as kubectl-sc8scan) and the README
#   OUT/sc8scan.yaml                     the manifest (krew.googlecontainertools.github.com/v1alpha2 Plugin)
# VERSION (default v0.0.0-dev) names the release, PLATFORMS (default
# "linux/amd64 linux/arm64 darwin/amd64 darwin/arm64") what is built, and
# URL_BASE (default the project's GitHub release downloads) where the
# archives will be published. Archives are reproducible: fixed owner, mode
# and time, sorted entries.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${VERSION:-v0.0.0-dev}
out=${OUT:-out/krew}
platforms=${PLATFORMS:-linux/amd64 linux/arm64 darwin/amd64 darwin/arm64}
base=${URL_BASE:-https://github.com/sc8scan/sc8scan/releases/download/$version}
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
{
cat <<YAML
apiVersion: krew.googlecontainertools.github.com/v1alpha2
kind: Plugin
metadata:
  name: sc8scan
spec:
  version: $version
  homepage: https://github.com/sc8scan/sc8scan
  shortDescription: Prove encryption in transit across a cluster (SC-8)
  description: |
    sc8scan proves, for every service path of a Kubernetes cluster, that data
    in transit is encrypted and authenticated as NIST SP 800-53 SC-8, SC-8(1),
    SC-13, SC-23, IA-3 and IA-5(2) require, and writes an SC-8 compliance
    matrix with the evidence behind every cell. kubectl sc8scan scan
    --kubeconfig ~/.kube/config --in-cluster runs its probe pods in the cluster.
  platforms:
YAML
for p in $platforms; do
  os=${p%/*}; arch=${p#*/}
  name="sc8scan_${version}_${os}_${arch}.tar.gz"
  d="$tmp/$os-$arch"
  mkdir -p "$d"
  CGO_ENABLED=0 GOOS=$os GOARCH=$arch GOFIPS140=v1.0.0 go build -trimpath -buildvcs=false -o "$d/kubectl-sc8scan" ./cmd/sc8scan
  cp README.md "$d/README.md"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mode='u+rwX,go+rX,go-w' --mtime='@0' -C "$d" -cf - kubectl-sc8scan README.md | gzip -n -9 > "$out/$name"
  sum=$(sha256sum "$out/$name" | cut -d' ' -f1)
  cat <<YAML
  - selector:
      matchLabels:
        os: $os
        arch: $arch
    uri: $base/$name
    sha256: $sum
    bin: kubectl-sc8scan
YAML
  echo "krew: $out/$name $sum" >&2
done
} > "$tmp/sc8scan.yaml"
mv "$tmp/sc8scan.yaml" "$out/sc8scan.yaml"
echo "$out/sc8scan.yaml"
