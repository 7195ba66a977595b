#!/usr/bin/env bash
# The checks behind `make test` (run it through make, which installs first).
#
#   scripts/check.sh [lint|typecheck|docs|pytest|matrix ...]   default: the first four, in order
#
# matrix (make test-matrix) runs noxfile.py: the core's and the plugins' tests on each
# supported Python, with the PostgreSQL server started here.
#
# Runs every step even after one fails, prints a summary, and exits non-zero if
# any failed. pytest runs last so that its closing line is near the end. The pytest step starts a throwaway PostgreSQL (scripts/postgres.sh),
# exports its URL as LIVINGTOGETHER_TEST_POSTGRES_URL, and stops it on exit,
# whatever happens. Each plugin's tests run separately, from the plugin's
# folder, so that its own pytest settings (e.g. a Django settings module) apply.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT" || exit 2
VENV="${VENV:-.venv}"
case "$VENV" in /*) ;; *) VENV="$ROOT/$VENV" ;; esac
BIN="$VENV/bin"
if [ -z "${PLUGINS+set}" ]; then
    PLUGINS=""
    for file in plugins/*/pyproject.toml; do
        [ -f "$file" ] && PLUGINS="$PLUGINS $(dirname "$file")"
    done
fi
[ -x "$BIN/python" ] || { echo "check.sh: no $BIN/python; run 'make test'" >&2; exit 2; }
export PATH="$BIN:$PATH"

FAILED=()
PASSED=()
PG_STARTED=""

cleanup() {
    if [ -n "$PG_STARTED" ]; then
        PG_STARTED=""
        bash scripts/postgres.sh stop || true
    fi
}
trap cleanup EXIT
trap 'echo "check.sh: interrupted" >&2; exit 130' INT TERM HUP

banner() { printf '\n=== %s\n' "$*"; }

# step NAME COMMAND...: run it, remember whether it passed.
step() {
    local name="$1"; shift
    banner "$name: ${LABEL:-${*#"$BIN/"}}"
    if "$@"; then
        PASSED+=("$name")
    else
        local code=$?
        echo "--- $name FAILED (exit $code)"
        FAILED+=("$name")
    fi
}

existing() {
    local path
    for path in "$@"; do
        [ -e "$path" ] && printf '%s\n' "$path"
    done
}

run_lint() {
    local paths
    mapfile -t paths < <(existing src tests bench plugins scripts noxfile.py)
    step ruff "$BIN/ruff" check "${paths[@]}"
    # the layers (pyproject.toml's [tool.importlinter]): no import runs back up
    step import-linter "$BIN/lint-imports" --no-logo --no-cache
}

run_typecheck() {
    # The configuration (strict, files) is in pyproject.toml.
    step mypy "$BIN/mypy"
}

start_postgres() {
    [ -n "$PG_STARTED" ] && return 0
    banner "postgresql: scripts/postgres.sh start"
    local url
    # Marked before starting, so that the trap also cleans up a half-started server.
    PG_STARTED=1
    if url="$(bash scripts/postgres.sh start)" && [ -n "$url" ]; then
        export LIVINGTOGETHER_TEST_POSTGRES_URL="$url"
        echo "LIVINGTOGETHER_TEST_POSTGRES_URL=$url"
        PASSED+=(postgresql)
        return 0
    fi
    echo "--- postgresql FAILED: the PostgreSQL tests will fail"
    FAILED+=(postgresql)
    return 1
}

in_dir() { (cd "$1" && shift && "$@"); }

# pytest_in DIR NAME ARGS...: pytest from DIR; "no tests collected" (5) fails too.
pytest_in() {
    local dir="$1" name="$2"; shift 2
    LABEL="(cd $dir && python -m pytest $*)" step "$name" in_dir "$dir" "$BIN/python" -m pytest "$@"
}

run_pytest() {
    start_postgres || true
    pytest_in . "pytest tests" tests
    local plugin
    for plugin in $PLUGINS; do
        if [ -d "$plugin/tests" ]; then
            pytest_in "$plugin" "pytest $plugin" tests
        else
            banner "pytest $plugin: no tests/ folder, skipped"
        fi
    done
}

run_matrix() {
    start_postgres || true
    # uv (nox's installer here) must use the machine's interpreters, never fetch one.
    UV_PYTHON_DOWNLOADS=never step matrix "$BIN/nox"
}

run_docs() {
    step sphinx "$BIN/sphinx-build" -W --keep-going -b html docs docs/_build/html
}

banner "tools in $VENV"
"$BIN/python" --version
for tool in ruff mypy pytest sphinx-build; do
    [ -x "$BIN/$tool" ] && echo "$tool: $("$BIN/$tool" --version 2>&1 | head -n 1)"
done

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(lint typecheck docs pytest)
for name in "${steps[@]}"; do
    case "$name" in
        lint) run_lint ;;
        typecheck) run_typecheck ;;
        pytest) run_pytest ;;
        docs) run_docs ;;
        matrix) run_matrix ;;
        *) echo "check.sh: unknown step $name (lint, typecheck, pytest, docs, matrix)" >&2; exit 2 ;;
    esac
done

cleanup
banner "summary"
[ ${#PASSED[@]} -gt 0 ] && echo "passed: ${PASSED[*]}"
if [ ${#FAILED[@]} -gt 0 ]; then
    echo "FAILED: ${FAILED[*]}"
    exit 1
fi
echo "all checks passed"
