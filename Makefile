# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The throwaway cluster lives under /tmp: the postgres user may not be able to reach the checkout.
PGDIR = $$(mktemp -d /tmp/onething-pg.XXXXXX)

.PHONY: run test test-dates lint fmt bench reliability setup system browser screenshots clean

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

# Lint, then the whole suite on SQLite and on a throwaway PostgreSQL cluster, then the dated tests
# again with the system clock moved.
test: $(STAMP) system browser lint
	dir=$(PGDIR) && trap 'bash scripts/pg-cluster.sh stop '"$$dir" EXIT && \
	  port=$$(bash scripts/pg-cluster.sh start "$$dir") && \
	  ONETHING_TEST_PG_PORT=$$port ONETHING_REQUIRE_PG=1 ONETHING_REQUIRE_BROWSER=1 $(BIN)/pytest $(PYTEST_ARGS)
	$(MAKE) --no-print-directory test-dates

# The suite must pass on any date: every test that touches dates, deadlines, ratings, statistics,
# tokens or validity runs again (on SQLite) with Debian's faketime moving the whole process's clock
# a year and a half ahead and a year back. Tests pin the days they mean through kit.clock.
DATE_SHIFTS ?= +540d -400d
DATE_TESTS ?= tests/test_clock.py tests/test_calendar.py tests/test_auth.py tests/test_case_engines.py \
  tests/test_case_journey.py tests/test_case_refusals.py tests/test_case_pages.py tests/test_task_pages.py \
  tests/test_evaluations.py tests/test_evaluation_pages.py tests/test_demo_evaluations.py \
  tests/test_outbox_and_lapse.py tests/test_supervision.py tests/test_policies.py tests/test_licenses.py \
  tests/test_license_identifier.py tests/test_license_render.py tests/test_notice_pdfs.py tests/test_generate.py \
  tests/test_validators.py tests/test_validators_props.py tests/test_admin_pages.py tests/test_export.py \
  tests/test_one_form.py tests/test_policy_pages_words.py tests/test_policy_engine.py tests/test_progress.py \
  tests/test_misc_pages.py tests/test_license_pages.py tests/test_material_subjects.py tests/test_hostile_input.py \
  tests/test_verify_enumeration.py tests/test_check.py
test-dates: $(STAMP) system
	for shift in $(DATE_SHIFTS); do \
	  echo "== the dated tests with the clock moved $$shift"; \
	  FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f "$$shift" $(BIN)/pytest -k "not postgresql" $(DATE_TESTS) || exit 1; \
	done

# Load, faults and hostile input against the real server on a throwaway PostgreSQL cluster (not part of
# `make test`; ~40 min). Shorter: RELIABILITY_SECONDS=30 RELIABILITY_HISTORY=20000 make reliability
reliability: $(STAMP) system
	$(BIN)/python bench/reliability/run.py

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
