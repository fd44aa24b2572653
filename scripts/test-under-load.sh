#!/usr/bin/env bash
# The loaded-machine proof: runs the whole suite (`pnpm test`) while two CPU-burning processes
# run beside it, so a test that depends on machine speed fails here rather than in a busy CI.
# Exits with the suite's status. Not part of CI; run it before claiming the suite is stable.
set -euo pipefail
cd "$(dirname "$0")/.."

burners=()
stop_burners() {
  for pid in "${burners[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${burners[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_burners EXIT INT TERM

for _ in 1 2; do
  # A busy loop in its own process: one core's worth of load each.
  bash -c 'while :; do :; done' &
  burners+=("$!")
done
echo "test-under-load: burning CPU in pids ${burners[*]} while the suite runs" >&2

status=0
start=$(date +%s)
pnpm test "$@" || status=$?
echo "test-under-load: suite exited $status after $(( $(date +%s) - start )) s under load" >&2
exit "$status"
