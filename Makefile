# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The throwaway cluster lives under /tmp: the postgres user may not be able to reach the checkout.
PGDIR = $$(mktemp -d /tmp/onething-pg.XXXXXX)

.PHONY: run test lint fmt bench setup system clean

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

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Lint, then the whole suite on SQLite and on a throwaway PostgreSQL cluster.
test: $(STAMP) system lint
	dir=$(PGDIR) && trap 'bash scripts/pg-cluster.sh stop '"$$dir" EXIT && \
	  port=$$(bash scripts/pg-cluster.sh start "$$dir") && \
	  ONETHING_TEST_PG_PORT=$$port ONETHING_REQUIRE_PG=1 $(BIN)/pytest $(PYTEST_ARGS)

# Figures for the README: guide latency, catalog load (SQLite and PostgreSQL), HTTP throughput.
bench: $(STAMP)
	bash scripts/ensure-system.sh wrk
	dir=$(PGDIR) && trap 'bash scripts/pg-cluster.sh stop '"$$dir" EXIT && \
	  port=$$(bash scripts/pg-cluster.sh start "$$dir") && \
	  ONETHING_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$$port/postgres $(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
