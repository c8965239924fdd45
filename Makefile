# One command each: set up and run everything locally, run every test, build, bench.
SHELL := /bin/bash
PY := .venv/bin/python
export PYTHONPATH := $(CURDIR)/functions:$(CURDIR)

.PHONY: setup dev test lint format build import-units import-members data-quality bench clean

setup:
	@infra/setup.sh

## Everything locally with demo data: DynamoDB Local + API + site on one origin. Ctrl-C stops it.
dev: setup
	@$(PY) infra/dev.py

## The whole suite: lint, unit, integration (HTTP against chalice local + DynamoDB Local), end-to-end.
test:
	@infra/setup.sh --browser
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m pytest -n 2 --dist loadfile tests

lint:
	@$(PY) -m ruff check . && $(PY) -m ruff format --check .

format:
	@$(PY) -m ruff format . && $(PY) -m ruff check --fix .

## The static site with production settings into output/.
build: setup
	@$(PY) -m pelican content -s publishconf.py -o output

## Registry imports against the local tables (make dev must be running): FILE=path.csv|xlsx
import-units: setup
	@$(PY) infra/with_local_env.py $(PY) -m tools.import_units $(FILE) $(ARGS)

import-members: setup
	@$(PY) infra/with_local_env.py $(PY) -m tools.import_members $(FILE) $(ARGS)

data-quality: setup
	@$(PY) infra/with_local_env.py $(PY) -m tools.data_quality $(ARGS)

bench: setup
	@$(PY) -m tools.bench

clean:
	rm -rf output cache .pytest_cache
