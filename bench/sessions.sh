#!/usr/bin/env bash
# Measures sandbox sessions on a SandboxHost of its own (Release build, as root so each session gets its own uid):
#   1. new-session latency with a warm kernel waiting (paced so the pool has refilled) and back to back (pool drained)
#   2. print(1) round trip inside a session; the same for an operation on a 10 MB DataFrame
#   3. idle sessions: memory each (PSS of the session's processes, and the host's MemAvailable drop) for K sessions
# Usage: bench/sessions.sh [N=200] [K=60]. Prints figures for docs/benchmarks.md. Needs port 17180 free.
# Nothing else should run meanwhile: the machine has two cores.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
k=${2:-60}
port=17180

dotnet build src/BioAiSaaS.SandboxHost -c Release -v q -nologo >/dev/null
out=src/BioAiSaaS.SandboxHost/bin/Release/net10.0
log=$(mktemp)
(cd "$out" && Sandbox__MaxSessions=$((k + 10)) Sandbox__MaxSessionsPerTenant=$((k + 10)) Sandbox__WarmSessions=2 \
  Logging__LogLevel__Default=Warning exec dotnet BioAiSaaS.SandboxHost.dll --urls "http://127.0.0.1:$port") >"$log" 2>&1 &
host=$!
trap 'kill $host 2>/dev/null; wait $host 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 120); do curl -fs "http://127.0.0.1:$port/v1/capabilities" >/dev/null && break; sleep 0.5; done

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u +%Y-%m-%d)"
python3 bench/sessions.py "http://127.0.0.1:$port" "$n" "$k"
