# Two commands on a fresh machine with Python 3.11 and make:
#   make demo   - the demo shop on http://127.0.0.1:8000 (SQLite unless DATABASE_URL/REDIS_URL)
#   make test   - the test suite, on both shop shapes
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: venv demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,demo]"
	touch $(STAMP)

venv: $(STAMP)

demo: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py upcross_recompute --kind all
	$(PY) manage.py demo_admin
	$(PY) manage.py runserver 127.0.0.1:8000

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)
	$(PY) -m pytest --ds=tests.settings_altshop $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check upcross demo_shop tests bench

clean:
	rm -rf $(VENV) .demo-data .pytest_cache
