# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
PYTEST_ARGS ?=
# `make test` runs the suite in this many pytest-xdist worker processes (0: all in one).
PYTEST_WORKERS ?= 3
# `make bench`: BENCH_QUICK=1 for a short run; BENCH_SECONDS per measured page (default 10).
BENCH_QUICK ?=
BENCH_SECONDS ?=
FLASK := $(BIN)/flask --app app
LOCALES := es vi km hmn tl pa

.PHONY: run test bench bench-lighthouse-install install install-test browser pdf-deps lint i18n-extract i18n-update i18n-compile

run: install pdf-deps i18n-compile
	mkdir -p instance
	CSO_ENV=development $(FLASK) db upgrade
	CSO_ENV=development $(FLASK) seed-demo
	CSO_ENV=development $(FLASK) run --host 0.0.0.0 --port $(PORT) --with-threads

test: install-test browser pdf-deps i18n-compile
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Speed (SQLite and PostgreSQL, full size and 1/100), query plans, page weight and Lighthouse,
# written to bench/REPORT.md. Starts the local PostgreSQL cluster as .ci/run does when it can.
bench: install-test i18n-compile
	@if command -v pg_ctlcluster >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then \
		pg_ctlcluster --skip-systemctl-redirect "$$(ls /etc/postgresql | sort -V | tail -n 1)" main start; \
		for _ in $$(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done; \
	fi
	@$(MAKE) --no-print-directory bench-lighthouse-install
	CSO_ENV=development BENCH_QUICK=$(BENCH_QUICK) BENCH_SECONDS=$(BENCH_SECONDS) $(BIN)/python -m bench.report

# Lighthouse is optional: without Node.js >= 18.16 and npm the report says it was skipped.
bench-lighthouse-install:
	@if [ -x bench/node_modules/.bin/lighthouse ]; then :; \
	elif ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		echo "bench: no Node.js/npm, so no Lighthouse (it needs Node.js >= 18.16); the rest runs."; \
	elif ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 18 || (a === 18 && b >= 16) ? 0 : 1)'; then \
		echo "bench: Node.js $$(node --version) is older than 18.16, so no Lighthouse; the rest runs."; \
	else \
		(cd bench && npm ci --silent --no-audit --no-fund) || echo "bench: npm ci failed, so no Lighthouse; the rest runs."; \
	fi

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

install-test: $(VENV)/.installed-test
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . --group dev
	touch $@ $(VENV)/.installed

# Debian's Chromium (and fonts for Khmer and Gurmukhi) when we may install packages;
# otherwise Playwright's own build of Chromium.
browser:
	@if [ -x /usr/bin/chromium ] && dpkg -s fonts-noto-core >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium fonts-noto-core; \
	elif [ ! -x /usr/bin/chromium ]; then $(BIN)/python -m playwright install chromium; fi

# PDFs (notices, citations, ICS forms): WeasyPrint needs Pango, and the Noto fonts shape Khmer and Gurmukhi.
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-core
pdf-deps:
	@if dpkg -s $(PDF_PACKAGES) >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(PDF_PACKAGES); \
	else echo "PDF documents need: sudo apt-get install $(PDF_PACKAGES)"; fi

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Translation workflow: extract new strings, merge them into every catalog, compile.
i18n-extract: install
	$(BIN)/pybabel extract -F pyproject.toml --ignore-dirs=".* __pycache__" -k _l -k lazy_gettext -k lazy_pgettext:1c,2 \
		--sort-by-file --no-wrap -o translations/messages.pot .

i18n-update: i18n-extract
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap \
		--ignore-obsolete --no-fuzzy-matching

i18n-compile: install
	$(BIN)/pybabel compile -d translations --statistics 2>&1 | grep -v '^compiling' || true
