# bankint: `make run` (everything, with demo data), `make test` (every check), `make bench`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: setup run test lint pytest bench messages clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo
	$(PY) -m banksim migrate --noinput --verbosity 0
	$(PY) -m banksim seed_demo_customer
	@echo ""
	@echo "  Portal:    http://127.0.0.1:8000/          (admin: /admin/, API docs: /api/v1/docs/)"
	@echo "  Bank sim:  http://127.0.0.1:8001/          (controls under /sim/, see bankclient/README.md)"
	@echo "  Ctrl-C stops everything."
	@echo ""
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho -f Procfile.dev start

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run --verbosity 0
	DJANGO_SETTINGS_MODULE=bankint.settings.production SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))') \
	  FIELD_ENCRYPTION_KEY=ci-check DATABASE_URL=sqlite:///:memory: BANK_API_KEY=ci-check \
	  $(PY) manage.py check --deploy --tag security --fail-level WARNING
	$(PY) manage.py check --fail-level ERROR

pytest: setup
	$(VENV)/bin/pytest banksim/tests --ds=banksim.settings -p no:cacheprovider -q
	$(VENV)/bin/pytest

test: lint pytest

bench: setup
	$(PY) bench/run.py

messages: setup
	$(PY) manage.py makemessages -l nb -l en --ignore=.venv --ignore=banksim --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
