#!/usr/bin/env bash
# Matrix at cluster scale: generates meshed clusters of three sizes (mixed
# sidecar, revision, ambient and unmeshed namespaces, STRICT and PERMISSIVE,
# DestinationRules, uninjected stragglers) and runs the full
# `sc8scan scan --from DIR --out OUT` on each, with policy and without
# probes, printing wall time, peak RSS and bundle size against the targets,
# then a path query on the largest bundle. There is no peer tool that builds
# an SC-8 matrix to compare with; the ratio printed is against the target.
#
#   hack/bench-scale.sh            # 1,000 / 3,000 / 6,000 workloads
#   SIZES="1000:2000:33" hack/bench-scale.sh   # workloads:ports:namespaces
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x bin/sc8scan ] || make build >/dev/null
work=${BENCH_DIR:-$(mktemp -d /tmp/sc8scan-scale.XXXXXX)}
trap 'rm -rf "$work"' EXIT
sizes=${SIZES:-"1000:2000:33 3000:5000:100 6000:10000:200"}
uptime
printf '%-10s %-8s %-11s %-9s %-9s %-8s %-10s %-11s %s\n' workloads ports namespaces rows classes wall peak-RSS bundle targets
for s in $sizes; do
  IFS=: read -r w p n <<<"$s"
  dump="$work/dump-$w" out="$work/out-$w"
  go run ./pkg/internal/clustergen/cmd/sc8gencluster -workloads "$w" -ports "$p" -namespaces "$n" -out "$dump" >/dev/null
  /usr/bin/time -f '%e %M' -o "$work/time-$w" bin/sc8scan scan --from "$dump" --out "$out" --no-probe -o none -q 2>"$work/err-$w" || rc=$?
  rc=${rc:-0}
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ] && [ "$rc" -ne 4 ]; then
    echo "scan of $w workloads failed (exit $rc):" >&2
    cat "$work/err-$w" >&2
    exit 1
  fi
  unset rc
  read -r wall kb < <(tail -n 1 "$work/time-$w")
  mib=$(du -sm "$out" | cut -f1)
  read -r rows classes < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["rows"], s["classes"])' "$out/matrix.json")
  verdict=""
  if [ "$w" -ge 6000 ]; then
    verdict=$(awk -v t="$wall" -v k="$kb" -v b="$mib" 'BEGIN {
      printf "%.2fx of 60 s %s, %.2fx of 2 GiB %s, %.2fx of 256 MiB %s",
        t/60, (t < 60 ? "met" : "MISSED"), k/2097152, (k < 2097152 ? "met" : "MISSED"), b/256, (b < 256 ? "met" : "MISSED") }')
  elif [ "$w" -le 1000 ]; then
    verdict=$(awk -v t="$wall" 'BEGIN { printf "%.2fx of 10 s %s", t/10, (t < 10 ? "met" : "MISSED") }')
  fi
  printf '%-10s %-8s %-11s %-9s %-9s %-8s %-10s %-11s %s\n' "$w" "$p" "$n" "$rows" "$classes" "${wall}s" "$((kb / 1024))MiB" "${mib}MiB" "$verdict"
  last="$out" lastdump="$dump"
done
# A path query on the largest matrix: any pair, in under 2 s.
src=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); g=m["groups"][-1]["members"][-1]; print(g["namespace"]+"/"+g["name"])' "$last/matrix.json")
dst=$(python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); d=m["rows"][len(m["rows"])//2]["destination"]; print("%s/%s:%d" % (d["namespace"], d["service"], d["port"]))' "$last/matrix.json")
/usr/bin/time -f '%e %M' -o "$work/time-query" bin/sc8scan report "$last/matrix.json" --source "$src" --destination "$dst" -o json >/dev/null
read -r qwall qkb < <(tail -n 1 "$work/time-query")
awk -v t="$qwall" -v k="$qkb" -v s="$src" -v d="$dst" 'BEGIN {
  printf "path query %s -> %s: %.2f s, %d MiB (%.2fx of 2 s %s)\n", s, d, t, k/1024, t/2, (t < 2 ? "met" : "MISSED") }'
