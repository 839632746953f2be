# Sourced by the benchmark scripts: builds Release and starts the whole stack through the AppHost on a fresh
# data folder, with smtp4dev for mail; extra AppHost arguments come from STACK_ARGS (an array).
# Sets: api, sandbox, inbox (URLs). Stops everything when the calling script exits. Needs ports 15180/19180/20180 free.
cd "$(dirname "${BASH_SOURCE[0]}")/.."

./eng/bootstrap.sh
dotnet tool restore >/dev/null
dotnet build src/BioAiSaaS.AppHost -c Release --nologo -v quiet -clp:NoSummary

stack_data=$(mktemp -d); chmod 755 "$stack_data"
stack_log=$(mktemp)
dotnet run --project src/BioAiSaaS.AppHost -c Release --no-build -- \
  --BackingServices:Mode=HostProcesses --BackingServices:DataDirectory="$stack_data" "${STACK_ARGS[@]}" >"$stack_log" 2>&1 &
stack_pid=$!
# Background jobs of a script ignore SIGINT, and `dotnet run` does not pass signals on: SIGTERM the AppHost itself.
stack_cleanup() { pkill -TERM -P "$stack_pid" 2>/dev/null || true; wait "$stack_pid" 2>/dev/null || true; rm -rf "$stack_data" "$stack_log"; }
trap stack_cleanup EXIT

url_of() { grep -oE "BioAiSaaS $1.* ready at http://[^ ]+" "$stack_log" | grep -oE 'http://[^ ]+' | head -n1; }
for _ in $(seq 1 180); do
  api=$(url_of API || true); sandbox=$(url_of sandbox || true); inbox=$(url_of "mail inbox" || true)
  [ -n "$api" ] && [ -n "$sandbox" ] && [ -n "$inbox" ] && break
  kill -0 "$stack_pid" 2>/dev/null || break
  sleep 1
done
[ -n "${api:-}" ] && [ -n "${sandbox:-}" ] && [ -n "${inbox:-}" ] || { echo "stack did not come up; log:" >&2; cat "$stack_log" >&2; exit 1; }
sleep 3 # let the worker join the consumer group
