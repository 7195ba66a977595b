#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests.
#
#   scripts/postgres.sh start   start one; print its URL on stdout (progress on stderr)
#   scripts/postgres.sh url     print the URL of the one started
#   scripts/postgres.sh stop    stop it and delete its data
#
# The server listens on 127.0.0.1 only, on a free port, with trust auth and
# durability off (fsync and friends) for speed; its data directory and unix
# socket live in a fresh mktemp directory under /tmp, because the repository
# folder may not be readable by the `postgres` user. It has one database,
# `livingtogether_test`, in which the `unaccent` extension is created (for the
# full-text search). The state (data directory, port, URL) is recorded in
# $LIVINGTOGETHER_PG_STATE (default: .pg/server.env in the repository).
#
# initdb and pg_ctl refuse to run as root: as root they run as the `postgres`
# user (runuser); otherwise as yourself. The binaries are the newest
# /usr/lib/postgresql/*/bin, else `pg_config --bindir`; if there is no
# PostgreSQL at all and we are root, Debian's `postgresql` package is installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${LIVINGTOGETHER_PG_STATE:-$ROOT/.pg/server.env}"
DATABASE="livingtogether_test"

say() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

find_bindir() {
    local dir best=""
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/initdb" ] || continue
        if [ -z "$best" ] || [ "$(printf '%s\n%s\n' "$best" "$dir" | sort -V | tail -n 1)" = "$dir" ]; then
            best="$dir"
        fi
    done
    if [ -z "$best" ] && command -v pg_config >/dev/null 2>&1; then
        dir="$(pg_config --bindir 2>/dev/null || true)"
        [ -n "$dir" ] && [ -x "$dir/initdb" ] && best="$dir"
    fi
    if [ -z "$best" ] && command -v initdb >/dev/null 2>&1; then
        best="$(dirname "$(command -v initdb)")"
    fi
    printf '%s' "$best"
}

ensure_bindir() {
    BINDIR="$(find_bindir)"
    if [ -z "$BINDIR" ]; then
        [ "$(id -u)" -eq 0 ] || die "no PostgreSQL found; install it (Debian: apt-get install postgresql)"
        say "no PostgreSQL found; installing Debian's postgresql package"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        apt-get install -y -qq postgresql >&2 </dev/null
        BINDIR="$(find_bindir)"
        [ -n "$BINDIR" ] || die "installed postgresql but found no initdb"
    fi
}

# Run a PostgreSQL program as the user allowed to run it.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    local python
    python="$(command -v python3 || command -v python || true)"
    if [ -n "$python" ]; then
        "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else
        echo $(( 20000 + RANDOM % 20000 ))
    fi
}

running() {
    # Whether the server recorded in the state file is up.
    [ -f "$STATE" ] || return 1
    # shellcheck disable=SC1090
    ( . "$STATE" && as_owner "$BINDIR/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1 )
}

cmd_stop() {
    if [ ! -f "$STATE" ]; then
        say "no server recorded in $STATE; nothing to stop"
        return 0
    fi
    local BINDIR PGDATA TMPDIR_PG PORT URL
    # shellcheck disable=SC1090
    . "$STATE"
    if [ -n "${PGDATA:-}" ] && [ -d "$PGDATA" ]; then
        # Throwaway data: an immediate shutdown is enough and quickest.
        as_owner "$BINDIR/pg_ctl" -D "$PGDATA" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
        if [ -f "$PGDATA/postmaster.pid" ]; then
            local pid
            pid="$(head -n 1 "$PGDATA/postmaster.pid" 2>/dev/null || true)"
            if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
                say "pg_ctl could not stop server $pid; sending SIGQUIT"
                kill -QUIT "$pid" 2>/dev/null || true
                sleep 1
            fi
        fi
    fi
    if [ -n "${TMPDIR_PG:-}" ] && [ -d "$TMPDIR_PG" ]; then
        case "$TMPDIR_PG" in
            /tmp/livingtogether-pg.*) rm -rf -- "$TMPDIR_PG" ;;
            *) say "not deleting unexpected directory $TMPDIR_PG" ;;
        esac
    fi
    rm -f -- "$STATE"
    say "stopped the server on port ${PORT:-?}"
}

