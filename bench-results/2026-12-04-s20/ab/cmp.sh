#!/usr/bin/env bash
# cmp.sh ROUNDS MTU N WARM 'label|ROOT|JOPTS|EXTRA' ...   (EXTRA: env assignments like SIZE=65160)
R=$1; MTU=$2; N=$3; W=$4; shift 4
for r in $(seq $R); do
  for spec in "$@"; do
    IFS='|' read -r label root jopts extra <<<"$spec"
    out=$(env ROOT=$root JOPTS="$jopts" $extra timeout 300 bash /work/ab3/bulk.sh $MTU $N $W 2>&1 | grep -E "qps|latency" | tr '\n' ' ')
    echo "$r $label $out"
  done
done
