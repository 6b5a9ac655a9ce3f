# The README's commands. Each does its own set-up: a fresh machine needs nothing else.
VENV   ?= .venv
PYTHON ?= python3
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install test lint typecheck unit integration demo stack bench chaos clean

$(STAMP): pyproject.toml deploy/ensure-postgres.sh deploy/ensure-chromium.sh
	bash deploy/ensure-postgres.sh
	bash deploy/ensure-chromium.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)  ## create .venv and install the project with its dev tools

lint: $(STAMP)  ## ruff: lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)  ## mypy --strict over the code and the tests
	$(BIN)/mypy events services tests benchmarks tools

unit: $(STAMP)  ## fast tests of pure rules, no I/O
	$(BIN)/pytest tests/unit

integration: $(STAMP)  ## tests against a real broker and PostgreSQL started by the fixtures
	$(BIN)/pytest tests/contract tests/integration tests/projections tests/e2e

test: lint typecheck  ## everything CI runs: lint, types, unit and integration tests
	$(BIN)/pytest

demo: $(STAMP)  ## start the stack, run the demo, stop the stack (ARGS=--keep-running keeps it up)
	$(BIN)/lead demo $(ARGS)

bench: $(STAMP)  ## the benchmark suite: every figure beside its baseline (ARGS="--quick" for a smoke run)
	$(BIN)/python -m benchmarks $(ARGS)

chaos: $(STAMP)  ## the fault-injection run at full size (ARGS="--referrals 3000 --kills 6 --seed 1")
	$(BIN)/python -m tests.chaos $(ARGS)

stack: $(STAMP)  ## the local stack in the foreground (Ctrl-C stops it)
	$(BIN)/lead stack

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache .pytest_cache
