# Two commands for a fresh machine with Python 3.11+: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed
# Debian packages: a CJK font for the scorecard picture, Chromium for the browser test.
APT_PACKAGES := fonts-noto-cjk chromium

# GX Data Docs' scripts, styles and fonts, from their npm packages (pinned versions, SHA-512
# checked), into the venv, so the pages load nothing from a CDN (pipelines/checks/data_docs_assets.py).
DATA_DOCS_ASSETS := $(VENV)/share/workplan/data_docs_assets/versions.txt

.PHONY: demo test lint system-packages

demo: $(STAMP) $(DATA_DOCS_ASSETS) system-packages
	$(VENV)/bin/workplan demo

test: $(STAMP) $(DATA_DOCS_ASSETS) system-packages postgres
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n 2 --dist loadgroup --durations=30

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Best effort: installs what is missing when run as root with apt; otherwise says what to install.
system-packages:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "Not installed (the scorecard falls back to a plain font; the browser test skips): $$missing"; \
	fi

# Debian's PostgreSQL for the production profile's test tier (tests/test_postgres.py, deploy/):
# installed when missing and run as root with apt; otherwise that tier skips and says why.
# The package's own cluster is not used: the tests start a throwaway one on a free port.
.PHONY: postgres
postgres:
	@if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian packages: postgresql"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else \
		echo "Not installed (the PostgreSQL test tier skips): postgresql"; \
	fi

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $@

$(DATA_DOCS_ASSETS): $(STAMP) pipelines/checks/data_docs_assets.py
	$(VENV)/bin/python -m pipelines.checks.data_docs assets

# Benchmarks (issue 7): writes README's Benchmarks tables; see that section for what it needs.
.PHONY: bench
bench: $(STAMP)
	$(VENV)/bin/python -m bench
