# Two commands: `make run` and `make test`. Every set-up step lives here.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DEB_PACKAGES := chromium fonts-noto-cjk sip-tester libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0
PG_URL ?= postgres://postgres@127.0.0.1:5432/sitewatch_ci_$(shell echo $$$$)

.PHONY: run test setup deb venv npm static lint test-sqlite test-postgres clean

setup: deb $(VENV)/.installed node_modules/.installed

# Debian packages (a real browser for the browser tests, CJK fonts for pages and PDFs, sipp
# (sip-tester) as a foreign SIP user agent for the GB/T 28181 interop test, and the Pango,
# HarfBuzz and fontconfig libraries WeasyPrint loads to lay out the PDF forms; HarfBuzz's
# subsetter embeds only the glyphs a form uses).
deb:
	@if ! dpkg -s $(DEB_PACKAGES) >/dev/null 2>&1; then \
	  echo "安装 Debian 软件包: $(DEB_PACKAGES)"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y --no-install-recommends $(DEB_PACKAGES); \
	fi

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

run: setup
	@mkdir -p var
	@test -s var/secret_key || $(BIN)/python -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key
	SECRET_KEY="$$(cat var/secret_key)" $(BIN)/sitewatch run

lint: setup
	$(BIN)/ruff check .

test-sqlite: setup
	env -u DATABASE_URL $(BIN)/pytest -q

test-postgres: setup
	DATABASE_URL="$(PG_URL)" $(BIN)/pytest -q

test: lint test-sqlite
	@if [ "$${TEST_POSTGRES:-}" = 1 ] || [ -n "$${CI:-}" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "（跳过 PostgreSQL：设置 TEST_POSTGRES=1 可在 PostgreSQL 上再跑一遍）"; fi

clean:
	rm -rf var/static test-artifacts
