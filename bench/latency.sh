#!/usr/bin/env bash
# Measures the foundation's latencies on a freshly started stack (Release build, fresh data folder):
#   1. sandbox round trip for print(1)                          (hey, N sequential requests)
#   2. sandbox round trip for import numpy, pandas, Bio         (hey, N sequential requests)
#   3. API → result of a trivial run: POST /api/runs, then GET every 5 ms until it has finished
# Usage: bench/latency.sh [N=100]. Prints figures for docs/benchmarks.md. Needs ports 15180/19180/20180 free.
# Runs are submitted with the API key of a fresh, verified account (bench/account.py).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100}

STACK_ARGS=()
source bench/stack.sh
command -v hey >/dev/null || { apt-get update -qq && apt-get install -y -qq hey >/dev/null; }
read -r _ key < <(python3 bench/account.py "$api" "$inbox")

hey_percentiles() { # prints "median p95" in ms from hey's latency distribution
  hey -n "$n" -c 1 -m POST -T application/json -d "$1" "$sandbox/v1/executions" \
    | awk '/ 50% in/ {m=$3*1000} / 95% in/ {p=$3*1000} /\[200\]/ {ok=$2} END {printf "%.1f %.1f %s\n", m, p, ok}'
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d)"
read -r m p ok < <(hey_percentiles '{"language":"python","code":"print(1)","timeoutSeconds":30}')
echo "sandbox print(1):                 median ${m} ms, p95 ${p} ms (${ok} of $n answered 200)"
read -r m p ok < <(hey_percentiles '{"language":"python","code":"import numpy, pandas, Bio","timeoutSeconds":30}')
echo "sandbox import numpy, pandas, Bio: median ${m} ms, p95 ${p} ms (${ok} of $n answered 200)"
BIOAISAAS_API_KEY="$key" python3 bench/run_latency.py "$api" "$n"
