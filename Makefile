# Two commands for newcomers: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.installed
# Python 3.10 (Rasa 3.6 runs on 3.10 only): python3.10 on PATH, else pyenv's 3.10.
PY310     ?= $(shell command -v python3.10 2>/dev/null || (pyenv prefix 3.10 2>/dev/null | sed 's|$$|/bin/python|'))
export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
# Browser tests drive Debian's Chromium through Playwright: Playwright never downloads one.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
CHROMIUM  ?= /usr/bin/chromium

.PHONY: help install chromium screenshots run test validate train serve chat lint audit clean

help:
	@echo "make run    - install, migrate, load the sample directory, train if needed, start and chat"
	@echo "make test   - the whole test suite (unit, actions, Rasa validate/train/stories/NLU, e2e)"
	@echo "make serve  - start every process without the chat (Ctrl-C / SIGTERM stops them)"

$(STAMP): requirements.lock requirements-dev.lock constraints.txt pyproject.toml
	@test -n "$(PY310)" || { echo "Python 3.10 not found: install it (e.g. pyenv install 3.10.13)"; exit 1; }
	$(PY310) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.lock -r requirements-dev.lock -c constraints.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -e .
	$(BIN)/pip check
	@touch $@

install: $(STAMP)

validate: $(STAMP)
	$(BIN)/rasa data validate --fail-on-warnings

train: $(STAMP)
	$(BIN)/navigator train

run: $(STAMP)
	$(BIN)/navigator run

serve: $(STAMP)
	$(BIN)/navigator setup
	$(BIN)/navigator train
	$(BIN)/navigator serve

chat: $(STAMP)
	$(BIN)/navigator chat

# The console's browser tests (tests/console/test_browser.py) need Debian's `chromium`: installed
# here, for the tests only, when it is missing and apt-get can run (as root, or with sudo -n).
# Where it cannot be installed the browser tests are skipped with that reason; nothing else is.
chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then APT="apt-get"; \
	  elif command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then APT="sudo -n apt-get"; \
	  else APT=""; fi; \
	  if [ -n "$$APT" ]; then \
	    echo "installing Debian chromium for the browser tests"; \
	    ($$APT update -qq && DEBIAN_FRONTEND=noninteractive $$APT install -y -q chromium >/dev/null) \
	      || echo "chromium could not be installed: the browser tests will be skipped"; \
	  else echo "no apt-get here (or no root): the browser tests will be skipped"; fi; \
	fi

# Style and likely bugs (ruff), and the layers (import-linter: bot/ never imports the channels,
# the actions or Rasa; nothing imports app/; no import cycles). Contracts in pyproject.toml.
lint: $(STAMP)
	$(BIN)/ruff check --no-cache .
	$(BIN)/lint-imports --no-cache

# pytest exits non-zero on failures and with 5 when no test ran: both fail `make test`.
# Nothing is written into the checkout: no pytest cache here, and the tests' models, reports
# and caches go to ~/.cache/navigator-tests (tests/conftest.py; NAVIGATOR_TEST_CACHE moves it).
test: $(STAMP) chromium lint
	$(BIN)/pytest -ra -p no:cacheprovider

# Known advisories for the pinned set: pip-audit, in a venv of its own (it needs packaging>=23,
# Rasa 3.6 pins packaging<21), asks the OSV database about every pinned package. It needs a route
# to api.osv.dev, which CI and the development machines here do not have (deploy/README.md,
# "Dependency advisories"): run it where that route exists, e.g. before each release.
AUDIT_VENV := .venv-audit
audit:
	@test -x $(AUDIT_VENV)/bin/pip-audit || { $(PY310) -m venv $(AUDIT_VENV) && \
	  $(AUDIT_VENV)/bin/pip install -q --disable-pip-version-check pip-audit==2.10.1; }
	$(AUDIT_VENV)/bin/pip-audit --vulnerability-service osv --disable-pip --no-deps \
	  -r requirements.lock -r requirements-dev.lock

# Refresh docs/screenshots/ (queue, conversation view, dashboard) from the browser tests.
screenshots: $(STAMP) chromium
	NAVIGATOR_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/console/test_browser.py \
	  tests/console/test_dashboard_browser.py tests/console/test_webchat_browser.py

clean:
	rm -rf $(VENV) var results models
