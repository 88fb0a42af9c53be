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
	bash scripts/ensure-spectral.sh
	bash scripts/ensure-axe.sh
	bash scripts/ensure-virtuoso.sh
	bash scripts/ensure-jena.sh

## Install and serve the example graph on the embedded store (http://127.0.0.1:5000/);
## the first run creates the store and loads ontology, shapes and example data.
run: $(STAMP)
	$(BIN)/mag-graph serve

## Install everything (Python and Debian packages) and run the whole test suite.
## The suite starts many Python processes (CLI commands, servers, their query
## processes): the project's modules are compiled once first, so none of them compiles
## them again when PYTHONDONTWRITEBYTECODE is set (a no-op when the .pyc files are current).
## Three test processes on two cores: the suite waits much of its time (servers starting,
## processes killed and restarted, the browser, the JVM), and two processes left a fifth
## of the machine idle (1,767 s CPU in 17 min 40 s); four made setups that wait on a
## server with a timeout fragile on a loaded machine.
test: system-deps $(STAMP)
	$(BIN)/python -m compileall -q mag_graph api benchmarks tests
	$(BIN)/python -m pytest -n 3

## Benchmarks (not part of the test suite).
bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mag-graph build *.egg-info
