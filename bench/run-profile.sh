#!/usr/bin/env bash
# Where a trivial workflow run's time goes: on a freshly started stack, runs 30 one-tool workflows and prints, for the
# last, the time from acceptance to a worker's claim and then between consecutive events (each event's `timestamp`
# is the database clock at its append). Usage: bench/run-profile.sh. Needs ports 15180/19180/20180 free.
set -euo pipefail
cd "$(dirname "$0")/.."
STACK_ARGS=(--RateLimits:RunSubmission:PerAccount=1000000)
source bench/stack.sh
read -r _ key < <(python3 bench/account.py "$api" "$inbox")
BIOAISAAS_API_KEY="$key" python3 bench/run_profile.py "$api"
