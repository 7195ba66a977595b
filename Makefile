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
# axe-core, injected into pages by the browser journeys; from npm, once.
AXE := .cache/npm/node_modules/axe-core/axe.min.js

PLUGINS := $(patsubst %/pyproject.toml,%,$(sort $(wildcard plugins/*/pyproject.toml)))
PYPROJECTS := pyproject.toml $(addsuffix /pyproject.toml,$(PLUGINS))
PIP := $(BIN)/python -m pip
PIP_FLAGS := --quiet --disable-pip-version-check --progress-bar off
# pip stays quiet but for real warnings; a pip.conf naming a missing local
# index makes it warn once per package, which says nothing about the project.
PIP_QUIET := 2>&1 | { grep -v 'is ignored: it is neither a file nor a directory' || true; }

export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run run-wagtail test install install-test demo serve lint typecheck pytest docs messages \
        postgres-start postgres-stop clean FORCE

help:
	@echo "make run    - install into $(VENV), load the demo data, serve http://$(HOST):$(PORT)"
	@echo "make test   - install with the test tools, then ruff, mypy, pytest (with PostgreSQL), Sphinx"
	@echo "make run-wagtail - the demo Wagtail site with the widgets as blocks, http://$(HOST):$(WAGTAIL_PORT)"
	@echo "make lint | typecheck | docs | pytest - one step of make test (pytest with its PostgreSQL)"
	@echo "make messages - extract every user-facing string, update each language's catalog, compile"
	@echo "make clean  - remove $(VENV), build output and caches"

# --- the virtual environment -------------------------------------------------

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	@echo "pip install --upgrade pip"
	@$(PIP) install $(PIP_FLAGS) --upgrade pip $(PIP_QUIET)

# Rewritten only when the set of plugins changes, so that a plugin added or
# removed triggers a reinstall even if its pyproject.toml is older than a stamp.
$(VENV)/.plugins: FORCE | $(BIN)/python
	@echo '$(PLUGINS)' | cmp -s - $@ || echo '$(PLUGINS)' > $@

$(VENV)/.installed-run: $(PYPROJECTS) $(VENV)/.plugins | $(BIN)/python
	@echo "pip install -e '.[postgres]' $(foreach p,$(PLUGINS),-e '$(p)')"
	@$(PIP) install $(PIP_FLAGS) -e '.[postgres]' $(foreach p,$(PLUGINS),-e '$(p)') $(PIP_QUIET)
	@touch $@

$(VENV)/.installed-test: $(PYPROJECTS) $(VENV)/.plugins | $(BIN)/python
	@echo "pip install -e '.[test,postgres]' $(foreach p,$(PLUGINS),-e '$(p)[test]')"
	@$(PIP) install $(PIP_FLAGS) -e '.[test,postgres]' $(foreach p,$(PLUGINS),-e '$(p)[test]') $(PIP_QUIET)
	@touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

# --- make run ------------------------------------------------------------------

demo: install
	$(BIN)/livingtogether demo

serve: install
	$(BIN)/livingtogether serve --host $(HOST) --port $(PORT) --send-mail

run: install
	$(BIN)/livingtogether demo
	@echo "serving the demo site on http://$(HOST):$(PORT) (Ctrl-C stops it); emails are printed here"
	$(BIN)/livingtogether serve --host $(HOST) --port $(PORT) --send-mail

run-wagtail: install
	cd $(WAGTAIL_DEMO) && ../../$(BIN)/python manage.py migrate --verbosity 0
	cd $(WAGTAIL_DEMO) && ../../$(BIN)/python manage.py setup_demo
	@echo "serving the demo Wagtail site on http://$(HOST):$(WAGTAIL_PORT) (Ctrl-C stops it), with"
	@echo "the outbox worker printing the confirmation emails here; admin users:"
	@echo "  cd $(WAGTAIL_DEMO) && ../../$(BIN)/python manage.py createsuperuser"
	cd $(WAGTAIL_DEMO) && export LIVINGTOGETHER_BASE_URL=http://$(HOST):$(WAGTAIL_PORT)/observatory \
	  && { ../../$(BIN)/python manage.py livingtogether_outbox --loop & worker=$$!; \
	       trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	       ../../$(BIN)/python manage.py runserver --noreload --insecure $(HOST):$(WAGTAIL_PORT); }

# --- make test -----------------------------------------------------------------

$(AXE):
	@echo "npm install axe-core@4 into .cache/npm"
	@npm install --prefix .cache/npm --no-audit --no-fund --silent axe-core@4

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

postgres-start:
	@bash scripts/postgres.sh start

postgres-stop:
	@bash scripts/postgres.sh stop

clean:
	-bash scripts/postgres.sh stop
	rm -rf $(VENV) .cache $(WAGTAIL_DEMO)/.demo test-artifacts docs/_build .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist .pg
	find . -name __pycache__ -type d -prune -not -path './.git/*' -exec rm -rf {} +
	find . -name '*.egg-info' -type d -prune -not -path './.git/*' -exec rm -rf {} +

FORCE:
