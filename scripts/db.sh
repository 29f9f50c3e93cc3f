#!/usr/bin/env bash
# Prints the PostgreSQL URL that `make run` (arg "run") or `make test` (arg
# "test") should use, starting what is needed:
#   1. $DATABASE_URL (run) / $TEST_DATABASE_URL or $DATABASE_URL (test), if set;
#   2. else a server on 127.0.0.1:5432 (user postgres, trust auth);
#   3. else a private cluster under .data/ (port 54329) from the installed
#      PostgreSQL binaries, created and started on first use;
#   4. else a clear error.
set -euo pipefail
mode=${1:-run}
root=$(cd "$(dirname "$0")/.." && pwd)
dbname=paycore
[ "$mode" = test ] && dbname=postgres

if [ "$mode" = test ] && [ -n "${TEST_DATABASE_URL:-}" ]; then echo "$TEST_DATABASE_URL"; exit 0; fi
if [ -n "${DATABASE_URL:-}" ]; then echo "$DATABASE_URL"; exit 0; fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

create_db() { # host port
  [ "$dbname" = postgres ] && return 0
  if command -v psql >/dev/null 2>&1; then
    psql -h "$1" -p "$2" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$dbname'" 2>/dev/null | grep -q 1 ||
      psql -h "$1" -p "$2" -U postgres -d postgres -qc "CREATE DATABASE $dbname" >/dev/null 2>&1 || dbname=postgres
  else
    dbname=postgres
  fi
}

if port_open 5432; then
  create_db 127.0.0.1 5432
  echo "postgres://postgres@127.0.0.1:5432/$dbname?sslmode=disable"
  exit 0
fi

bindir=""
if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
  bindir=$(pg_config --bindir)
else
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && bindir=$d && break
  done
fi
if [ -z "$bindir" ]; then
  echo "paycore: no PostgreSQL found: set DATABASE_URL, start a server on 127.0.0.1:5432, or install PostgreSQL (e.g. apt-get install postgresql) so a private cluster can be started under .data/" >&2
  exit 1
fi

data=$root/.data/pg
run=$root/.data/run
port=54329
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -f "$data/PG_VERSION" ]; then
  if [ "$(id -u)" = 0 ]; then
    install -d -o postgres -g postgres -m 700 "$data"
    install -d -o postgres -g postgres -m 775 "$run"
  else
    mkdir -p "$data" "$run"; chmod 700 "$data"
  fi
  as_pg "$bindir/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 -N >"$run/initdb.log" 2>&1 ||
    { echo "paycore: initdb failed, see $run/initdb.log" >&2; exit 1; }
fi
if ! port_open $port; then
  as_pg "$bindir/pg_ctl" -D "$data" -l "$run/pg.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$run" start >/dev/null ||
    { echo "paycore: could not start the private cluster, see $run/pg.log" >&2; exit 1; }
fi
PATH=$bindir:$PATH create_db 127.0.0.1 $port
echo "postgres://postgres@127.0.0.1:$port/$dbname?sslmode=disable"
