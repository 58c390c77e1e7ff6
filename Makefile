# The two commands of the README: `make run` (demo server) and `make test` (lint + whole suite, SQLite and PostgreSQL).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
INSTALLED := $(VENV)/.installed
# The real public samples the adapter tests read, when they sit beside the clone (never copied into it).
export CDSC_SAMPLE_DATA ?= $(if $(wildcard ../shared/data/public),$(abspath ../shared/data/public),)

.PHONY: run worker test lint system-deps test-sqlite test-postgres fuzz bench clean

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

run: $(INSTALLED)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py setup_demo
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py generate_timeseries --if-empty --meters 4
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py load_samples
	@echo "Serving on http://127.0.0.1:$(PORT)/"
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(PY) manage.py runserver 127.0.0.1:$(PORT)

# A Celery worker for import jobs, beside `make run` in another terminal: with REDIS_URL set, uploads go to it.
worker: $(INSTALLED)
	@test -n "$$REDIS_URL" || { echo "make worker needs REDIS_URL (e.g. redis://127.0.0.1:6379/0), for it and make run" >&2; exit 1; }
	DJANGO_DEBUG=$${DJANGO_DEBUG:-1} $(VENV)/bin/celery -A cdsc_site worker --loglevel INFO --concurrency $${CELERY_CONCURRENCY:-2}

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=cdsc_site.settings.test $(PY) manage.py makemigrations --check --dry-run

system-deps:
	bash .ci/system-deps

test-sqlite: $(INSTALLED) system-deps
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: $(INSTALLED) system-deps
	$(PY) -m tests.pgcluster -- $(VENV)/bin/pytest $(PYTEST_ARGS)

# Schemathesis against a live server, on a fresh SQLite file and a throwaway PostgreSQL (never DATABASE_URL's).
fuzz: $(INSTALLED) system-deps
	env -u DATABASE_URL $(PY) -m tests.fuzz_api
	env -u DATABASE_URL $(PY) -m tests.pgcluster -- $(PY) -m tests.fuzz_api

test: lint test-sqlite test-postgres fuzz

# The benchmark harness (bench/run.py) on a throwaway PostgreSQL, or on DATABASE_URL's. BENCH_ARGS="--parts latency".
bench: $(INSTALLED) system-deps
	command -v wrk >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk)
	$(PY) -m tests.pgcluster -- $(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
