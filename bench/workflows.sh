#!/usr/bin/env bash
# Workflow runs on a freshly started stack (Release build, fresh data folder, one Worker with its defaults):
#   1. N one-step workflows (the reverse_complement tool) one after another: submit -> pickup from the runs' own
#      timestamps, and submit -> succeeded as a polling client sees it
#   2. a burst of B such workflows from 8 concurrent clients, as A accounts in turn: runs finished per second
#   3. S runs followed over SSE from submission: event append (database clock) -> arrival at the client
# Usage: bench/workflows.sh [N=200] [B=400] [S=50] [A=1]. Prints figures for docs/benchmarks.md. Needs ports 15180/19180/20180 free.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
burst=${2:-400}
streams=${3:-50}
accounts=${4:-1}

# The per-account submission limit (120 a minute) and the Free plan's concurrent-run limit (1) would stop the burst:
# raise both for this measurement of the run path. BENCH_STACK_ARGS adds AppHost arguments (e.g. --Telemetry:TraceSampleRatio=0.01).
STACK_ARGS=(--RateLimits:RunSubmission:PerAccount=1000000 --Billing:Runs:ConcurrentRunLimits:free=10000 ${BENCH_STACK_ARGS:-})
source bench/stack.sh
read -r _ key < <(python3 bench/account.py "$api" "$inbox")
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d); $(git rev-parse --short HEAD)"
burst_keys=""
if [ "$accounts" -gt 1 ]; then
  for _ in $(seq 1 "$accounts"); do read -r _ k < <(python3 bench/account.py "$api" "$inbox"); burst_keys="$burst_keys,$k"; done
fi
BIOAISAAS_API_KEY="$key" BIOAISAAS_BURST_KEYS="${burst_keys#,}" python3 bench/workflows.py "$api" "$n" "$burst" "$streams"
