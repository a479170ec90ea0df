# The README's two commands: `make run` and `make test`. Both install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := $(wildcard plugins/countries/*) $(wildcard plugins/services/*)
PLUGIN_PROJECTS := $(foreach p,$(PLUGINS),$(p)/pyproject.toml)
STAMP := $(VENV)/.installed
# Front-end packages (package-lock.json): the web pages' assets, served from
# node_modules/, and axe-core for the browser tests.
NODE_STAMP := node_modules/.installed
export PORT ?= 5000

.PHONY: install browser run test test-fast test-postgres bench screenshots translations-extract translations-update translations clean

install: $(STAMP) $(NODE_STAMP) translations

$(STAMP): setup.cfg setup.py pyproject.toml $(PLUGIN_PROJECTS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# The core was once installed as `caas`, a name another project owns on the index.
	$(BIN)/python -m pip uninstall --quiet --yes caas 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -e '.[test,bench]' $(foreach p,$(PLUGINS),-e $(p))
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

# The browser tests' Chromium is Debian's (Playwright's own download does not work here);
# installed when missing (the machines run as root), and a failed install stops the run.
CHROMIUM := /usr/bin/chromium-headless-shell

browser: $(CHROMIUM)

$(CHROMIUM):
	@echo "make: installing Debian's chromium-headless-shell for the browser tests"
	@apt-get install -y -qq chromium-headless-shell >/dev/null \
		|| (apt-get update -qq && apt-get install -y -qq chromium-headless-shell >/dev/null) \
		|| { echo "make: FATAL: cannot install chromium-headless-shell for the browser tests" >&2; exit 1; }
	@test -x $@ || { echo "make: FATAL: $@ is missing after the install" >&2; exit 1; }

# The platform's catalogs and those bundled plugins ship (<package>/translations/, found
# through their register_translations hook).
CATALOGS := $(wildcard translations/*/LC_MESSAGES/messages.po) \
	$(wildcard plugins/*/*/*/translations/*/LC_MESSAGES/messages.po)
# The bundled plugins' packages that ship catalogs (their texts are marked N_).
PLUGIN_CATALOGS := $(patsubst %/translations/messages.pot,%,$(wildcard plugins/*/*/*/translations/messages.pot))

translations: $(CATALOGS:.po=.mo)

%/LC_MESSAGES/messages.mo: %/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

## Extract messages from the code into translations/messages.pot (gettext, lazy_gettext
## and N_ calls), and each bundled plugin's into <package>/translations/messages.pot.
translations-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k gettext -k lazy_gettext -o translations/messages.pot \
		--project=caas --copyright-holder=CaaS .
	for package in $(PLUGIN_CATALOGS); do \
		$(BIN)/pybabel extract -k lazy_gettext -o $$package/translations/messages.pot \
			--project=$$(basename $$package) --copyright-holder=CaaS $$package || exit 1; \
	done

## Merge new messages into every language's .po file (the platform's and the plugins').
translations-update: translations-extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations -D messages
	for package in $(PLUGIN_CATALOGS); do \
		$(BIN)/pybabel update -i $$package/translations/messages.pot \
			-d $$package/translations -D messages || exit 1; \
	done

run: install
	$(BIN)/caas db upgrade
	$(BIN)/caas seed --demo-sales
	$(BIN)/caas run --port $(PORT)

# Every core runs tests (pytest-xdist); a single file runs alone with .venv/bin/pytest FILE.
TEST_WORKERS ?= auto

test: install browser
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --maxprocesses 4

## The fast tier: use cases over in-memory fakes (tests/unit), no database, broker or network;
## without the pytest plugins only the other tiers use, which take longer to load than it runs.
test-fast: install
	$(BIN)/python -m pytest -q -p no:schemathesis -p no:hypothesispytest -p no:xdist tests/unit

## The same suite on PostgreSQL + Redis (what CI runs after `make test`).
test-postgres: install browser
	CAAS_TEST_DATABASE_URL=$${CAAS_TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/postgres} \
	CAAS_TEST_BROKER_URL=$${CAAS_TEST_BROKER_URL:-redis://127.0.0.1:6379/15} \
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --maxprocesses 4

## The foundation benchmark, then the OTA one, month-end billing, and the web pages (see bench/README.md). BENCH_ARGS goes to all
## (e.g. BENCH_ARGS=--quick); BENCH_RUN_ARGS only to bench/run.py (e.g. --backends sqlite),
## BENCH_OTA_ARGS only to bench/ota.py (e.g. --database sqlite), BENCH_PAGES_ARGS only to
## bench/pages.py (e.g. --database postgresql).
bench: install
	$(BIN)/python bench/run.py $(BENCH_ARGS) $(BENCH_RUN_ARGS)
	$(BIN)/python bench/ota.py $(BENCH_ARGS) $(BENCH_OTA_ARGS)
	$(BIN)/python bench/billing.py $(BENCH_ARGS) $(BENCH_BILLING_ARGS)
	$(BIN)/python bench/pages.py $(BENCH_ARGS) $(BENCH_PAGES_ARGS)

## PNGs of the web pages in two languages for the README (docs/screenshots/): the platform
## as `make run` starts it, on a throwaway instance folder, photographed by Debian's Chromium.
screenshots: install browser
	$(BIN)/python -m tests.support.screenshots

clean:
	rm -rf $(VENV) instance build dist *.egg-info platform/*.egg-info
