# 合川区生态环境投诉处理 — the two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-sqlite lint bench clean system-deps

$(VENV)/.installed-run: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed-run
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## run: set everything up and start the whole system (embedded: SQLite, event log in the database)
run: $(VENV)/.installed-run
	DEMO_MODE=$${DEMO_MODE:-true} $(BIN)/complaints migrate
	DEMO_MODE=$${DEMO_MODE:-true} $(BIN)/complaints seed
	DEMO_MODE=$${DEMO_MODE:-true} HOST=$(HOST) PORT=$(PORT) $(BIN)/complaints serve all

## test: set everything up (PostgreSQL, the Kafka-protocol broker) and run the whole suite
test: $(VENV)/.installed-test system-deps
	$(BIN)/pytest -q

## test-sqlite: the quick loop, SQLite only
test-sqlite: $(VENV)/.installed-test
	TEST_DATABASES=sqlite $(BIN)/pytest -q -x

system-deps:
	@bash scripts/ensure-system-deps.sh

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/mypy shared services

bench: $(VENV)/.installed-test
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache
