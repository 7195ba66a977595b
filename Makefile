# livingtogether: two commands, each from a fresh clone.
#
#   make run    create .venv, install the core and the plugins, load the demo
#               data into ./livingtogether.sqlite3, serve http://127.0.0.1:8000
#   make test   create .venv, install everything with the test tools, start a
#               throwaway PostgreSQL, run ruff, mypy, pytest (core and each
#               plugin) and the Sphinx build; stop PostgreSQL; fail if any failed
#               (the browser journeys need Debian's chromium and npm: axe-core
#               is installed from npm into .cache/npm)
#   make run-wagtail  the demo Wagtail site (plugins/livingtogether-wagtail/demo)
#               on http://127.0.0.1:8001, the widgets as StreamField blocks
#   make lock   resolve requirements/dev.in into requirements/lock.txt again (keeping
#               the pins that still fit; `make lock UPGRADE=1` takes the newest of all)
#   make test-latest  make test against the newest releases, without the lock, in
#               .venv-latest; names the releases that differ from the lock
#   make test-matrix  the core's and the plugins' tests on Python 3.10 and 3.13 (nox)
#   make bench  every benchmark of bench/ in one run (with a throwaway PostgreSQL), then
#               one table: each hot path as project, limit and ratio, and the search's
#               growth from 10k to 100k to 1M practices (QUICK=1: shorter, to 100k;
#               SIZES=10000,50000: the search's sizes; POSTGRES=0: SQLite only)
#
# Every install goes through the lock (requirements/lock.txt, pip constraints), so a
# fresh clone gets the same releases today and in six months; the pyproject.toml
# files keep ranges (cities install the library beside their own pins).
#
# Every plugins/*/ with a pyproject.toml is installed too (editable; with its
# `test` extra for `make test`). Stamp files in .venv skip the install when no
# pyproject.toml changed and no plugin came or went.

SHELL := /bin/bash
.SHELLFLAGS := -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
WAGTAIL_PORT ?= 8001
WAGTAIL_DEMO := plugins/livingtogether-wagtail
# axe-core, injected into pages by the browser journeys; from npm, once per version.
# Pinned like the Python packages: a new axe-core with new rules arrives on purpose.
AXE_VERSION := 4.14.1
AXE := .cache/npm/axe-core-$(AXE_VERSION).installed

