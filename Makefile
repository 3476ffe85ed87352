# absensi-medsos: `make` lists the targets. The environment (.venv, from requirements.lock)
# is created on first use by every target that needs it.
PYTHON ?= python3
VENV   := .venv
VPY    := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
DATA   ?= data/sample
OUT    ?= reports
TASK   ?=
ARGS   ?=
SCALE  ?=
# The pipeline under make: ABSENSI_MAKE=1 makes its hints speak make (ARGS=--force); a failure
# prints "exit code N: meaning" and keeps its code for the shell (make itself always says Error 2).
PIPELINE := ABSENSI_MAKE=1 $(VPY) -m pipeline
EXPLAIN   = || { code=$$?; $(VPY) -c 'import sys; from pipeline.errors import exit_meaning; print(exit_meaning(int(sys.argv[1])), file=sys.stderr)' $$code; exit $$code; }

.DEFAULT_GOAL := help
.PHONY: help env report stage sample test lint lab clean distclean lock

help: ## List the targets
	@echo "absensi-medsos: TPP social-media attendance reports"
	@echo "usage: make <target> [TASK=<task_id>] [DATA=<dir>] [OUT=<dir>] [ARGS=\"--force --strict\"]"
	@echo "a failed command also prints \"exit code N: meaning\" (make itself reports every failure as Error 2)"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(STAMP): requirements.lock pyproject.toml
	@echo "setting up $(VENV) from requirements.lock (first run only) ..."
	$(PYTHON) -m venv $(VENV)
	$(VPY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(VPY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

env: $(STAMP) ## Create the virtual environment from the lock (done automatically)

report: $(STAMP) ## Render all reports of a task: [TASK=id] [DATA=dir] [OUT=dir] (sample data by default)
	$(PIPELINE) report --data "$(DATA)" --out "$(OUT)" $(if $(TASK),--task "$(TASK)") $(ARGS) $(EXPLAIN)

stage: $(STAMP) ## Only validate, resolve and compute a task, published whole into OUT/<task>/ (tables/): [TASK=id] [DATA=dir] [OUT=dir] [ARGS=--strict]
	$(PIPELINE) stage --data "$(DATA)" --out "$(OUT)" $(if $(TASK),--task "$(TASK)") $(ARGS) $(EXPLAIN)

.PHONY: recap
FROM   ?=
TO     ?=
PERIOD ?=
recap: $(STAMP) ## Recap of a period, every TPP/kabupaten/province: PERIOD=2025-11 | PERIOD=2025-Q4 | FROM=YYYY-MM-DD TO=YYYY-MM-DD [DATA=dir] [OUT=dir]
	$(VPY) -m pipeline recap --data "$(DATA)" --out "$(OUT)" $(if $(PERIOD),--period "$(PERIOD)") $(if $(FROM),--from "$(FROM)") $(if $(TO),--to "$(TO)") $(ARGS)

.PHONY: audit bundle verify
# DATA is passed to audit only when given (make audit DATA=...): by default the data directory
# recorded in the task's manifest.json is checked.
audit: $(STAMP) ## Check input hashes, rerun TASK's notebooks with nbval, compare every figure: TASK=id [OUT=dir] [DATA=dir] [REPORTS=jawa-timur,national]
	$(PIPELINE) audit --out "$(OUT)" $(if $(TASK),--task "$(TASK)") $(if $(filter-out file default,$(origin DATA)),--data "$(DATA)") $(if $(REPORTS),--reports "$(REPORTS)") $(ARGS) $(EXPLAIN)

bundle: $(STAMP) ## One zip per province and one national (PDF, HTML, notebook, workbook, manifest) in OUT/TASK/bundles: TASK=id [OUT=dir]
	$(PIPELINE) bundle --out "$(OUT)" $(if $(TASK),--task "$(TASK)") $(EXPLAIN)

verify: $(STAMP) ## Check every file against its manifest.json: OUT=<task folder | unpacked bundle | bundle .zip> (or OUT=dir TASK=id)
	$(PIPELINE) verify --out "$(OUT)" $(if $(TASK),--task "$(TASK)") $(EXPLAIN)

sample: $(STAMP) ## Write the deterministic sample data directory to data/sample: [SCALE=0.05] (a small, quick one)
	$(PIPELINE) sample data/sample $(if $(SCALE),--scale "$(SCALE)") $(EXPLAIN)

.PHONY: browser
browser: ## Install Debian's chromium and chromium-driver for the browser tests when missing (apt-get, as root)
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    --no-install-recommends chromium chromium-driver fonts-dejavu-core >/dev/null; \
	  else echo "the browser tests need Debian's chromium and chromium-driver: sudo apt-get install chromium chromium-driver" >&2; exit 1; fi; }

test: $(STAMP) browser ## Run the tests: unit tests of pipeline/, end-to-end render, nbval over executed notebooks
	$(VPY) -m pytest $(ARGS)

lint: $(STAMP) ## Check code and notebooks with ruff (configuration in pyproject.toml)
	$(VPY) -m ruff check .

lab: $(STAMP) ## JupyterLab with the notebooks ready to run on a task's tables: [TASK=id] [DATA=dir] [OUT=dir]
	$(PIPELINE) stage --data "$(DATA)" --out "$(OUT)" $(if $(TASK),--task "$(TASK)") $(ARGS) $(EXPLAIN)
	@echo "notebooks: set data_dir = \"$(abspath $(DATA))\" and the task folder under $(abspath $(OUT)) in the parameters cell"
	$(VPY) -m jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

clean: ## Remove rendered reports and the generated sample data (keeps .venv)
	rm -rf reports/*/ reports/.staging reports/.history reports/.failed data/sample .pytest_cache
	find . -name __pycache__ -type d -prune -not -path './$(VENV)/*' -exec rm -rf {} +

distclean: clean ## Also remove the virtual environment
	rm -rf $(VENV)

lock: ## Re-pin requirements.lock from requirements.in and mirror it into environment.yml
	$(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv pip compile requirements.in --python-version 3.11 --no-header --annotation-style line -o requirements.lock
	$(PYTHON) scripts/sync_environment.py

.PHONY: watch serve live-rotate
EVERY ?= 60
PORT  ?= 8000
watch: $(STAMP) ## Live pages during TASK's window, then the final reports: TASK=id [DATA=dir] [OUT=dir] [EVERY=60] [ARGS=--once]
	$(VPY) -m pipeline watch --data "$(DATA)" --out "$(OUT)" --every "$(EVERY)" $(if $(TASK),--task "$(TASK)") $(ARGS)

serve: $(STAMP) ## Serve OUT on http://127.0.0.1:PORT without folder listings (live pages, reports): [OUT=dir] [PORT=8000]
	$(VPY) -m pipeline serve --out "$(OUT)" --port "$(PORT)"

live-rotate: $(STAMP) ## New live-page links for a scope and all below it: [OUT=dir] [PROVINSI=..] [KABUPATEN=..] (none: every page)
	$(VPY) -m pipeline live-rotate --out "$(OUT)" $(if $(PROVINSI),--provinsi "$(PROVINSI)") $(if $(KABUPATEN),--kabupaten "$(KABUPATEN)")
