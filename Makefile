# 合川区生态环境投诉处理 — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
NPM    ?= npm

.PHONY: run run-upstream test test-sqlite lint bench bench-ceiling clean system-deps web typecheck-web

# The pages (web/: Vue 3 + Vite): rebuilt when their sources change, served by the API process.
WEB_SOURCES := web/package.json web/package-lock.json web/index.html web/vite.config.ts web/tsconfig.json \
               web/env.d.ts $(shell find web/src web/public -type f 2>/dev/null)
NPM_CHECK = command -v $(NPM) >/dev/null 2>&1 || { echo "npm is needed to build the pages (web/): install \
Node.js 20.19 or newer with npm (https://nodejs.org, or your distribution's nodejs and npm packages), then run \
make again" >&2; exit 1; }

$(VENV)/.installed-run: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-run
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

web/node_modules/.installed: web/package.json web/package-lock.json
	@$(NPM_CHECK)
	cd web && $(NPM) ci --no-audit --no-fund
	touch $@

web/dist/.built: web/node_modules/.installed $(WEB_SOURCES)
	@$(NPM_CHECK)
	cd web && $(NPM) run build
	touch $@

## web: build the pages (npm ci, then vite build) when their sources changed
web: web/dist/.built

## typecheck-web: vue-tsc --noEmit over the pages
typecheck-web: web/dist/.built
	cd web && $(NPM) run typecheck

## run: set everything up and start the whole system (embedded: SQLite, event log in the database)
run: $(VENV)/.installed-run web/dist/.built
	DEMO_MODE=$${DEMO_MODE:-true} $(BIN)/complaints migrate
	DEMO_MODE=$${DEMO_MODE:-true} $(BIN)/complaints seed
	DEMO_MODE=$${DEMO_MODE:-true} NOTIFY_DUTY_OFFICER_PHONES=$${NOTIFY_DUTY_OFFICER_PHONES:-13800000000} \
		HOST=$(HOST) PORT=$(PORT) $(BIN)/complaints serve all

# The demo's upstream platforms (docs/upstream.md): both played by the fake on UPSTREAM_DEMO_PORT.
UPSTREAM_DEMO_PORT ?= 9200
UPSTREAM_DEMO_SECRET := demo-upstream-secret
UPSTREAM_DEMO_URL = http://127.0.0.1:$(UPSTREAM_DEMO_PORT)
UPSTREAM_DEMO_ENV = UPSTREAM_12345_URL=$(UPSTREAM_DEMO_URL)/12345 UPSTREAM_NATIONAL_URL=$(UPSTREAM_DEMO_URL)/national \
	UPSTREAM_12345_APP_ID=hechuan-eeb UPSTREAM_NATIONAL_APP_ID=hechuan-eeb \
	UPSTREAM_12345_SECRET=$(UPSTREAM_DEMO_SECRET) UPSTREAM_NATIONAL_SECRET=$(UPSTREAM_DEMO_SECRET) \
	UPSTREAM_12345_POLL_SECONDS=10 UPSTREAM_NATIONAL_POLL_SECONDS=10 UPSTREAM_LEASE_SECONDS=30

## run-upstream: `make run` with the city's 12345 and the national platform played by the fake (3 cases each)
run-upstream: $(VENV)/.installed-run web/dist/.built
	DEMO_MODE=$${DEMO_MODE:-true} $(BIN)/complaints migrate
	DEMO_MODE=$${DEMO_MODE:-true} $(BIN)/complaints seed
	$(BIN)/complaints fake-upstream --port $(UPSTREAM_DEMO_PORT) --secret $(UPSTREAM_DEMO_SECRET) --transfer 3 & \
	FAKE=$$!; trap 'kill $$FAKE 2>/dev/null' EXIT; \
	DEMO_MODE=$${DEMO_MODE:-true} HOST=$(HOST) PORT=$(PORT) $(UPSTREAM_DEMO_ENV) $(BIN)/complaints serve all

## test: set everything up (PostgreSQL, the Kafka-protocol broker), lint (ruff, mypy, vue-tsc), run the whole suite
## (the 15 slowest tests are listed at the end: the suite must stay well under 20 minutes on 2 cores)
PYTEST_WORKERS ?= 2
test: $(VENV)/.installed-test system-deps lint
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --durations=15

## test-sqlite: the quick loop, SQLite only
test-sqlite: $(VENV)/.installed-test web/dist/.built
	TEST_DATABASES=sqlite $(BIN)/pytest -q -x

system-deps:
	@bash scripts/ensure-system-deps.sh

lint: $(VENV)/.installed-test typecheck-web
	$(BIN)/ruff check .
	$(BIN)/mypy shared services

## bench: the figures (classifier, intake, 201 → department topic, each consumer group's speed, intake beside its
## ceiling, the supervisors' queries over 200,000 seeded cases, Kafka latency, end to end at 200 complaints/s with
## the CPU each process spends a complaint); one JSON in bench/results/; the million: python -m bench.volume --cases 1000000
bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

## bench-ceiling: intake beside a bare FastAPI app in one run (bench/ceiling.py; JSON in bench/results/)
bench-ceiling: $(VENV)/.installed-test
	$(BIN)/python -m bench.ceiling

clean:
	rm -rf $(VENV) var .pytest_cache web/node_modules web/dist test-artifacts
