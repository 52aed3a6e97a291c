# Every target bootstraps .venv by itself: a fresh clone needs only `make generate` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.capgen-installed

.PHONY: setup generate check validate test lint bench clean

setup: $(STAMP)

# Reinstall when the dependency list changes.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

generate: $(STAMP)
	$(BIN)/capgen generate

validate: $(STAMP)
	$(BIN)/capgen validate

check: $(STAMP)
	$(BIN)/capgen check

# pytest exits 5 when it collects no test; that is a failure here, not a pass.
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/capgen check

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .capgen-cache .pytest_cache
