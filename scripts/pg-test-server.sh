#!/usr/bin/env bash
# Starts (start DIR PORT) or stops (stop DIR) a throw-away PostgreSQL server for the tests,
# listening on 127.0.0.1 only, with fsync off. initdb and postgres refuse to run as root, so as
# root they run as the `postgres` user.
set -euo pipefail

action=$1
base=$2
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$pgbin" ] || { echo "PostgreSQL server binaries not found (scripts/setup-system.sh test)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
  start)
    port=$3
    rm -rf "$base"
    mkdir -p "$base/data" "$base/sock"
    chmod 700 "$base" "$base/data"
    [ "$(id -u)" -eq 0 ] && chown -R postgres:postgres "$base"
    as_pg "$pgbin/initdb" -D "$base/data" -U postgres -E UTF8 --locale=C.UTF-8 --auth=trust >"$base/initdb.log"
    as_pg "$pgbin/pg_ctl" -D "$base/data" -l "$base/server.log" -w -t 60 \
      -o "-p $port -k $base/sock -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null
    ;;
  stop)
    as_pg "$pgbin/pg_ctl" -D "$base/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$base"
    ;;
  *) echo "usage: $0 start DIR PORT | stop DIR" >&2; exit 2 ;;
esac
