# Two commands on a fresh machine with Python 3.11 and make:
#   make demo   - the demo shop on http://127.0.0.1:8000 (SQLite unless DATABASE_URL/REDIS_URL)
#   make test   - the test suite, on both shop shapes (with CI=true also the CI nox sessions)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=
# Under CI=true, `make test` also runs these nox sessions (noxfile.py) with this subset.
IN_CI := $(filter 1 true yes TRUE True YES,$(CI))
# session:shapes. Oscar on MariaDB spends its time in Oscar's own migrations; it runs
# with `nox -s py3.11-django5.2-mariadb` (all shapes), not in CI.
CI_SESSIONS ?= py3.13-django6.0-postgres:demo,altshop,oscar py3.11-django5.2-mariadb:demo,altshop
# The subset leaves out what does not depend on the Django version or the database: the
# headless-browser and Celery-worker tests, the wheel build, schemathesis and the demo
# seeding benchmarks (README, "Running the tests").
CI_SUBSET ?= -m "not browser and not celery_worker" --ignore=tests/test_wheel.py \
	--ignore=tests/test_api_schema.py --ignore=tests/test_seed_demo.py

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
	$(PY) -m pytest --ds=tests.settings_oscar $(PYTEST_ARGS)
ifneq ($(IN_CI),)
	for pair in $(CI_SESSIONS); do \
	  session=$${pair%%:*}; start=$$(date +%s); \
	  UPCROSS_SHAPES=$${pair#*:} $(VENV)/bin/nox -s $$session -- $(CI_SUBSET) $(PYTEST_ARGS) \
	    || exit 1; \
	  echo "nox $$session ($${pair#*:}): $$(( $$(date +%s) - start )) s"; \
	done
endif

lint: venv
	$(VENV)/bin/ruff check upcross demo_shop tests bench
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) .demo-data .pytest_cache
