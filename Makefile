# Green-card front desk. Two environments: .venv (the project, Python 3.11+) and .venv-rasa (Rasa 3.6, Python 3.10).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
RASA := $(RASA_VENV)/bin/rasa
MODEL := models/frontdesk.tar.gz
TRAIN_INPUTS := config.yml domain.yml frontdesk/text.py frontdesk/spelling.py $(wildcard frontdesk/data/*) $(shell find nlu -type f -not -path '*/__pycache__/*' -not -name '*.pyc' 2>/dev/null)
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
NLU_EVAL_DATA ?= ../shared/eval/dev_nlu.jsonl
export RASA_TELEMETRY_ENABLED := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help setup train rollback-model serve demo test unit lint format migration clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: $(VENV)/.installed $(RASA_VENV)/.installed  ## create both environments (fast when nothing changed)

$(VENV)/.installed: requirements/app.txt requirements/dev.txt
	@test -x $(PY) || "$$(scripts/find-python project)" -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements/dev.txt
	@touch $@

$(RASA_VENV)/.installed: requirements/rasa.txt
	@test -x $(RASA_VENV)/bin/python || "$$(scripts/find-python rasa)" -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/python -m pip install --quiet pip==24.2
	$(RASA_VENV)/bin/python -m pip install --quiet -r requirements/rasa.txt
	@touch $@

train: $(MODEL)  ## train the Rasa model (skipped when its inputs have not changed)

# --force: Rasa's cache does not notice a changed jieba dictionary; make already decides when to train.
# The model in use is kept as models/previous-<UTC time>.tar.gz (the newest 3): `make rollback-model`.
# Then the new model's NLU figures (benchmarks/nlu_eval.py on NLU_EVAL_DATA), before anything serves it.
$(MODEL): $(RASA_VENV)/.installed $(TRAIN_INPUTS)
	@if [ -f $(MODEL) ]; then cp $(MODEL) models/previous-$$(date -u +%Y%m%dT%H%M%SZ).tar.gz; fi
	@ls -1t models/previous-*.tar.gz 2>/dev/null | tail -n +4 | xargs -r rm -f
	PYTHONPATH=$(CURDIR) $(RASA) train --data nlu/data --config config.yml --domain domain.yml \
		--out models --fixed-model-name frontdesk --force --quiet
	@if [ -f "$(NLU_EVAL_DATA)" ] && [ -x $(PY) ] && [ -z "$$CI" ]; then $(PY) -m benchmarks.nlu_eval --data $(NLU_EVAL_DATA); fi

rollback-model:  ## put the model used before the last training back (models/previous-*.tar.gz, newest first)
	@previous=$$(ls -1t models/previous-*.tar.gz 2>/dev/null | head -1); \
	test -n "$$previous" || { echo "no previous model in models/"; exit 1; }; \
	mv "$$previous" $(MODEL) && touch $(MODEL) && echo "$(MODEL) is now $$previous; restart the front desk"

serve: setup train  ## run the front desk in the foreground (Rasa, actions, and the bot if TELEGRAM_BOT_TOKEN is set)
	$(PY) -m launcher.serve

demo: setup train  ## the front desk plus a chat in this terminal
	$(PY) -m launcher.serve --chat

# axe-core for the browser tests' accessibility checks (npm, pinned in tests/browser/package-lock.json).
AXE := tests/browser/node_modules/axe-core/axe.min.js
$(AXE): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --silent
	@touch $@

test: setup train $(AXE)  ## lint, unit, integration and browser tests (SQLite, and PostgreSQL at TEST_DATABASE_URL)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest

unit: setup  ## the tests that need no servers (about a minute): every package's own tests (SQLite, and PostgreSQL at TEST_DATABASE_URL)
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest -m "not integration" --ignore=tests/integration --ignore=tests/telegram tests

lint:  ## ruff check and format check; mypy on frontdesk/ and the domains
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check . && $(VENV)/bin/mypy

format:  ## apply ruff's fixes and formatting
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

migration: setup  ## a new Alembic revision from the models: make migration MESSAGE="what changed"
	@test -n "$(MESSAGE)" || { echo 'usage: make migration MESSAGE="what changed"'; exit 2; }
	rm -f var/migration.db && mkdir -p var
	DATABASE_URL=sqlite:///var/migration.db $(VENV)/bin/alembic upgrade head
	DATABASE_URL=sqlite:///var/migration.db $(VENV)/bin/alembic revision --autogenerate -m "$(MESSAGE)"
	rm -f var/migration.db
	$(VENV)/bin/ruff format --quiet migrations && $(VENV)/bin/ruff check --fix --quiet migrations

clean:  ## remove the trained model, caches and local data (not the environments)
	rm -rf models .rasa var .pytest_cache .ruff_cache
