#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors, and runs every test against the real stack
# (the tests boot the AppHost: PostgreSQL with pgvector, Redis, migrations, Api, Worker, SandboxHost).
set -euo pipefail
cd "$(dirname "$0")"

./eng/bootstrap.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build BioAiSaaS.sln --nologo -v quiet -clp:NoSummary -warnaserror

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
status=0
dotnet test BioAiSaaS.sln --no-build --nologo \
  --logger "console;verbosity=normal" --logger "trx;LogFileName=results.trx" \
  --results-directory "$results" "$@" || status=$?

# One plain closing line, whatever the runner printed above it.
if counters=$(grep -ho '<Counters [^>]*>' "$results"/*.trx 2>/dev/null | head -n1) && [ -n "$counters" ]; then
  field() { sed -E "s/.* $1=\"([0-9]+)\".*/\1/" <<<"$counters"; }
  echo "tests: $(field passed) passed, $(field failed) failed, $(( $(field total) - $(field executed) )) skipped"
fi
exit $status
