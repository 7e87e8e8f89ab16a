#!/usr/bin/env bash
# PostgreSQL 15 for the integration tests, as the seed's `services: postgres: image: postgres:15`: a
# throwaway cluster on 127.0.0.1:$PGPORT with trust auth, removed when the stage stops it. initdb
# refuses root, so as root the cluster runs as the postgres user (the Debian package makes it).
set -euo pipefail
bin=/usr/lib/postgresql/15/bin
dir=$(mktemp -d /tmp/companyos-pg.XXXXXX)
trap 'rm -rf "$dir"' EXIT
as=()
if [ "$(id -u)" = 0 ]; then
  chown postgres "$dir"
  as=(setpriv --reuid=postgres --regid=postgres --init-groups)
fi
"${as[@]}" "$bin/initdb" -D "$dir/data" -U companyos -A trust --no-sync -E UTF8 > /dev/null
"${as[@]}" "$bin/postgres" -D "$dir/data" -k "$dir" -h 127.0.0.1 -p "$PGPORT" -F &
pg=$!
trap 'kill -INT $pg 2> /dev/null; wait $pg; rm -rf "$dir"' EXIT TERM INT
wait $pg
