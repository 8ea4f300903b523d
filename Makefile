# Each target sets itself up: a virtual environment in .venv with the project installed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install demo test lint clean

$(BIN)/blogarchive: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/blogarchive

## demo: serve the bundled clinic-style blog on 127.0.0.1, crawl it, export it (data/demo/)
demo: install
	$(BIN)/blogarchive demo

## test: lint, then the whole test suite (servers on 127.0.0.1 only); installs Debian's
## chromium and redis-server first when missing (.ci/system-deps)
test: install lint
	bash .ci/system-deps
	$(BIN)/pytest

## lint: ruff over the tree, mypy over the library (pyproject.toml's [tool.mypy])
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) data/demo .pytest_cache .ruff_cache *.egg-info
