# The commands the README names. Only Python 3.11+ and make are needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BENCH_STAMP := $(VENV)/.bench-stamp
MUTATE_STAMP := $(VENV)/.mutate-stamp
REPORT := $(BIN)/python -m benchmarks.report
PYTEST_ARGS ?=
MUTATE_ARGS ?=
LOCK_ARGS ?=
# Every install takes the exact versions pinned in constraints.txt (make lock refreshes it).
CONSTRAINTS := constraints.txt

.PHONY: install run test lint typecheck bench soak faults replicated mutate clean translations lock

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the project with its dev tools

run: $(STAMP) ## The platform on SQLite + embedded Redis with the demo municipality, on http://127.0.0.1:5000
	$(BIN)/participatie demo load --if-empty
	$(BIN)/participatie run

lint: $(STAMP) ## ruff, and the import contracts in pyproject.toml (import-linter)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

test: lint typecheck ## Lint, type-check and run the whole test suite
	$(BIN)/pytest -n 2 --dist worksteal $(PYTEST_ARGS)

$(BENCH_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,bench]'
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP) ## Benchmarks, written into BENCHMARKS.md (about an hour); not part of make test
	$(BIN)/python -m benchmarks.submit --seconds 20 --rounds 2
	$(BIN)/python -m benchmarks.photos --seconds 10 --rounds 2
	$(BIN)/python -m benchmarks.routing --jobs 1000 --rounds 2
	$(BIN)/python -m benchmarks.timetravel --queries 400
	$(REPORT) latency -- $(BIN)/python -m benchmarks.views latency --rate 20 --seconds 30
	$(REPORT) rebuild -- $(BIN)/python -m benchmarks.views rebuild --events 200000
	$(REPORT) worker-class -- $(BIN)/python -m benchmarks.worker_class --jobs 200 --rounds 2
	$(REPORT) queue -- $(BIN)/python -m benchmarks.views queue --small 1000 --large 100000
	$(REPORT) audit -- $(BIN)/python -m benchmarks.audit --events 100000 --rounds 3
	$(REPORT) steering -- $(BIN)/python -m benchmarks.steering --small 1000 --large 100000
	$(REPORT) mail -- $(BIN)/python -m benchmarks.mail --messages 500
	$(BIN)/python -m benchmarks.fullstack --seconds 20 --rounds 2
	$(BIN)/python -m benchmarks.commit_cost

soak: $(BENCH_STAMP) ## 20 minutes of mixed traffic (locust) on loopback: 0 errors, RSS growth < 10%
	$(BIN)/python -m benchmarks.soak --minutes 20

replicated: $(BENCH_STAMP) ## every process twice on PostgreSQL; kill -9 one of each pair and every leader under load
	$(BIN)/python -m benchmarks.replicated

faults: $(BENCH_STAMP) ## kill -9 web, worker, relay, projector and Redis under load: nothing lost or doubled
	$(BIN)/python -m benchmarks.faults

$(MUTATE_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[dev,mutate]'
	touch $(MUTATE_STAMP)

# MUTATE_ARGS: --module participatie/access.py (repeatable) for some modules, --resume to go on.
mutate: $(MUTATE_STAMP) ## Mutation testing (cosmic-ray; MUTATE_ARGS='--jobs 2' for two workers) of the domain, access, audit and erasure: kill rates and survivors; not part of make test
	$(BIN)/python -m tests.mutate $(MUTATE_ARGS)

translations: $(STAMP) ## Extract the Dutch texts and add new ones to the English catalogue
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k lazy_gettext --no-location --omit-header \
		--sort-output -o participatie/translations/messages.pot .
	$(BIN)/pybabel update -i participatie/translations/messages.pot -d participatie/translations --no-fuzzy-matching

# Not on $(STAMP): a pyproject.toml that no longer fits the pins must still be lockable.
lock: ## Pin every dependency of every extra (dev, bench, mutate) in constraints.txt, for Python 3.11+; LOCK_ARGS=--upgrade moves every pin to the newest version
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
		--quiet $(LOCK_ARGS) -o $(CONSTRAINTS)

clean:
	rm -rf $(VENV) var .mutate .pytest_cache .mypy_cache .ruff_cache
