#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test against the real stack
# (the tests boot the AppHost: PostgreSQL with pgvector, Redis, migrations, Api, Worker, SandboxHost).
set -euo pipefail
cd "$(dirname "$0")"

./eng/bootstrap.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build BioAiSaaS.sln --nologo -v quiet -clp:NoSummary -warnaserror

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test --solution BioAiSaaS.sln --no-build --no-ansi --no-progress --output Detailed "$@" 2>&1 | tee "$log" \
  || status=${PIPESTATUS[0]}

# CI keeps only the tail of this output: repeat each failed test's name and first lines of its error
# there, so a red run says what failed without the whole log.
failures=$(awk '/^failed /{n=6} n>0{print; n--}' "$log" | cut -c1-300)
if [ -n "$failures" ]; then printf '\nfailed tests:\n%s\n\n' "$failures"; fi

# One plain closing line, whatever the runner printed above it.
count() { grep -E "^\s+$1: [0-9]+" "$log" | tail -n1 | grep -oE '[0-9]+' || echo 0; }
echo "tests: $(count succeeded) passed, $(count failed) failed, $(count skipped) skipped"
exit "$status"
