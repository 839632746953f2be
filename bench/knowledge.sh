#!/usr/bin/env bash
# Knowledge base, end to end on a freshly started stack (Release build, fresh data folder, local MiniLM model):
#   1. ingestion throughput: upload a generated document of about C chunks to a project, time upload -> ready
#   2. search latency: N project searches (hybrid) over HTTP, one after another, with their p50/p95
# Usage: bench/knowledge.sh [C=2000] [N=200]. Prints figures for docs/benchmarks.md. Needs ports 15180/19180/20180 free.
# The index at 100,000 chunks (recall@10, HNSW settings) is bench/knowledge-index.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
chunks=${1:-2000}
n=${2:-200}

STACK_ARGS=()
source bench/stack.sh
read -r _ key < <(python3 bench/account.py "$api" "$inbox")
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d)"
BIOAISAAS_API_KEY="$key" python3 bench/knowledge.py "$api" "$chunks" "$n"
