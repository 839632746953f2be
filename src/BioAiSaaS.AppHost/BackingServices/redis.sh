#!/usr/bin/env bash
# Runs the host's Redis for the AppHost when there is no container runtime.
# Usage: redis.sh DATA_DIR PORT, with the password in REDIS_PASSWORD (given on stdin, never on the command line).
set -euo pipefail
data=$1
port=$2
: "${REDIS_PASSWORD:?REDIS_PASSWORD must be set}"
command -v redis-server >/dev/null || { echo "redis-server not found; run eng/bootstrap.sh" >&2; exit 1; }

if [ "$(id -u)" = 0 ] && id redis >/dev/null 2>&1; then as_owner=(runuser -u redis --); owner=redis; else as_owner=(); owner=$(id -un); fi
mkdir -p "$data"
chown "$owner" "$data"
chmod 700 "$data"

# Append-only persistence: the queue survives a Redis restart (PostgreSQL stays the truth regardless).
exec "${as_owner[@]}" redis-server - <<CONF
port $port
bind 127.0.0.1
protected-mode yes
dir $data
appendonly yes
appendfsync everysec
save ""
requirepass $REDIS_PASSWORD
CONF
