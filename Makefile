# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The throwaway cluster lives under /tmp: the postgres user may not be able to reach the checkout.
PGDIR = $$(mktemp -d /tmp/onething-pg.XXXXXX)

.PHONY: run test lint fmt bench setup system browser screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)
	$(BIN)/onething setup --demo

run: system setup
	$(BIN)/onething serve

system:
	bash scripts/ensure-system.sh

# The browser tests: Debian's Chromium (never Playwright's download) and axe-core from the npm registry.
browser:
	bash scripts/ensure-system.sh browser
	test -f tests/browser/node_modules/axe-core/axe.min.js || npm ci --prefix tests/browser --no-audit --no-fund

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Lint, then the whole suite on SQLite and on a throwaway PostgreSQL cluster.
test: $(STAMP) system browser lint
	dir=$(PGDIR) && trap 'bash scripts/pg-cluster.sh stop '"$$dir" EXIT && \
	  port=$$(bash scripts/pg-cluster.sh start "$$dir") && \
	  ONETHING_TEST_PG_PORT=$$port ONETHING_REQUIRE_PG=1 ONETHING_REQUIRE_BROWSER=1 $(BIN)/pytest $(PYTEST_ARGS)

# Refresh the README's screenshots: the browser journeys, saving into docs/screenshots.
screenshots: $(STAMP) browser
	ONETHING_SCREENSHOTS=$(CURDIR)/docs/screenshots $(BIN)/pytest tests/browser -p no:randomly

# Figures for the README: guide latency, catalog load (SQLite and PostgreSQL), HTTP throughput.
bench: $(STAMP)
	bash scripts/ensure-system.sh wrk
	dir=$(PGDIR) && trap 'bash scripts/pg-cluster.sh stop '"$$dir" EXIT && \
	  port=$$(bash scripts/pg-cluster.sh start "$$dir") && \
	  ONETHING_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$$port/postgres $(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
