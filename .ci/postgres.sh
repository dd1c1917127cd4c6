#!/usr/bin/env bash
# Start Debian's PostgreSQL cluster (it refuses to run as root, so pg_ctlcluster runs it
# as postgres), create the test role and database, and print the TEST_DATABASE_URL.
# Idempotent: the cluster, role or database may exist already.
set -euo pipefail

cluster=$(pg_lsclusters --no-header 2>/dev/null | head -n 1 || true)
if [ -z "$cluster" ]; then
  version=$(ls /usr/lib/postgresql | sort -n | tail -n 1)
  pg_createcluster "$version" main >&2
  cluster=$(pg_lsclusters --no-header | head -n 1)
fi
version=$(echo "$cluster" | awk '{print $1}')
name=$(echo "$cluster" | awk '{print $2}')
port=$(echo "$cluster" | awk '{print $3}')
pg_ctlcluster "$version" "$name" start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p "$port" >&2

psql_admin() { su postgres -c "psql -p $port -qtAc \"$1\""; }
if [ "$(psql_admin "SELECT 1 FROM pg_roles WHERE rolname='gongchuang'")" != "1" ]; then
  psql_admin "CREATE ROLE gongchuang LOGIN PASSWORD 'gongchuang' CREATEDB"
fi
if [ "$(psql_admin "SELECT 1 FROM pg_database WHERE datname='gongchuang_test'")" != "1" ]; then
  su postgres -c "createdb -p $port -O gongchuang gongchuang_test"
fi
echo "postgresql+psycopg://gongchuang:gongchuang@127.0.0.1:$port/gongchuang_test"
