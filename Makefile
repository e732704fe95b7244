# housing_app: `make run` and `make test` are all a fresh machine needs (see README).
SHELL := /bin/bash
VENV := .venv
PYTHON := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
SCALE ?= small
export HOST PORT

.DEFAULT_GOAL := help

.PHONY: help
help: ## List the commands
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/dist/.built: node_modules/.installed $(wildcard static/src/*)
	mkdir -p static/dist/govuk static/dist/swagger-ui
	cp -R node_modules/govuk-frontend/dist/govuk/assets static/dist/govuk/
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js static/dist/govuk/
	cp node_modules/swagger-ui-dist/swagger-ui.css node_modules/swagger-ui-dist/swagger-ui-bundle.js static/dist/swagger-ui/
	npm run --silent build
	touch $@

.PHONY: bootstrap
bootstrap: $(VENV)/.installed static/dist/.built ## Install Python and front-end dependencies, build assets

.PHONY: db
db: bootstrap ## Apply migrations to DATABASE_URL (default: the SQLite file under instance/)
	$(FLASK) db upgrade

.PHONY: demo
demo: db ## Load demo officers and data (idempotent)
	$(FLASK) demo load

.PHONY: run
run: demo ## Set everything up and serve on http://$(HOST):$(PORT)
	@echo "Serving on http://$(HOST):$(PORT)"
	$(FLASK) run --host "$(HOST)" --port "$(PORT)"

.PHONY: test
test: bootstrap ## Run the whole test suite (again on TEST_DATABASE_URL when set)
	$(PYTHON) -m pytest

.PHONY: lint
lint: bootstrap ## Check code style
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

.PHONY: mail-worker
mail-worker: db ## Run a standalone mail worker (the web app also sends mail itself)
	$(FLASK) mail work

.PHONY: browser-deps
browser-deps: ## Install Debian's Chromium for the browser tests (needs root)
	command -v chromium >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core)

.PHONY: clean
clean: ## Remove installed dependencies and built assets (keeps instance/ data)
	rm -rf $(VENV) node_modules static/dist

.PHONY: bench
bench: bootstrap ## Benchmarks at council scale (SCALE=small|medium|full; BENCH_DATABASE_URL adds PostgreSQL)
	BENCH_DATABASE_URL="$(BENCH_DATABASE_URL)" $(PYTHON) -m bench.run --scale "$(SCALE)"
