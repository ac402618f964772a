# Two set-up commands: `make run` and `make test`. Both work on a fresh machine with Python 3.11.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := LMS_ENV=development $(BIN)/flask --app wsgi
PARTNERSHIP_NAME ?= Riverside Safeguarding Children Partnership
export PARTNERSHIP_NAME

.PHONY: run test lint format clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

# `make run PORT=8000` serves on another port. While the server runs, `flask run-jobs` delivers the
# outbox every JOBS_EVERY seconds (mail as .eml files under instance/outbox/, its log in JOBS_LOG);
# Ctrl+C stops both, letting a delivery in progress finish.
PORT ?= 5000
JOBS_EVERY ?= 30
JOBS_LOG ?= instance/run-jobs.log

run: $(VENV)/.installed
	$(FLASK) db upgrade
	$(FLASK) keys generate --if-missing
	$(FLASK) seed-demo --if-empty
	@echo
	@$(FLASK) demo-sign-ins
	@echo
	@mkdir -p $(dir $(JOBS_LOG))
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	@echo "Mail goes to instance/outbox/*.eml: run-jobs delivers it every $(JOBS_EVERY) seconds (log: $(JOBS_LOG))"
	@export BASE_URL="$${BASE_URL:-http://127.0.0.1:$(PORT)}"; \
	( trap 'kill $$pause 2>/dev/null; exit 0' TERM; \
	  while :; do \
	    $(FLASK) run-jobs >> $(JOBS_LOG) 2>&1; \
	    sleep $(JOBS_EVERY) & pause=$$!; wait $$pause; \
	  done ) & jobs=$$!; \
	trap 'kill $$jobs 2>/dev/null; wait $$jobs 2>/dev/null' EXIT INT TERM; \
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks: writes bench/RESULTS.md (options: BENCH_ARGS="--fresh --only reports --repeat 15";
# parts: reports, pages, storm, elearning-import, certificates).
bench: $(VENV)/.installed
	@command -v wrk >/dev/null 2>&1 || { echo "== Installing wrk"; apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
