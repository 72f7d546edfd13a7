# The project's vocabulary: run, test, lint, format, check, bench, serve, backup, restore.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# make serve: gunicorn workers (empty: 2 x CPUs + 1); MIGRATE=0 skips migrate.
WORKERS ?=
MIGRATE ?= 1

.PHONY: run test lint format check bench serve backup restore install js messages

JS_DEPS := tests/js/node_modules/.package-lock.json
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))

$(VENV)/.installed: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=python3.11)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

# The translations (locale/*/LC_MESSAGES/django.po) compiled for Django: with GNU
# gettext's msgfmt where it is installed, else by Babel (pure
# Python, in requirements.txt), so a machine without gettext runs too (Babel's checks
# reject a Russian plural form that names the count where the English singular does
# not, which gettext allows: its file is written all the same and used).
messages: install $(MO_FILES)

# Each catalogue compiled when its .po is newer than its .mo, written to a temporary
# file first, so that two runs side by side (CI's two databases) never read half a file.
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	@if command -v msgfmt >/dev/null 2>&1; then \
		msgfmt --check-format -o $@.$$$$ $< && mv $@.$$$$ $@; \
	else \
		$(VENV)/bin/pybabel compile -i $< -o $@.$$$$ -D django >/dev/null 2>&1; \
		test -s $@.$$$$ && mv $@.$$$$ $@; \
	fi

# axe-core and vnu.jar for tests/test_accessibility.py; without npm those tests skip.
# --ignore-scripts: vnu-jar's postinstall would try to download a JDK; Java 17 is enough.
$(JS_DEPS): tests/js/package.json tests/js/package-lock.json
	npm ci --prefix tests/js --ignore-scripts --no-audit --no-fund

js:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(JS_DEPS); \
	else echo "npm not found: the axe-core and HTML checks will skip (fail in CI)"; fi

run: install messages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bootstrap
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install js messages
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

bench: install messages
	$(PY) tests/bench.py $(BENCH_ARGS)

# Production-style: DEBUG off whatever the environment says, hashed and compressed
# static files served by whitenoise, migrations, a deployment check (its warnings name
# any security setting still off), then gunicorn (tracker/gunicorn.conf.py).
serve: export DJANGO_DEBUG := 0
serve: install messages
	@missing=""; \
	[ -n "$$DJANGO_SECRET_KEY" ] || missing="$$missing DJANGO_SECRET_KEY"; \
	[ -n "$$DJANGO_ALLOWED_HOSTS" ] || missing="$$missing DJANGO_ALLOWED_HOSTS"; \
	if [ -n "$$missing" ]; then { \
	  echo "make serve: set$$missing in the environment (see .env.example):"; \
	  echo "  DJANGO_SECRET_KEY: 50 or more random characters, e.g. from"; \
	  echo "    $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))'"; \
	  echo "  DJANGO_ALLOWED_HOSTS: the site's host names, comma-separated"; \
	  } >&2; exit 2; \
	fi
	$(PY) manage.py collectstatic --noinput --verbosity 0
ifeq ($(MIGRATE),1)
	$(PY) manage.py migrate --noinput
endif
	$(PY) manage.py check --deploy
	HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS) exec $(VENV)/bin/gunicorn -c tracker/gunicorn.conf.py

# A dated JSON dump of the register, its history, users and groups (backups/).
backup: install
	$(PY) manage.py backup_register $(if $(FILE),--output "$(FILE)")

# Load a dump into an empty, migrated database (refused if the register is not empty).
restore: install
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/register-YYYYMMDD-HHMMSS.json" >&2; exit 2; }
	$(PY) manage.py migrate --noinput
	$(PY) manage.py restore_register "$(FILE)"

# Locust against make serve on the bench's PostgreSQL register (100,000 documents, from
# make bench): 50 users for 60 s. make loadtest LOADTEST_ARGS="--cache both".
.PHONY: loadtest
loadtest: install messages
	$(PY) -m pip install --quiet -r requirements-loadtest.txt
	$(PY) tests/loadtest/run.py $(LOADTEST_ARGS)
