# The two commands a fresh clone needs (see README): `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test install lint screenshots

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

## Serve the app on http://127.0.0.1:5000 with the bundled banks and a demo cohort.
run: install
	$(BIN)/flask --app app db upgrade
	$(BIN)/flask --app app quizbank load-banks
	$(BIN)/flask --app app quizbank seed-track
	$(BIN)/flask --app app quizbank seed-demo
	$(BIN)/flask --app app run --host 127.0.0.1 --port 5000

## Install what the tests need and run the whole suite (QUIZBANK_TEST_DATABASE_URL picks the database).
test: install
	bash scripts/ensure-test-tools
	$(BIN)/ruff check .
	$(BIN)/python -m pytest; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; exit $$rc

lint: install
	$(BIN)/ruff check .

## Regenerate docs/screenshots/: the app with the demo data on a scratch database, each role at 1440 px and 360 px.
screenshots: install
	bash scripts/ensure-test-tools
	$(BIN)/python scripts/screenshots.py
