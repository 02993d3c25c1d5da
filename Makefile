# newstally: `make run` brings up the demo, `make test` passes the tests. `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help setup run demo dashboard test test-fast lint format typecheck bench chromium postgresql clean

help:  ## List targets
	@grep -E '^[a-z-]+:.*## ' Makefile | sed 's/:.*## /\t/'

# pip -qq: errors still print; warnings about index locations in a machine's pip config do not.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys, ensurepip; assert sys.version_info >= (3, 11)' 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; \
	  else echo "newstally needs Python >= 3.11 with venv: run 'sudo apt-get install python3-venv' and retry" >&2; exit 1; fi; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -qq --upgrade pip
	$(BIN)/pip install -qq -c requirements.lock -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)  ## Create .venv and install newstally with pinned dependencies

run: setup  ## Demo data, live demo feeds, scheduler and dashboard on http://127.0.0.1:8501
	$(BIN)/newstally up --demo

dashboard: setup  ## Only the dashboard, for the warehouse in NEWSTALLY_DB
	$(BIN)/newstally dashboard

chromium:  ## Install Debian's chromium for the browser tests (apt as root)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "browser tests need Debian's chromium: run 'sudo apt-get install chromium' and retry" >&2; exit 1; fi; }

postgresql:  ## Install Debian's PostgreSQL for the lake tests (apt as root); tests start their own cluster
	@command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	  else echo "lake tests need Debian's PostgreSQL: run 'sudo apt-get install postgresql' and retry" >&2; exit 1; fi; }

test: setup chromium postgresql  ## Set up and run every test, browser tests included
	$(BIN)/ruff check newstally ingest warehouse dashboard alerts api tests bench
	$(BIN)/python -m pytest -q

test-fast: setup postgresql  ## Unit and integration tests only (no browser)
	$(BIN)/python -m pytest -q -m "not browser"

lint: setup  ## ruff check and format check
	$(BIN)/ruff check newstally ingest warehouse dashboard alerts api tests bench
	$(BIN)/ruff format --check newstally ingest warehouse dashboard alerts api tests bench

format: setup  ## Format the code with ruff
	$(BIN)/ruff format newstally ingest warehouse dashboard alerts api tests bench

typecheck: setup  ## mypy on the packages
	$(BIN)/mypy

bench: setup  ## Run the benchmarks; figures go to docs/benchmarks.md
	$(BIN)/python bench/run_all.py

clean:  ## Remove the virtualenv and caches (keeps data/)
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache
