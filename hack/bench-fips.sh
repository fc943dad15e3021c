#!/usr/bin/env bash
# FIPS image inspection throughput: `sc8scan images` over a set of real
# images (the demo's Go builds in every crypto mode, plus one image of the
# host's own executables and libraries), against the peer tools that give
# the same raw facts - `go version -m` (Go build information) plus
# `readelf -d --dyn-syms` (DT_NEEDED and dynamic symbols) - run over the
# same files already extracted. Prints MB/s of image data for both and the
# ratio. Each side runs once, in the same invocation.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v readelf >/dev/null || { echo "bench-fips: readelf missing (binutils; hack/deps.sh)"; exit 0; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -trimpath -o "$work/sc8scan" ./cmd/sc8scan

# the images: demo variants (cached builds) and a tree of host ELF files
go run ./pkg/fips/imagebuild/fipsimages -out "$work/images" >"$work/refs"
tree="$work/tree"
mkdir -p "$tree/usr/bin" "$tree/usr/lib"
for f in /usr/bin/* /usr/lib/x86_64-linux-gnu/*.so* /usr/lib/aarch64-linux-gnu/*.so*; do
  [ -f "$f" ] && [ ! -L "$f" ] || continue
  case "$f" in /usr/bin/*) cp "$f" "$tree/usr/bin/" ;; *) cp "$f" "$tree/usr/lib/" ;; esac
done 2>/dev/null || true
go run ./pkg/fips/imagebuild/fipsimages -out "$work/images" -tree "$tree" -name host-tools >>"$work/refs"

# the same files, extracted for the peers (extraction is not timed)
ex="$work/extracted"
mkdir -p "$ex"
while read -r ref; do
  dir=${ref#oci-layout:}
  dest="$ex/$(basename "$dir")"
  mkdir -p "$dest"
  for blob in "$dir"/blobs/sha256/*; do
    if gzip -t "$blob" 2>/dev/null; then tar -xzf "$blob" -C "$dest" 2>/dev/null || true; fi
  done
done <"$work/refs"
bytes=$(find "$ex" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$ex" -type f | wc -l)
mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b/1048576}')
echo "image data: $mb MB in $files files, $(wc -l <"$work/refs") images"

# wall and CPU (user+sys) seconds of each side: the machine may be shared,
# so CPU seconds are the steadier figure
export ex
/usr/bin/time -f "%e %U %S" -o "$work/t.scan" \
  "$work/sc8scan" images --output json $(cat "$work/refs") >"$work/report.json"
/usr/bin/time -f "%e %U %S" -o "$work/t.peer" bash -c '
  go version -m "$ex" >/dev/null 2>&1 || true
  find "$ex" -type f -print0 | xargs -0 readelf -d --dyn-syms -W >/dev/null 2>&1 || true'

read -r sw su ss <"$work/t.scan"
read -r pw pu ps <"$work/t.peer"
awk -v b="$bytes" -v sw="$sw" -v sc="$(awk -v u="$su" -v s="$ss" 'BEGIN{print u+s}')" \
    -v pw="$pw" -v pc="$(awk -v u="$pu" -v s="$ps" 'BEGIN{print u+s}')" 'BEGIN {
  mb = b/1048576
  printf "%-26s %7s %9s %7s %9s\n", "", "wall s", "MB/s", "CPU s", "MB/s CPU"
  printf "%-26s %7.2f %9.1f %7.2f %9.1f\n", "sc8scan images", sw, mb/sw, sc, mb/sc
  printf "%-26s %7.2f %9.1f %7.2f %9.1f\n", "go version -m + readelf", pw, mb/pw, pc, mb/pc
  printf "ratio sc8scan/peers: %.2fx by wall time, %.2fx by CPU time\n", pw/sw, pc/sc
  print "(sc8scan reads the compressed layers, verifies digests and judges; the peers read the extracted files)"
}'
verdicts=$(grep -c '"verdict"' "$work/report.json" || true)
echo "verdicts written: $verdicts"
