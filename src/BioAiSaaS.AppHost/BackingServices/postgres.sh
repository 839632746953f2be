#!/usr/bin/env bash
# Runs the host's PostgreSQL (with pgvector) for the AppHost when there is no container runtime.
# Usage: postgres.sh DATA_DIR PORT, with the superuser's password in POSTGRES_PASSWORD (and optionally
# POSTGRES_SHARED_BUFFERS, 128MB by default: enough for development; benchmarks of large indexes raise it).
# Initialises DATA_DIR on first start; later starts keep the data and set the password Aspire gives.
set -euo pipefail
data=$1
port=$2
: "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -x "$bindir/postgres" ] || { echo "PostgreSQL server binaries not found; run eng/bootstrap.sh" >&2; exit 1; }

# PostgreSQL refuses to run as root: drop to the postgres user then.
if [ "$(id -u)" = 0 ]; then as_owner=(runuser -u postgres --); owner=postgres; else as_owner=(); owner=$(id -un); fi

mkdir -p "$data"
chown "$owner" "$data"
chmod 700 "$data"
if ! "${as_owner[@]}" test -w "$data"; then
  echo "user $owner cannot reach $data: every parent folder must be searchable by it (chmod o+x)" >&2
  exit 1
fi

# A server orphaned by a killed AppHost still holds the folder: stop it before starting ours.
if [ -f "$data/postmaster.pid" ]; then
  pid=$(head -n1 "$data/postmaster.pid")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q postgres "/proc/$pid/comm" 2>/dev/null; then
    echo "stopping a stale PostgreSQL server (pid $pid) on $data"
    kill -TERM "$pid" || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
fi

if [ ! -s "$data/PG_VERSION" ]; then
  pwfile=$(mktemp)
  printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
  chown "$owner" "$pwfile"
  "${as_owner[@]}" "$bindir/initdb" -D "$data" -U postgres --pwfile="$pwfile" \
    --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
  echo "initialised a new PostgreSQL cluster in $data"
else
  # The folder outlives runs but Aspire may generate a new password: make the cluster take it.
  escaped=${POSTGRES_PASSWORD//\'/\'\'}
  echo "ALTER USER postgres PASSWORD '$escaped';" \
    | "${as_owner[@]}" "$bindir/postgres" --single -D "$data" postgres >/dev/null
fi

"${as_owner[@]}" "$bindir/postgres" -D "$data" -p "$port" \
  -c listen_addresses=127.0.0.1 -c unix_socket_directories= \
  -c max_connections=200 -c shared_buffers="${POSTGRES_SHARED_BUFFERS:-128MB}" -c fsync=on \
  -c log_destination=stderr -c logging_collector=off &
server=$!

# The orchestrator stops us with SIGTERM, which PostgreSQL would take as a *smart* shutdown (wait for every
# client to leave) and which is soon followed by SIGKILL. Ask the postmaster for a fast shutdown instead:
# clients are disconnected and a shutdown checkpoint is written, so the next start needs no recovery.
fast_shutdown() {
  pid=$(head -n1 "$data/postmaster.pid" 2>/dev/null || true)
  if [ -n "$pid" ]; then kill -INT "$pid" 2>/dev/null || true; else kill -TERM "$server" 2>/dev/null || true; fi
}
trap fast_shutdown TERM INT
status=0
while kill -0 "$server" 2>/dev/null; do
  wait "$server" || status=$?
done
exit "$status"
