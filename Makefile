# The README's two commands, `make demo` and `make test`, work from a fresh clone with
# only python3 and make: the first run creates .venv and installs pinned dependencies.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# `make demo` installs only what the console runs on; the test, lint and benchmark targets add
# the dev extras (pytest, kmock, ruff, mypy, pg_activity, ...) on top. Both are pinned by
# constraints.txt, so a fresh clone installs the same versions every time.
RUNTIME := $(VENV)/.runtime-stamp
STAMP   := $(VENV)/.installed-stamp

.PHONY: demo test lint bench snapshots install servers bytecode clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip

$(RUNTIME): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	@touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# An editable install leaves warroom's own modules uncompiled, and with PYTHONDONTWRITEBYTECODE
# set every start would compile them again (about 60 ms). pip compiles a wheel's modules at
# install; this does the same, and only for files changed since.
bytecode: $(RUNTIME)
	@$(BIN)/python -m compileall -q tui widgets probes state

## Run the console on the built-in simulated cluster (ARGS="--scenario db-lock-storm").
demo: $(RUNTIME) bytecode
	$(BIN)/warroom demo $(ARGS)

## Every test: unit, integration against real servers, Pilot and snapshots.
test: $(STAMP) servers
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## The real servers the integration tests start (PostgreSQL, Prometheus), from Debian.
servers:
	@tests/servers/install.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## Benchmarks: outside the pass/fail run; figures go to the README's Performance section.
bench: $(STAMP) bytecode
	$(BIN)/python -m pytest tests/benchmarks -s -p no:randomly -o addopts='' $(PYTEST_ARGS)

## Regenerate the SVG snapshots (only for an intended change; look at them before committing).
snapshots: $(STAMP)
	$(BIN)/python -m pytest tests/tui --snapshot-update $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
