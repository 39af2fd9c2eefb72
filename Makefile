# jiaoguan: the two commands.
#   make demo   create .venv, install, bring up the demo (SQLite, seeded data, logins printed)
#   make test   install the test tools (and Debian's Chromium and poppler-utils when root), then run every check:
#               ruff, mypy, migrations, OpenAPI and translation drift, the test suite on SQLite,
#               and again on PostgreSQL when it is reachable (required when
#               JIAOGUAN_REQUIRE_POSTGRES=1, as .ci/run sets).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
export DJANGO_SETTINGS_MODULE ?= jiaoguan.conf.settings.test

.PHONY: demo test check lint typecheck pytest pytest-sqlite pytest-postgres browser messages clean

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv && \
	    $(PYTHON) -m venv $(VENV); \
	  else echo "python3 -m venv failed: install python3-venv" >&2; exit 1; fi; }
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e ".[test]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	DJANGO_SETTINGS_MODULE=jiaoguan.conf.settings.dev $(BIN)/jiaoguan demo

browser:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="chromium fonts-wqy-microhei"; \
	command -v pdftotext >/dev/null || missing="$$missing poppler-utils"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's $$missing (browser journeys; a CJK font for legible screenshots; pdftotext to read the PDFs back)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  else echo "not installed and not root: $$missing (browser journeys or PDF text checks will be skipped)" >&2; fi; \
	fi

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests sandbox bench tools
	$(BIN)/ruff format --check src tests sandbox bench tools

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

check: lint typecheck
	$(BIN)/python -m django makemigrations --check --dry-run
	$(BIN)/jiaoguan openapi --check
	$(BIN)/jiaoguan configdoc --check
	$(BIN)/python tools/i18n.py check

pytest-sqlite: $(VENV)/.installed-test browser
	JIAOGUAN_TEST_DB=sqlite $(BIN)/pytest

pytest-postgres: $(VENV)/.installed-test browser
	@if $(BIN)/python tools/pg_available.py; then \
	  JIAOGUAN_TEST_DB=postgres $(BIN)/pytest; \
	elif [ "$(JIAOGUAN_REQUIRE_POSTGRES)" = 1 ]; then \
	  echo "PostgreSQL is required (JIAOGUAN_REQUIRE_POSTGRES=1) but not reachable" >&2; exit 1; \
	else echo "PostgreSQL not reachable: skipping the PostgreSQL pass"; fi

test: check pytest-sqlite pytest-postgres

messages: $(VENV)/.installed-test
	cd src/jiaoguan && ../../$(BIN)/python -m django makemessages -l zh_Hans -l en --no-location --ignore "demo/*"
	$(BIN)/python tools/i18n.py fill
	cd src/jiaoguan && ../../$(BIN)/python -m django compilemessages

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
