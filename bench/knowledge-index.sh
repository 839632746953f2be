#!/usr/bin/env bash
# Knowledge index at scale: loads C generated chunks (with real all-MiniLM-L6-v2 vectors) into a throwaway PostgreSQL
# with pgvector, then measures recall@10 against exact search and the latency of the vector leg per HNSW setting
# (m, ef_construction, ef_search), and the product's KnowledgeSearch on the index the migration creates.
# Usage: bench/knowledge-index.sh [C=100000] [Q=200] [MODE=sweep|product] (product: no sweep; prints the product
# search's plans). Vectors are cached in /tmp/bioaisaas-bench (embedding 100,000
# passages takes several minutes). PostgreSQL runs with shared_buffers=1GB, as for a production database of this size.
set -euo pipefail
cd "$(dirname "$0")/.."
chunks=${1:-100000}
queries=${2:-200}
mode=${3:-sweep}

./eng/bootstrap.sh
dotnet build bench/KnowledgeIndex -c Release --nologo -v quiet -clp:NoSummary

data=$(mktemp -d); chmod 755 "$data"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
POSTGRES_PASSWORD="$password" POSTGRES_SHARED_BUFFERS=1GB \
  src/BioAiSaaS.AppHost/BackingServices/postgres.sh "$data/pg" "$port" >"$data/postgres.log" 2>&1 &
server=$!
cleanup() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"; }
trap cleanup EXIT
for _ in $(seq 1 100); do
  PGPASSWORD="$password" psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAtc 'SELECT 1' >/dev/null 2>&1 && break
  sleep 0.2
done
PGPASSWORD="$password" psql -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc 'CREATE DATABASE bench' >/dev/null

BENCH_POSTGRES_LOG="$data/postgres.log" dotnet bench/KnowledgeIndex/bin/Release/net10.0/KnowledgeIndex.dll \
  "Host=127.0.0.1;Port=$port;Database=bench;Username=postgres;Password=$password" "$chunks" "$queries" /tmp/bioaisaas-bench "$mode"
