# Each target sets itself up: a virtual environment in .venv with the project installed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install test-tools demo test lint clean

# the tool alone (make demo); the test tools only for make test and make lint
$(BIN)/blogarchive: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-tools: $(BIN)/blogarchive
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# pywb, the replay tool the captures are tested with, in a virtual environment of its own
# (it pins libraries the tool does not need)
.venv-pywb/bin/wayback:
	$(PYTHON) -m venv .venv-pywb
	.venv-pywb/bin/python -m pip install --quiet 'pywb>=2.8'

install: $(BIN)/blogarchive

test-tools: $(VENV)/.test-tools

## demo: serve the bundled clinic-style blog on 127.0.0.1, crawl it, export it (data/demo/)
demo: install
	$(BIN)/blogarchive demo

## test: lint, then the whole test suite (servers on 127.0.0.1 only); installs Debian's
## chromium and redis-server first when missing (.ci/system-deps)
test: test-tools lint .venv-pywb/bin/wayback
	bash .ci/system-deps
	$(BIN)/pytest

## lint: ruff over the tree, mypy over the library (pyproject.toml's [tool.mypy])
lint: test-tools
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .venv-pywb data/demo .pytest_cache .ruff_cache *.egg-info
