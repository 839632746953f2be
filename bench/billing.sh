#!/usr/bin/env bash
# Billing at scale: usage-event ingestion rate (events/s, exactly-once marking on) and invoice generation time, on a
# throwaway PostgreSQL loaded with U Pro subscribers whose period has ended, E usage events each.
# Usage: bench/billing.sh [U=10000] [E=20] [WORKERS=2]
set -euo pipefail
cd "$(dirname "$0")/.."
users=${1:-10000}
events=${2:-20}
workers=${3:-2}

./eng/bootstrap.sh
dotnet build bench/BillingThroughput -c Release --nologo -v quiet -clp:NoSummary

data=$(mktemp -d); chmod 755 "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
POSTGRES_PASSWORD="$password" src/BioAiSaaS.AppHost/BackingServices/postgres.sh "$data/pg" "$port" >"$data/postgres.log" 2>&1 &
server=$!
cleanup() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  PGPASSWORD="$password" psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAtc 'SELECT 1' >/dev/null 2>&1 && break
  sleep 0.2
done
PGPASSWORD="$password" psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc 'CREATE DATABASE bench' >/dev/null

dotnet bench/BillingThroughput/bin/Release/net10.0/BillingThroughput.dll \
  "Host=127.0.0.1;Port=$port;Database=bench;Username=postgres;Password=$password;Maximum Pool Size=20" "$users" "$events" "$workers"
