# The two commands of the README: `make run` (demo server) and `make test` (lint + whole suite, SQLite and PostgreSQL).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
INSTALLED := $(VENV)/.installed
# Where the local settings keep the SQLite file, the development key and the demo's admin passwords.
VAR_DIR := $(or $(CDSC_VAR_DIR),var)
DEV_KEY := $(VAR_DIR)/dev-secret-key
# The real public samples the adapter tests read, when they sit beside the clone (never copied into it).
export CDSC_SAMPLE_DATA ?= $(if $(wildcard ../shared/data/public),$(abspath ../shared/data/public),)
# Likewise the real meter-level samples (Green Button, a solar plant's SCADA log) for production projects.
export CDSC_METER_DATA ?= $(if $(wildcard ../shared/data/meters),$(abspath ../shared/data/meters),)

.PHONY: run worker test lint tools system-deps test-sqlite test-postgres test-properties fuzz fuzz-sqlite fuzz-postgres bench clean

$(INSTALLED): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $@

# manage.py runs on the local settings (cdsc_site/settings/local.py) unless DJANGO_SETTINGS_MODULE says otherwise.
run: $(INSTALLED) $(DEV_KEY)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_demo
	$(PY) manage.py generate_timeseries --if-empty --meters 4
	$(PY) manage.py load_samples
	$(PY) manage.py load_demo_readings
	@echo "Serving on http://127.0.0.1:$(PORT)/"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Written here, not by the settings (importing settings writes nothing): a key of this clone's own for the local
# server's sessions. The folder is the SQLite database's too, which SQLite does not create.
$(DEV_KEY):
	mkdir -p $(VAR_DIR)
	umask 077 && $(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > $@.tmp && mv $@.tmp $@

# A Celery worker for import jobs, beside `make run` in another terminal: with REDIS_URL set, uploads go to it.
# Celery's own default is the production settings, which refuse to start without their secrets: this one is local.
worker: $(INSTALLED) $(DEV_KEY)
	@test -n "$$REDIS_URL" || { echo "make worker needs REDIS_URL (e.g. redis://127.0.0.1:6379/0), for it and make run" >&2; exit 1; }
	DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-cdsc_site.settings.local} \
		$(VENV)/bin/celery -A cdsc_site worker --loglevel INFO --concurrency $${CELERY_CONCURRENCY:-2}

lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DATABASE_URL=sqlite://:memory: DJANGO_SETTINGS_MODULE=cdsc_site.settings.test $(PY) manage.py makemigrations --check --dry-run

system-deps:
	bash .ci/system-deps

# The OpenAPI linter the tests run on the live schema (tests/test_openapi_lint.py): Redocly CLI at the version the
# lock file pins, from the npm registry, installed again only when the lock file changes.
LINTER := tools/openapi-lint/node_modules/.installed
tools: $(LINTER)

$(LINTER): tools/openapi-lint/package-lock.json
	cd tools/openapi-lint && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	touch $@

test-sqlite: $(INSTALLED) system-deps $(LINTER)
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(VENV)/bin/pytest $(PYTEST_ARGS)

test-postgres: $(INSTALLED) system-deps $(LINTER)
	$(PY) -m tests.pgcluster -- $(VENV)/bin/pytest $(PYTEST_ARGS)

# The time-series property tests at length: 5,000 examples per property on a random seed (`make test` runs 200 on
# a fixed one), on SQLite then PostgreSQL. A failure prints the @reproduce_failure blob that replays it.
test-properties: $(INSTALLED) system-deps
	HYPOTHESIS_PROFILE=long DATABASE_URL=sqlite:///$(CURDIR)/var/test-properties.sqlite3 \
		$(VENV)/bin/pytest tests/timeseries/api/test_properties.py $(PYTEST_ARGS)
	HYPOTHESIS_PROFILE=long $(PY) -m tests.pgcluster -- $(VENV)/bin/pytest tests/timeseries/api/test_properties.py $(PYTEST_ARGS)

# Schemathesis against a live server, on a fresh SQLite file and a throwaway PostgreSQL (never DATABASE_URL's).
fuzz: fuzz-sqlite fuzz-postgres

fuzz-sqlite: $(INSTALLED) system-deps
	env -u DATABASE_URL $(PY) -m tests.fuzz_api

fuzz-postgres: $(INSTALLED) system-deps
	env -u DATABASE_URL $(PY) -m tests.pgcluster -- $(PY) -m tests.fuzz_api

# The two databases side by side (two cores), each suite's output kept together; then the fuzzing, side by side too.
test: lint
	$(MAKE) --no-print-directory --output-sync=target -j2 test-sqlite test-postgres
	$(MAKE) --no-print-directory --output-sync=target -j2 fuzz-sqlite fuzz-postgres

# The benchmark harness (bench/run.py) on a throwaway PostgreSQL, or on DATABASE_URL's. BENCH_ARGS="--parts latency".
bench: $(INSTALLED) system-deps
	command -v wrk >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk)
	$(PY) -m tests.pgcluster -- $(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
