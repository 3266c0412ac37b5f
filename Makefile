# The two commands a new user needs:  make run  and  make test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test install services browser check bench clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# axe-core (package.json, exact versions in package-lock.json) for the browser tests' accessibility checks.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

install: $(VENV)/.installed node_modules/.installed

## make run: install, migrate SQLite, load demo data, serve on 127.0.0.1:8000 with a Celery worker and beat.
run: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py migrate --noinput
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py seed_demo
	DJANGO_SETTINGS_MODULE=config.settings.local scripts/run-local

## make test: every test (live and demo tiers included) on PostgreSQL and Redis at 127.0.0.1 (started for the
## run and stopped after by scripts/test-services when nothing answers there) and Debian's chromium.
# Two pytest processes (the two cores the suite is sized for), each test file whole on one of them.
PYTEST_WORKERS ?= -n 2 --dist loadfile
# The static checks come first: a tree that ruff or Django's checks refuse is not worth a test run.
test: install check
	scripts/test-services $(PY) -m pytest $(PYTEST_WORKERS) $(PYTEST_ARGS)

## make check: ruff (rules in pyproject.toml), the apps' dependency direction (import-linter's contract in
## pyproject.toml), no missing migration, Django's system checks.
check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py check

clean:
	rm -rf var staticfiles