PLUGINS := $(patsubst %/pyproject.toml,%,$(sort $(wildcard plugins/*/pyproject.toml)))
PYPROJECTS := pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS))
PIP := $(BIN)/python -m pip
LOCK := requirements/lock.txt
# The lock constrains every install, the isolated builds of our own packages too
# (pip passes PIP_CONSTRAINT on to them: setuptools comes from the lock as well).
LOCKED := PIP_CONSTRAINT=$(LOCK)
LATEST := .venv-latest
PIP_FLAGS := --quiet --disable-pip-version-check --progress-bar off
# pip stays quiet but for real warnings; a pip.conf naming a missing local
# index makes it warn once per package, which says nothing about the project.
PIP_QUIET := 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run run-wagtail test install install-test demo serve lint typecheck pytest docs messages \
        lock test-latest test-matrix bench postgres-start postgres-stop clean FORCE

help:
	@echo "make run    - install into $(VENV), load the demo data, serve http://$(HOST):$(PORT)"
	@echo "make test   - install with the test tools, then ruff, mypy, pytest (with PostgreSQL), Sphinx"
	@echo "make run-wagtail - the demo Wagtail site with the widgets as blocks, http://$(HOST):$(WAGTAIL_PORT)"
	@echo "make lint | typecheck | docs | pytest - one step of make test (pytest with its PostgreSQL)"
	@echo "make messages - extract every user-facing string, update each language's catalog, compile"
	@echo "make lock   - resolve requirements/dev.in into $(LOCK) again (UPGRADE=1: the newest of all)"
	@echo "make test-latest - make test against the newest releases (no lock), in $(LATEST)"
	@echo "make test-matrix - the tests on the oldest and newest supported Python (nox)"
	@echo "make bench  - every benchmark, one summary of project, limit and ratio (QUICK=1: shorter)"
	@echo "make clean  - remove $(VENV), build output and caches"

# --- the virtual environment -------------------------------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	@echo "pip install pip (the lock's)"
	@$(LOCKED) $(PIP) install $(PIP_FLAGS) pip $(PIP_QUIET)

# Rewritten only when the set of plugins changes, so that a plugin added or
# removed triggers a reinstall even if its pyproject.toml is older than a stamp.
$(VENV)/.plugins: FORCE | $(BIN)/python
	@echo '$(PLUGINS)' | cmp -s - $@ || echo '$(PLUGINS)' > $@

$(VENV)/.installed-run: $(PYPROJECTS) $(LOCK) $(VENV)/.plugins | $(BIN)/python
	@echo "pip install -c $(LOCK) -e '.[postgres,serve]' $(foreach p,$(PLUGINS),-e '$(p)')"
	@$(LOCKED) $(PIP) install $(PIP_FLAGS) -e '.[postgres,serve]' $(foreach p,$(PLUGINS),-e '$(p)') $(PIP_QUIET)
	@touch $@

$(VENV)/.installed-test: $(PYPROJECTS) $(LOCK) $(VENV)/.plugins | $(BIN)/python
	@echo "pip install -c $(LOCK) -r requirements/dev.in"
	@$(LOCKED) $(PIP) install $(PIP_FLAGS) -r requirements/dev.in $(PIP_QUIET)
	@touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

# --- make run ------------------------------------------------------------------

demo: install
	$(BIN)/livingtogether demo

serve: install
	$(BIN)/livingtogether serve --host $(HOST) --port $(PORT) --send-mail --demo-console

run: install
	$(BIN)/livingtogether demo
	@echo "serving the demo site on http://$(HOST):$(PORT) (Ctrl-C stops it); emails are printed here"
	@echo "the staff console: http://$(HOST):$(PORT)/console/ (demo login: demo / demo)"
	$(BIN)/livingtogether serve --host $(HOST) --port $(PORT) --send-mail --demo-console

run-wagtail: install
	cd $(WAGTAIL_DEMO) && ../../$(BIN)/python manage.py migrate --verbosity 0
	cd $(WAGTAIL_DEMO) && ../../$(BIN)/python manage.py setup_demo
	@echo "serving the demo Wagtail site on http://$(HOST):$(WAGTAIL_PORT) (Ctrl-C stops it), with"
	@echo "the outbox worker printing the confirmation emails here; the admin is on"
	@echo "  http://$(HOST):$(WAGTAIL_PORT)/admin/ with the demo login: user demo, password demo"
	@echo "  (made by setup_demo for this demo only; more users: manage.py createsuperuser)"
	cd $(WAGTAIL_DEMO) && export LIVINGTOGETHER_BASE_URL=http://$(HOST):$(WAGTAIL_PORT)/observatory \
	  && { ../../$(BIN)/python manage.py livingtogether_outbox --loop & worker=$$!; \
	       trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	       ../../$(BIN)/python manage.py runserver --noreload --insecure $(HOST):$(WAGTAIL_PORT); }

# --- make test -----------------------------------------------------------------

$(AXE):
	@echo "npm install axe-core@$(AXE_VERSION) into .cache/npm"
	@npm install --prefix .cache/npm --no-audit --no-fund --silent --save-exact axe-core@$(AXE_VERSION)
	@touch $@

test: install-test $(AXE)
	@VENV='$(VENV)' PLUGINS='$(PLUGINS)' bash scripts/check.sh

lint: install-test
	@VENV='$(VENV)' PLUGINS='$(PLUGINS)' bash scripts/check.sh lint

typecheck: install-test
	@VENV='$(VENV)' PLUGINS='$(PLUGINS)' bash scripts/check.sh typecheck

pytest: install-test $(AXE)
	@VENV='$(VENV)' PLUGINS='$(PLUGINS)' bash scripts/check.sh pytest

docs: install-test
	@VENV='$(VENV)' PLUGINS='$(PLUGINS)' bash scripts/check.sh docs

# Extract the strings, update src/livingtogether/locale/*/LC_MESSAGES/*.po, compile the .mo
# files (committed, so that an install needs no build step); see docs/languages.md.
messages: install-test
	@BIN='$(BIN)' bash scripts/messages.sh

# --- the lock, the newest releases, the supported Pythons ----------------------

# The lock holds for every supported Python (--universal, from 3.10 up); our own
# packages are installed from the tree, so they are not pinned.
lock: install-test
	$(BIN)/uv pip compile requirements/dev.in --universal --python-version 3.10 \
	  --annotation-style line --no-emit-package livingtogether \
	  $(foreach p,$(PLUGINS),--no-emit-package $(notdir $(p))) \
	  $(if $(UPGRADE),--upgrade) --quiet -o $(LOCK)
	@echo "wrote $(LOCK); make test installs it"

# Everything that make test runs, on the newest releases of every dependency. A
# failure here says a release broke us before main sees it; the list printed names
# the releases that differ from the lock.
test-latest:
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	@echo "npm install axe-core@4 (the newest 4.x) into $(LATEST)/npm"
	@npm install --prefix $(LATEST)/npm --no-audit --no-fund --silent axe-core@4
	@echo "pip install --upgrade pip -r requirements/dev.in (no lock)"
	@$(LATEST)/bin/python -m pip install $(PIP_FLAGS) --upgrade pip $(PIP_QUIET)
	@$(LATEST)/bin/python -m pip install $(PIP_FLAGS) --upgrade -r requirements/dev.in $(PIP_QUIET)
	@echo "releases that differ from $(LOCK):"
	@$(LATEST)/bin/python scripts/lockdiff.py | sed 's/^/  /'
	@echo "  axe-core $$(node -p 'require("./$(LATEST)/npm/node_modules/axe-core/package.json").version') (the lock's $(AXE_VERSION))"
	@LIVINGTOGETHER_AXE_JS='$(CURDIR)/$(LATEST)/npm/node_modules/axe-core/axe.min.js' \
	  VENV='$(LATEST)' PLUGINS='$(PLUGINS)' bash scripts/check.sh \
	  || { echo "make test-latest FAILED on the newest releases; those that differ from the lock:"; \
	       $(LATEST)/bin/python scripts/lockdiff.py | sed 's/^/  /'; exit 1; }

# nox finds python3.10 and python3.13 on PATH; under pyenv the shims answer only for
# the versions selected, so every installed 3.10 to 3.13 is selected for the run.
test-matrix: install-test $(AXE)
	@VENV='$(VENV)' PLUGINS='$(PLUGINS)' \
	  PYENV_VERSION="$${PYENV_VERSION:-$$(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[0-3]\.[0-9]+$$' | sort -V | paste -sd: -)}" \
	  bash scripts/check.sh matrix

# Not a test: it prints figures and judges the floors of issue 18 (exit status 1 if one is
# missed). An hour or more on 2 cores (the 1M catalogues), QUICK=1 about 15 minutes
# (docs/development.md).
bench: install-test
	@$(BIN)/python bench/all.py $(if $(QUICK),--quick) $(if $(SIZES),--sizes $(SIZES)) \
	  $(if $(filter 0,$(POSTGRES)),--no-postgres)

postgres-start:
	@bash scripts/postgres.sh start

postgres-stop:
	@bash scripts/postgres.sh stop

clean:
	-bash scripts/postgres.sh stop
	rm -rf $(VENV) $(LATEST) .nox .cache $(WAGTAIL_DEMO)/.demo test-artifacts docs/_build .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist .pg
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
	find . -name '*.egg-info' -type d -prune -not -path './.git/*' -exec rm -rf {} +

FORCE:
