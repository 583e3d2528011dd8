# Developer entry points. `make run` brings the whole stack up; `make test` runs the suite against real services.
#
# The virtualenv (.venv, Python 3.11) is created on first use and the project is (re)installed only when
# pyproject.toml changed since the last install (stamp file .venv/.installed).

PYTHON ?= python3.11
VENV ?= .venv
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test bench migrate clean venv help

help:
	@echo "make run      start MySQL/Redis (private ones if needed), Temporal + UI, the store simulator, API and worker"
	@echo "make test     run the test suite (it provides its own MySQL, Redis, Temporal and store)"
	@echo "make bench    run the benchmark (python -m bench)"
	@echo "make migrate  apply database migrations to BRIDGE_MYSQL_URL"
	@echo "make clean    remove var/ (dev data, keys, logs) and caches; keeps .venv"

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(STAMP)
	$(VENV)/bin/bridge dev

test: $(STAMP)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

bench: $(STAMP)
	@command -v wrk >/dev/null || { echo "installing wrk (the HTTP load generator)"; \
		apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	$(VENV)/bin/python -m bench

migrate: $(STAMP)
	$(VENV)/bin/bridge migrate

clean:
	rm -rf var .pytest_cache .bench build dist *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +
