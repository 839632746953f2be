#!/usr/bin/env bash
# Installs what is missing, then starts the whole stack through the AppHost. It prints the Aspire
# dashboard's login URL and, once healthy, the API URL. Ctrl+C stops everything.
set -euo pipefail
cd "$(dirname "$0")"

./eng/bootstrap.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Local tools: smtp4dev, the development mail server with a web inbox (a no-op once restored).
dotnet tool restore >/dev/null
dotnet build src/BioAiSaaS.AppHost --nologo -v quiet -clp:NoSummary
exec dotnet run --project src/BioAiSaaS.AppHost --no-build "$@"
