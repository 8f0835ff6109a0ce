# 合川区生态环境投诉处理 — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
NPM    ?= npm

.PHONY: run test test-sqlite lint bench clean system-deps web typecheck-web

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
	DEMO_MODE=$${DEMO_MODE:-true} HOST=$(HOST) PORT=$(PORT) $(BIN)/complaints serve all

## test: set everything up (PostgreSQL, the Kafka-protocol broker), lint (ruff, mypy, vue-tsc), run the whole suite
test: $(VENV)/.installed-test system-deps lint
	$(BIN)/pytest -q

## test-sqlite: the quick loop, SQLite only
test-sqlite: $(VENV)/.installed-test web/dist/.built
	TEST_DATABASES=sqlite $(BIN)/pytest -q -x

system-deps:
	@bash scripts/ensure-system-deps.sh

lint: $(VENV)/.installed-test typecheck-web
	$(BIN)/ruff check .
	$(BIN)/mypy shared services

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache web/node_modules web/dist test-artifacts
