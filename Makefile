# The project's vocabulary: run, test, lint, format, check, bench.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format check bench serve install js

JS_DEPS := tests/js/node_modules/.package-lock.json

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.11)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# axe-core and vnu.jar for tests/test_accessibility.py; without npm those tests skip.
# --ignore-scripts: vnu-jar's postinstall would try to download a JDK; Java 17 is enough.
$(JS_DEPS): tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --ignore-scripts --no-audit --no-fund

js:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(JS_DEPS); \
	else echo "npm not found: the axe-core and HTML checks will skip (fail in CI)"; fi

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bootstrap
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install js
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

check: install
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run

bench: install
	$(PY) tests/bench.py $(BENCH_ARGS)
