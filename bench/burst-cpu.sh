#!/usr/bin/env bash
# Where the CPU goes during a burst of one-tool workflows (docs/benchmarks.md, "Where the CPU goes"): on a freshly
# started stack, submits B workflows from 8 clients (bench/workflows.py), samples `top` every 3 s meanwhile and takes a
# 12-second dotnet-trace of the Api and the Worker from the 12th second; prints each process's mean CPU over the busy
# samples and, per traced service, the share of on-CPU samples by innermost frame.
# Usage: bench/burst-cpu.sh [B=1000]. Extra AppHost arguments in BENCH_STACK_ARGS. Needs ports 15180/19180/20180 free.
set -euo pipefail
cd "$(dirname "$0")/.."
burst=${1:-1000}
tools=.tools
[ -x "$tools/dotnet-trace" ] || dotnet tool install dotnet-trace --tool-path "$tools" --version 10.0.750501 >/dev/null

STACK_ARGS=(--RateLimits:RunSubmission:PerAccount=1000000 --Billing:Runs:ConcurrentRunLimits:free=10000 ${BENCH_STACK_ARGS:-})
source bench/stack.sh
read -r _ key < <(python3 bench/account.py "$api" "$inbox")
out=$(mktemp -d)
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d); $(git rev-parse --short HEAD)"

BIOAISAAS_API_KEY="$key" python3 bench/workflows.py "$api" 1 "$burst" 1 > "$out/bench.txt" &
bench=$!
top -b -d 3 -n 20 -w 200 > "$out/top.txt" &
sampling=$!
sleep 12
traces=()
for service in Api Worker; do
  # The process name is cut to 15 characters ("BioAiSaaS.Worke").
  pid=$(pgrep -x "$(echo "BioAiSaaS.$service" | cut -c1-15)")
  "$tools/dotnet-trace" collect -p "$pid" --duration 00:00:00:12 --format speedscope -o "$out/$service.nettrace" >/dev/null &
  traces+=($!)
done
# Not a bare `wait`: the stack itself runs in the background too.
wait "$bench" "$sampling" "${traces[@]}"
grep burst "$out/bench.txt"
python3 bench/burst_cpu.py "$out/top.txt" "$out/Api.speedscope.json" "$out/Worker.speedscope.json"
rm -rf "$out"
