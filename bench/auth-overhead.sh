#!/usr/bin/env bash
# What authentication costs per request: wrk against two identical trivial endpoints of the Api (Release build),
# /bench/anonymous and /bench/authenticated (mapped only with Benchmarks:ExposeProbes=true), the second with
#   1. a JWT access token (ES256 validation + the session-revocation check in Redis + the tenant hand-off), and
#   2. an API key (a PostgreSQL lookup of the key and its account, over the row-level-security login).
# Usage: bench/auth-overhead.sh [DURATION_SECONDS=20] [CONNECTIONS=32]. Prints figures for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${1:-20}
connections=${2:-32}

# The rate limits are not what is measured here.
STACK_ARGS=(--Benchmarks:ExposeProbes=true)
source bench/stack.sh
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
read -r token key < <(python3 bench/account.py "$api" "$inbox")

measure() { # name, then extra wrk arguments
  local name=$1; shift
  wrk -t2 -c"$connections" -d"${duration}s" --timeout 10s -s bench/percentiles.lua "$@" >/dev/null 2>&1 || true # warm-up
  read -r _ rps p50 p95 p99 bad < <(wrk -t2 -c"$connections" -d"${duration}s" --timeout 10s -s bench/percentiles.lua "$@" | grep '^RESULT')
  printf '%-28s %8s req/s   p50 %6s ms   p95 %6s ms   p99 %6s ms   non-2xx %s\n' "$name" "$rps" "$p50" "$p95" "$p99" "$bad"
}
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d); wrk -t2 -c$connections -d${duration}s"
measure "anonymous"                  "$api/bench/anonymous"
measure "authenticated (JWT)"        -H "Authorization: Bearer $token" "$api/bench/authenticated"
measure "authenticated (API key)"    -H "X-Api-Key: $key" "$api/bench/authenticated"
measure "no token → 401"             "$api/bench/authenticated"
