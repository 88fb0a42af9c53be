# The two set-up commands of the README: `make run` and `make test`.
# Both create their own virtual environment and are idempotent.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test system-deps bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip "setuptools>=70" wheel

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

system-deps:
	bash scripts/ensure-system-deps.sh
	bash scripts/ensure-chromium.sh

## Install, create the embedded store with the example data, and show what it holds.
run: $(STAMP)
	$(BIN)/mag-graph init
	$(BIN)/mag-graph stats
	$(BIN)/mag-graph matrix

## Install everything (Python and Debian packages) and run the whole test suite.
test: system-deps $(STAMP)
	$(BIN)/python -m pytest

## Benchmarks (not part of the test suite).
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mag-graph build *.egg-info
