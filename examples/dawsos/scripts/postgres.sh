#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster on 127.0.0.1:$PG_PORT for the integration stage (the seed's
# `docker-compose -f docker-compose.test.yml up -d postgres`); removed when the stage stops it (`down -v`).
set -euo pipefail
port="${PG_PORT:-25432}"
bin=/usr/lib/postgresql/15/bin
dir="$(mktemp -d "${TMPDIR:-/tmp}/dawsos-pg.XXXXXX")"
as=()
if [ "$(id -u)" = 0 ]; then # initdb refuses root
  chown postgres "$dir"
  as=(runuser -u postgres --)
fi
"${as[@]}" "$bin/initdb" -D "$dir/data" -U dawsos -A trust --no-sync -E UTF8 >/dev/null
"${as[@]}" "$bin/postgres" -D "$dir/data" -p "$port" -k "$dir" -c listen_addresses=127.0.0.1 -c fsync=off &
pid=$!
trap 'kill -INT "$pid" 2>/dev/null; wait "$pid"; rm -rf "$dir"' EXIT TERM
wait "$pid"
