# Gongchuang: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
export FLASK_APP := wsgi.py
# Two test processes (CI has two cores); each file stays in one (module-wide fixtures).
PYTEST_PARALLEL ?= -n 2 --dist loadfile --durations=15

.PHONY: run test lint format translations extract-messages bench clean

$(STAMP): requirements.txt requirements-dev.txt
	@$(PYTHON) -m venv $(VENV) || { echo "Could not create a virtualenv. On Debian: apt-get install python3-venv"; exit 1; }
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

translations: $(STAMP)
	@$(BIN)/pybabel compile -d app/translations

run: $(STAMP) translations
	$(BIN)/flask db upgrade
	$(BIN)/flask demo load
	@$(BIN)/flask demo logins
	@echo "Serving on http://127.0.0.1:5000 with the scheduled jobs  (Ctrl+C to stop)"
	@# One process runs the jobs too (reminders, lotteries, points, boards); no reloader,
	@# which would be a second process.
	SCHEDULER_IN_WEB=1 $(BIN)/flask run --no-reload --host 127.0.0.1 --port 5000

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Tests: lint, the whole suite on SQLite (browser and bench tests included), then the suite
# again on PostgreSQL when TEST_DATABASE_URL names a server (.ci/run starts one).
# GONGCHUANG_STRICT=1 turns every skipped browser or PostgreSQL test into a failure.
test: lint translations
	@echo "== SQLite run (with browser tests)"
	TEST_DATABASE_URL= $(BIN)/pytest $(PYTEST_PARALLEL)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL run on $$TEST_DATABASE_URL"; \
		$(BIN)/pytest $(PYTEST_PARALLEL) --ignore=tests/e2e --ignore=tests/bench || exit 1; \
	else \
		echo ""; \
		echo "!!! PostgreSQL run SKIPPED: TEST_DATABASE_URL is not set."; \
		echo "!!! 'bash .ci/run' installs and starts PostgreSQL, or see README > Tests."; \
		echo ""; \
		if [ "$$GONGCHUANG_STRICT" = "1" ]; then echo "strict mode: failing"; exit 1; fi; \
	fi

define FILL_ENGLISH
from babel.messages.pofile import read_po, write_po
path = "app/translations/en/LC_MESSAGES/messages.po"
catalogue = read_po(open(path, "rb"), locale="en")
for message in catalogue:
    if message.id and not message.string:
        message.string = message.id
write_po(open(path, "wb"), catalogue, omit_header=False, sort_output=True)
endef
export FILL_ENGLISH

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output \
		--project Gongchuang --ignore-dirs='.venv node_modules' -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching
	@# English is the source language: its catalogue repeats each message.
	$(BIN)/python -c "$$FILL_ENGLISH"
	@echo "Now translate the new (empty) entries in app/translations/zh/LC_MESSAGES/messages.po"

bench: $(STAMP) translations
	$(BIN)/python -m bench
	$(BIN)/python -m bench.checkin
	$(BIN)/python -m bench.speed
	$(BIN)/python -m bench.rewards
	$(BIN)/python -m bench.credits
	$(BIN)/python -m bench.engagement
	$(BIN)/python -m bench.campus
	$(BIN)/python -m bench.eventday
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.rush

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
