#!/usr/bin/env bash
# The multi-core measurements, in one run on a lent device machine (16 cores; prepare with
# bench/device-prepare.sh). Results, and this run's log, land in $OUT. About 6-8 minutes, the
# issue's targets first so that a run cut short still brings them back:
#   - the compiled engine at 1-16 workers: 16 heads N = 4096, one head N = 32768 (scaling);
#   - the 64-job sweep at 1-16 workers, whole processes (sweep-scaling, one round);
#   - what the machine gives (bench/cpu-scaling.mjs);
#   - a sweep's compiling: the 64-job sweep three times on one pool of 16 and of 1 (sweep-passes).
source "$(dirname "$0")/device-setup.sh"
{
  timeout 200 node bench/scaling.mjs --out "$out/scaling.json"
  timeout 150 node bench/sweep-scaling.mjs --rounds 1 --out "$out/sweep-scaling.json"
  timeout 90 node bench/cpu-scaling.mjs --out "$out/cpu-scaling.json"
  for w in 16 1; do timeout 45 node bench/sweep-passes.mjs --workers "$w" --passes 3; done
} 2>&1 | tee "$out/device.log"
