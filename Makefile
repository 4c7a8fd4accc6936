# Two commands for a new user: `make run` and `make test`. Nothing else needs installing by hand.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test test-migrations install migrate lint format audit lock deps-check messages benchmark bench-reports bench-reminders bench-api bench-pages bench-import bench-matching clean

# Exactly the locked packages (requirements/dev.lock, every file's hash checked), then the project itself.
# pip and setuptools are upgraded first: the ones bundled with Python are old (setuptools 65.5 has known CVEs).
$(STAMP): pyproject.toml requirements/dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools
	$(BIN)/pip install --quiet --require-hashes -r requirements/dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_network

run: migrate
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py demo_logins --save
	@PORT=$(PORT) $(BIN)/python -m devtools.devserver

# The suite in parallel (pytest-xdist, one process per core): each worker has its own test database
# (pytest-django: test_<name>_gw0, _gw1...) and its own Redis database (tests/conftest.py); a test file
# runs whole in one worker (--dist loadfile), so its module-wide worlds are built once. The 15 slowest
# tests are listed at the end. PYTEST_WORKERS=0 runs it in one process (e.g. with a debugger).
# The data migrations' tests on a seeded database (marker "migrations": minutes of Django's migration
# state, for migrations that change rarely) run apart, in CI: make test-migrations.
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/pytest -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadfile --durations=15 -m "not migrations" $(PYTEST_ARGS)

test-migrations: install
	$(BIN)/pytest -p no:cacheprovider -m migrations $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Security audit (CI runs it): bandit over the service's code (0 high-severity findings; config in
# pyproject.toml), then pip-audit over the installed dependencies against PyPI's vulnerability service.
# --strict: a package that could not be checked fails the audit, so an unreachable service is a failure,
# never a silent pass.
audit: install
	$(BIN)/bandit -q -c pyproject.toml -r config api oauth signin encryption audit staffsite consulates cases workspace intake --severity-level high
	@$(BIN)/pip-audit --strict --skip-editable --progress-spinner off || { \
	  echo "make audit: pip-audit FAILED. Either a dependency has a known vulnerability (listed above: upgrade it"; \
	  echo "in pyproject.toml) or PyPI's vulnerability service could not be reached and the packages above could"; \
	  echo "not be checked (an error 'Dependency not found on PyPI and could not be audited' means the latter)."; \
	  exit 1; }

# Re-resolve requirements/service.lock and requirements/dev.lock from pyproject.toml (needs the package index).
lock:
	$(BIN)/python tools/locks.py write

# The locks match pyproject.toml (offline), and every locked package is the newest release of its allowed
# series on the package index (BLOCKED, not failed, where the index cannot be reached).
deps-check: install
	$(BIN)/python tools/locks.py check
	@$(BIN)/python tools/locks.py fresh; status=$$?; [ $$status -eq 2 ] || exit $$status

messages: install
	$(BIN)/python manage.py makemessages -l es --ignore=.venv --ignore=var --ignore=tests --ignore=test-artifacts
	$(BIN)/python manage.py compilemessages --ignore=.venv

benchmark: migrate
	$(BIN)/python manage.py seed_demo --cases 1000000

# Each caseload report against hand-written SQL (median ms, ratio, 1.5x goal) and the /reports/ page
# (1 s goal), as the demo manager and the Dallas officer. On the seeded database, e.g.
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/consular_bench make bench-reports
# BENCH_ARGS passes options: --runs N, --report NAME (repeatable), --no-page, --no-check.
bench-reports: install
	$(BIN)/python manage.py bench_reports $(BENCH_ARGS)

# The API's reads against hand-written SQL pages (in process: medians, ratio, 3x goal, queries before the
# view), and with BENCH_ARGS=--http the case list's throughput under gunicorn + wrk against a raw WSGI page.
# Production settings on a database seeded with them: see docs/benchmarks.md for the variables.
bench-api: install
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL to the seeded benchmark database"; exit 1)
	$(BIN)/python manage.py bench_api $(BENCH_ARGS)

# The staff workspace's pages (homes, search, lists, reports) as each role, against the 300 ms goal; same
# database and variables as bench-api (BENCH_ARGS: --runs N, --slowest for each page's slowest statements).
bench-pages: install
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL to the seeded benchmark database"; exit 1)
	$(BIN)/python manage.py bench_pages $(BENCH_ARGS)

# Reminder delivery end to end (dispatcher + 2 workers + a local fake provider) on a seeded database:
#   make bench-reminders DATABASE_URL=postgres://postgres@127.0.0.1:5432/consular_bench
# (seed it once with `make benchmark`); needs Redis (REDIS_URL's server, database 11, is flushed).
bench-reminders: install
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL to the seeded benchmark database"; exit 1)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bench_reminders $(BENCH_ARGS)

# A 10,000-row detainee list imported at Dallas, each row matched against the network (goal: 60 s end to end),
# with a staff page's latency meanwhile. On a database seeded with `seed_demo --cases 100000 --force`:
#   make bench-import DATABASE_URL=postgres://postgres@127.0.0.1:5432/consular_bench
# BENCH_ARGS: --rows N, --preview (also the matched preview), --profile, --seed N.
bench-import: install
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL to the seeded benchmark database"; exit 1)
	$(BIN)/python manage.py bench_import $(BENCH_ARGS)

# The matcher (issue 19): its quality on a labelled synthetic set (confusion table against the targets: 0 wrong
# automatic links, >= 98 % of true duplicates linked or reviewed with the right person first, <= 10 % of
# distinct persons sent to review; the set is loaded in a transaction rolled back at the end) and match_many's
# speed, 10,000 queries against every person of the database (seed 100,000 first:
#   manage.py seed_demo --cases 100000 --force). BENCH_ARGS: --speed N (0: none), --no-quality, --show N, --seed N.
bench-matching: install
	@test -n "$(DATABASE_URL)" || (echo "Set DATABASE_URL to the seeded benchmark database"; exit 1)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py bench_matching $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