cmd_start() {
    if [ -f "$STATE" ]; then
        if running; then
            say "a server is already running; stopping it first"
        fi
        cmd_stop
    fi
    ensure_bindir
    if [ "$(id -u)" -eq 0 ] && ! id -u postgres >/dev/null 2>&1; then
        say "creating the system user postgres"
        useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
    fi

    TMPDIR_PG="$(mktemp -d /tmp/livingtogether-pg.XXXXXX)"
    PGDATA="$TMPDIR_PG/data"
    local log="$TMPDIR_PG/server.log"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$TMPDIR_PG"
    fi
    chmod 700 "$TMPDIR_PG"
    # Recorded at once so that `stop` cleans up even after a failed start.
    PORT=""
    URL=""
    write_state

    say "initialising $PGDATA with $BINDIR"
    if ! as_owner "$BINDIR/initdb" -D "$PGDATA" -U postgres --auth=trust \
            --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$TMPDIR_PG/initdb.log" 2>&1; then
        cat "$TMPDIR_PG/initdb.log" >&2
        die "initdb failed"
    fi
    # Only 127.0.0.1 may connect over TCP, and the local socket.
    as_owner tee "$PGDATA/pg_hba.conf" >/dev/null <<'EOF'
# TYPE  DATABASE  USER  ADDRESS       METHOD
local   all       all                 trust
host    all       all   127.0.0.1/32  trust
EOF

    local attempt started=""
    for attempt in 1 2 3 4 5; do
        PORT="$(free_port)"
        as_owner tee "$PGDATA/postgresql.auto.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$TMPDIR_PG'
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
checkpoint_timeout = '30min'
max_connections = 200
shared_buffers = '128MB'
log_min_messages = warning
log_min_error_statement = panic
EOF
        if as_owner "$BINDIR/pg_ctl" -D "$PGDATA" -l "$log" -w -t 60 start >/dev/null 2>&1; then
            started=1
            break
        fi
        say "start on port $PORT failed (attempt $attempt):"
        tail -n 5 "$log" >&2 || true
    done
    [ -n "$started" ] || { cmd_stop; die "could not start PostgreSQL; see above"; }

    URL="postgresql+psycopg://postgres@127.0.0.1:$PORT/$DATABASE"
    write_state

    local psql=("$BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres)
    "${psql[@]}" -d postgres -c "CREATE DATABASE $DATABASE ENCODING 'UTF8' TEMPLATE template0" >&2 \
        || { cmd_stop; die "could not create the database $DATABASE"; }
    # As superuser, so that the full-text search can rely on it.
    "${psql[@]}" -d "$DATABASE" -c "CREATE EXTENSION IF NOT EXISTS unaccent" >&2 \
        || { cmd_stop; die "could not create the unaccent extension (Debian: postgresql-contrib)"; }

    say "PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$PORT, data in $PGDATA"
    printf '%s\n' "$URL"
}

write_state() {
    mkdir -p "$(dirname "$STATE")"
    {
        printf 'BINDIR=%q\n' "$BINDIR"
        printf 'TMPDIR_PG=%q\n' "$TMPDIR_PG"
        printf 'PGDATA=%q\n' "$PGDATA"
        printf 'PORT=%q\n' "$PORT"
        printf 'URL=%q\n' "$URL"
    } >"$STATE"
}

cmd_url() {
    [ -f "$STATE" ] || die "no server started (run: $0 start)"
    local URL
    # shellcheck disable=SC1090
    URL="$(. "$STATE" && printf '%s' "$URL")"
    [ -n "$URL" ] || die "the server recorded in $STATE did not finish starting"
    printf '%s\n' "$URL"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) cmd_url ;;
    *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
