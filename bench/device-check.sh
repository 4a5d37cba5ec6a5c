#!/usr/bin/env bash
# The second device run of 2026-11-28 (after auto's one worker per 4M score elements): the
# scaling curves again, one head at N = 4096 on default flags against explicit counts, and the
# sweep with two rounds. Results in $OUT. Run as bench/device.sh says (about 3 minutes).
source "$(dirname "$0")/device-setup.sh"
{
  timeout 150 node bench/scaling.mjs --out "$out/scaling.json"
  for round in 1 2 3; do
    for w in auto 1 4 16; do
      s=$(date +%s%N)
      node dist/cli/main.js run --design modified --n 4096 --workers "$w" --json --quiet > /tmp/one-head.json
      ms=$(( ($(date +%s%N) - s) / 1000000 ))
      workers=$(node -p 'JSON.parse(require("fs").readFileSync("/tmp/one-head.json", "utf8")).workers')
      echo "one head N=4096 --workers $w: $ms ms on $workers worker(s), round $round"
    done
  done
  timeout 100 node bench/sweep-scaling.mjs --rounds 2 --out "$out/sweep-scaling.json"
} 2>&1 | tee "$out/device.log"
