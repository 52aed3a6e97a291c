# Every target bootstraps .venv by itself: a fresh clone needs only `make generate` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.capgen-installed
# Node tools of the test suite (Prism), installed from the committed lock file.
NODE_STAMP := node_modules/.capgen-installed

.PHONY: setup browser-deps generate check validate test lint coverage bench clean

setup: $(STAMP)

# Reinstall when the dependency list changes.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Headless Chromium and its driver for the docs site tests (Debian packages; needs root).
browser-deps:
	@test -x /usr/bin/chromedriver || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; }

generate: $(STAMP)
	$(BIN)/capgen generate

validate: $(STAMP)
	$(BIN)/capgen validate

check: $(STAMP)
	$(BIN)/capgen check

# The whole suite, Prism contract tests included (.ci/run treats pytest's "no tests" exit 5 as failure).
test: $(STAMP) $(NODE_STAMP) browser-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/capgen check

coverage: $(STAMP)
	$(BIN)/capgen coverage

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) .capgen-cache .pytest_cache node_modules
