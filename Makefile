# bankint: `make run` (everything, with demo data), `make test` (every check), `make bench`.
# Without DATABASE_URL / CELERY_BROKER_URL / REDIS_URL each starts an embedded PostgreSQL and
# redis-server (bankint/embedded.py); with them set (CI, production) it uses those.
# `make run PORT=8300` moves the portal to 8300 and the bank to 8301, with every URL that names them.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# A throwaway PostgreSQL and Redis for one command, unless the environment names real ones.
WITH_SERVICES := $(PY) -m bankint.embedded exec --fresh --
# Every install comes from the lock: exact versions with their hashes (requirements/README.md).
LOCK := requirements/dev.txt
STAMP ?= $(VENV)/.installed-$(shell cksum $(LOCK) | cut -d' ' -f1)
# The lock is made against PyPI alone, whatever index or wheel folder this machine's pip uses.
PIP_COMPILE := env -u PIP_FIND_LINKS -u PIP_CONSTRAINT PIP_CONFIG_FILE=/dev/null CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile \
  --quiet --generate-hashes --allow-unsafe --strip-extras --index-url https://pypi.org/simple

.PHONY: setup run test lint lint-checks pytest pytest-run bench fleet-day messages clean lock test-latest

$(STAMP): $(LOCK)
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) -m bankint.embedded run

lint: setup
	$(WITH_SERVICES) $(MAKE) --no-print-directory lint-checks

lint-checks:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0
	DJANGO_SETTINGS_MODULE=bankint.settings.production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  FIELD_ENCRYPTION_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))') DATABASE_URL=postgres://deploy-check@127.0.0.1/unused \
	  BANK_API_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(48))') \
	  $(PY) manage.py check --deploy --tag security --fail-level WARNING
	$(PY) manage.py check --fail-level ERROR

pytest: setup
	$(WITH_SERVICES) $(MAKE) --no-print-directory pytest-run

pytest-run:
	$(VENV)/bin/pytest banksim/tests --ds=banksim.settings -p no:cacheprovider -q
	$(VENV)/bin/pytest

test: lint pytest

bench: setup
	$(WITH_SERVICES) $(PY) bench/run.py

# Issue 26's fleet day (minutes; not part of `make bench`): `make fleet-day COMPANIES=1000 WORKERS=1,2`.
COMPANIES ?= 10000
WORKERS ?= 1,2
FLEET_ARGS ?=
fleet-day: setup
	$(WITH_SERVICES) $(PY) bench/fleet_day.py --companies $(COMPANIES) --workers $(WORKERS) $(FLEET_ARGS)

messages: setup
	$(WITH_SERVICES) $(PY) manage.py makemessages -l nb -l en --ignore=.venv --ignore=.venv-latest --ignore=banksim --ignore=var
	$(WITH_SERVICES) $(PY) manage.py compilemessages --ignore=.venv --ignore=.venv-latest

# Upgrade every locked version to the newest that pyproject.toml allows, then run every check.
lock: setup
	$(PIP_COMPILE) --upgrade --extra dev -o requirements/dev.txt pyproject.toml
	$(PIP_COMPILE) --upgrade --constraint requirements/dev.txt -o requirements/base.txt pyproject.toml
	$(MAKE) test

# The suite against the newest versions pyproject.toml allows (not the lock), in .venv-latest:
# how the next lxml meets a test before it meets a customer. Not part of CI.
test-latest:
	test -x .venv-latest/bin/python || $(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python -m pip install --quiet --upgrade --upgrade-strategy eager ".[dev]"
	.venv-latest/bin/python requirements/newer.py $(LOCK)
	touch .venv-latest/.latest
	BANKINT_LATEST=1 $(MAKE) lint pytest VENV=.venv-latest STAMP=.venv-latest/.latest

clean:
	rm -rf $(VENV) .venv-latest var
