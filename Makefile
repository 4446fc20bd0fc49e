# Sunlight — the two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: run start test venv proto bytecode env broker migrate unit lint fuzz bench bench-cases bench-supervision bench-catalogue bench-hall clean province

# Every process of infra/Procfile under supervisord (restarted when it dies); Ctrl-C, closing
# the terminal or closing the output stops them all. Logs: var/log/<process>.log.
# A province of several nodes on this machine (each its own stack, databases, vhost and
# ports; infra/province.py); NODES= (empty) runs one node of the settings alone, as before.
NODES ?= 510000,511600,511602
START := $(BIN)/python -m infra.supervise $(if $(strip $(NODES)),--province)

# Every step reads the same settings: the environment, then .env (or $SUNLIGHT_ENV_FILE),
# then var/node.env.
run: venv proto bytecode env broker $(if $(strip $(NODES)),province,migrate)
	$(START)

# Only the last step of `make run`: start the node set up before.
start:
	$(START)

venv: $(BIN)/.installed

# The department systems' adapter library (adapter/, its own package) is installed beside
# the node, editable, so that its tests run with the others; so is the reference department
# system attached through it (reference/realestate/, `realestate`).
$(BIN)/.installed: pyproject.toml constraints.txt adapter/pyproject.toml reference/realestate/pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) on PATH"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[dev]' -e ./adapter \
		-e ./reference/realestate
	touch $@

proto: venv
	$(BIN)/python infra/proto/generate.py

# The project's own modules compiled once (as the Containerfile does): where
# PYTHONDONTWRITEBYTECODE is set, every process would otherwise compile every module of ours
# it imports each time it starts (about 0.1-0.3 s of CPU a process, ten processes a node).
bytecode: venv
	$(BIN)/python -m compileall -q services gateway cli infra gen/python adapter/src reference bench

env: venv
	$(BIN)/python -m infra.node env

broker: venv env
	$(BIN)/python -m infra.node broker

migrate: venv env
	$(BIN)/python -m infra.node migrate

test: venv bytecode env broker
	bash infra/test.sh

unit: venv
	$(BIN)/python -m pytest tests/unit tests/contract -q

lint: venv
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# The parsers of outside input under atheris, each target FUZZ_SECONDS (default 60); a crash's
# input is saved in var/fuzz/ (options: make fuzz FUZZ_ARGS="--runs 100000 event_envelope").
FUZZ_SECONDS ?= 60
fuzz: venv
	$(BIN)/python -m fuzz $(or $(FUZZ_ARGS),--seconds $(FUZZ_SECONDS))

# The case path end to end (options: make bench-cases BENCH_ARGS="--kill --cases 100").
bench-cases: venv env broker
	$(BIN)/python -m bench.cases $(BENCH_ARGS)

bench: bench-cases

# Supervision under the case load, its rebuild and a sweep of a million open cases
# (options: make bench-supervision BENCH_ARGS="--cases 300 --sweep-cases 100000").
bench-supervision: venv env broker
	$(BIN)/python -m bench.supervision $(BENCH_ARGS)

bench-catalogue: venv env
	$(BIN)/python -m bench.catalogue

# The hall's pages over HTTP with 100,000 open cases in the node: a handler's inbox, a
# citizen's case page, an item's guide (options: make bench-hall BENCH_ARGS="--requests 500").
bench-hall: venv env broker
	$(BIN)/python -m bench.hall $(BENCH_ARGS)

clean:
	rm -rf var/510000 .pytest_cache

# The province's nodes made ready to start: their settings (var/province.json), token keys,
# vhosts, databases, the CA, certificates and node registry, migrations.
province: venv env broker
	$(BIN)/python -m infra.province setup --nodes $(NODES)

# The province's links (options: make bench-federation BENCH_ARGS="--cut-s 60 --cases 100"):
# status of a district case at the district and at the province, roll-up lag, catch-up after a cut.
# Also: what the mTLS hop adds (p50), routed vs direct status throughput, province-wide search p99.
.PHONY: bench-federation
bench-federation: venv env broker
	$(BIN)/python -m bench.federation $(BENCH_ARGS)

# The image of Containerfile built here (no image registry reachable: on a bookworm base made
# with debootstrap) and run: migrations and the catalogue's health as the user 10001.
# Root, podman, buildah, debootstrap; ~10 min the first time. See infra/image-check.sh.
.PHONY: image-check
image-check: venv
	bash infra/image-check.sh

# The fault suite (options: make chaos CHAOS_ARGS="--quick"): a province (city and district)
# on a PostgreSQL and a RabbitMQ of its own under careful load; every process killed in turn,
# the broker and the database restarted, a node cut off; then nothing lost, nothing applied
# twice, every trace chain verified. Last line: JSON (a copy in bench/results/).
.PHONY: chaos
chaos: venv proto env
	$(BIN)/python -m bench.chaos $(CHAOS_ARGS)
