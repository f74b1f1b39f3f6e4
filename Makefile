# The front door of the kit. Every target prints the real commands it runs, so you can see what happens.
# `make help` lists the targets.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
REPORTS ?= reports

.DEFAULT_GOAL := help
.PHONY: help demo new run doctor suite-image docs docs-serve test test-containers test-fast lint-spec rules bench mutants system-deps venv tools lock clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

demo: venv ## start the reference on SQLite, run the whole suite against it, stop it
	scripts/demo.sh

new: ## a starter, the compose set-up and the suite in a new folder: make new STARTER=go-nethttp DIR=../my-attempt
	@test -n "$(STARTER)" -a -n "$(DIR)" || { echo "usage: make new STARTER=<one of: $$(ls starters | tr '\n' ' ')> DIR=<new folder>"; exit 2; }
	$(PYTHON) scripts/new_attempt.py "$(STARTER)" "$(DIR)"

run: venv ## build, start and check an attempt with docker compose, then take it down: make run DIR=../my-attempt
	@test -n "$(DIR)" || { echo "usage: make run DIR=<attempt folder> [LEVEL=0]"; exit 2; }
	$(BIN)/timetension run "$(DIR)" $(if $(LEVEL),--level $(LEVEL))

doctor: venv ## is this machine ready for the workshop (Docker, compose, port 8080, toolchains)?
	$(BIN)/timetension doctor

suite-image: ## the conformance suite as a Docker image, tagged timetension (needs BuildKit's buildx)
	@docker buildx version >/dev/null 2>&1 || { echo "make suite-image needs buildx, BuildKit's plugin: without it docker build falls back to the legacy builder, which cannot build conformance/Dockerfile (RUN --mount) and ignores its Dockerfile.dockerignore. Docker Desktop has it; on Linux install docker-buildx-plugin (Docker's apt repository) or Debian's docker-buildx. 'timetension doctor' checks it." >&2; exit 1; }
	docker buildx build --load -f conformance/Dockerfile -t timetension .

docs: venv ## build the exercise site into site/ (strict: a broken link or anchor fails)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

docs-serve: venv ## serve the site on http://localhost:8000, where the suite's "Read:" links point
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve -a localhost:8000

test: system-deps venv tools lint-spec rules ## the kit's own tests, from scratch (both databases, every starter, a real Docker engine)
	cd reference && ../$(BIN)/pytest
	cd conformance && TIMETENSION_SCREENSHOTS=$(CURDIR)/$(REPORTS)/screenshots ../$(BIN)/pytest --durations=15
	$(MAKE) --no-print-directory mutants
	$(MAKE) --no-print-directory test-containers
	@echo "Screenshots of the site and the scoreboard: $(REPORTS)/screenshots"

test-fast: venv ## the kit's own tests without the slow ones (broken apps, fuzzing)
	cd reference && ../$(BIN)/pytest
	cd conformance && ../$(BIN)/pytest -m "not slow"

test-containers: venv ## the container path on a real engine (a private one is installed and started unless DOCKER_HOST answers)
	scripts/with-engine.sh sh -c 'cd conformance && ../$(BIN)/pytest -m containers -p no:cacheprovider -v --durations=8'

rules: venv ## the spec's rules, each with the checks that verify it (reports/rules.txt); fails when one has none
	@mkdir -p $(REPORTS)
	@$(BIN)/timetension levels --rules > $(REPORTS)/rules.txt || { grep -B2 -- "-> NO CHECK" $(REPORTS)/rules.txt; tail -n 1 $(REPORTS)/rules.txt; exit 1; }
	@tail -n 1 $(REPORTS)/rules.txt

lint-spec: venv tools ## validate spec/openapi.yaml with openapi-spec-validator and Redocly CLI
	$(BIN)/openapi-spec-validator spec/openapi.yaml
	PATH="$(CURDIR)/tools/node_modules/.bin:$$PATH" REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true redocly lint --format=stylish spec/openapi.yaml

mutants: venv ## the suite against every broken app, the independent implementation and its broken variants: kill rates
	$(BIN)/python scripts/mutants.py

bench: system-deps venv ## the suite's speed, the fuzz stage, a review of 8, the load client against wrk, the starters, the participant's path, the reference under bursts and faults, the container path
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_review.py
	$(BIN)/python scripts/bench_client.py
	$(BIN)/python scripts/bench_starters.py
	$(BIN)/python scripts/bench_participant.py
	$(BIN)/python scripts/bench_soak.py
	scripts/with-engine.sh $(BIN)/python scripts/bench_containers.py

system-deps: ## install the system packages the tests need (PostgreSQL, Chromium), when they are missing
	scripts/install-system-deps.sh

venv: $(BIN)/.installed ## a virtualenv with the suite, the reference and the test tools

$(BIN)/.installed: requirements/constraints.txt requirements/dev.txt conformance/pyproject.toml reference/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c requirements/constraints.txt -r requirements/dev.txt -e ./conformance -e ./reference
	touch $@

tools: tools/node_modules/.installed ## the npm tools (Redocly CLI, and the Node.js 22 it runs on), pinned by tools/package-lock.json

tools/node_modules/.installed: tools/package.json tools/package-lock.json
	npm ci --prefix tools --no-audit --no-fund
	touch $@

lock: ## re-pin requirements/constraints.txt from a fresh virtualenv
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -r requirements/dev.txt -e ./conformance -e ./reference
	{ sed -n '1,2p' requirements/constraints.txt; .lock-venv/bin/pip freeze --exclude-editable; } > requirements/constraints.new
	mv requirements/constraints.new requirements/constraints.txt
	rm -rf .lock-venv

clean: ## remove the virtualenv, the npm tools and the reports
	rm -rf $(VENV) tools/node_modules $(REPORTS)
