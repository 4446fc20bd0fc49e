# Sunlight — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run test venv proto env broker migrate unit lint bench bench-catalogue clean

run: venv proto env broker migrate
	@echo "starting the node: Ctrl-C stops every process"
	$(BIN)/honcho -f infra/Procfile -d . start

venv: $(BIN)/.installed

$(BIN)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]'
	touch $@

proto: venv
	$(BIN)/python infra/proto/generate.py

env: venv
	$(BIN)/python -m infra.node env

broker: venv env
	$(BIN)/python -m infra.node broker

migrate: venv env
	$(BIN)/python -m infra.node migrate

test: venv env broker
	bash infra/test.sh

unit: venv
	$(BIN)/python -m pytest tests/unit tests/contract -q

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: venv env broker
	$(BIN)/python -m bench.transitions

bench-catalogue: venv env
	$(BIN)/python -m bench.catalogue

clean:
	rm -rf var/510000 .pytest_cache
