# One entry point for setup, lint, tests, demo and benchmarks. Needs only python3 (3.11).
PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
STAMP  := $(VENV)/.installed
LINK   := .build/collections/ansible_collections/alteryx/server
AZURITE := .build/node/node_modules/.bin/azurite-blob
export PATH := $(BIN):$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/.build/collections:$(CURDIR)/tests/winsim
DEMO   := demo

.PHONY: setup lint ruff ansible-lint ps-syntax ps51 sanity unit winsim-tests integration test demo bench bench-profile bench-clusters bench-verify verify-property restore-property reliability build changelog clean azurite

setup: $(STAMP) $(LINK) $(AZURITE)

$(STAMP): requirements.txt requirements/dev.txt requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -c requirements/constraints.txt -r requirements/dev.txt
	touch $@

# ansible finds this checkout as alteryx.server through a symlink in a collections path.
$(LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../../.. $@

# Azurite, the Azure Storage emulator the Azure Blob destination tests start on loopback (tests/tools/azurite_server.py);
# npm ci installs exactly the versions of tests/tools/azurite/package-lock.json.
azurite: $(AZURITE)

$(AZURITE): tests/tools/azurite/package.json tests/tools/azurite/package-lock.json
	mkdir -p .build/node
	cp tests/tools/azurite/package.json tests/tools/azurite/package-lock.json .build/node/
	npm ci --prefix .build/node --no-audit --no-fund --ignore-scripts
	touch $@

lint: ruff ps-syntax ps51 ansible-lint

ruff: setup
	$(BIN)/ruff check .

ps-syntax: setup
	$(BIN)/python tests/tools/ps_syntax.py plugins

ps51: setup
	$(BIN)/python tests/tools/ps51_gate.py plugins

ansible-lint: setup
	$(BIN)/ansible-lint --offline --profile production

sanity: setup
	tests/tools/sanity.sh

unit: setup
	$(BIN)/python -m pytest -q tests/unit

winsim-tests: setup
	$(BIN)/python -m pytest -q tests/winsim/tests

integration: setup
	$(BIN)/python -m pytest -q -n 2 tests/integration

test: lint sanity unit winsim-tests integration

demo: setup
	rm -rf $(DEMO)
	$(BIN)/python tests/winsim/bin/winsim new $(DEMO)
	# The simulated site's key pair: the archive holds the secrets encrypted to its certificate, no plaintext.
	$(BIN)/python tests/tools/make_keypair.py $(DEMO)/secrets alteryx-backup-secrets-demo
	$(BIN)/ansible-playbook -i $(DEMO)/inventory.yml playbooks/backup_full.yml -e alteryx_backup_poll_interval=1 \
		-e alteryx_backup_secrets_recipient=$(abspath $(DEMO))/secrets/alteryx-secrets.crt
	$(BIN)/python tests/tools/show_backups.py $(DEMO)

RELIABILITY := tests/integration/test_safe_runs.py tests/integration/test_bad_settings.py \
	tests/integration/test_retention_safety.py tests/integration/test_no_secret_output.py tests/integration/test_faults.py

# The safe-run figures in docs/reliability.md (also part of `make test`).
reliability: setup
	$(BIN)/python -m pytest -q -n 2 --junitxml=.build/reliability.xml $(RELIABILITY) || true
	$(BIN)/python tests/tools/reliability_report.py .build/reliability.xml docs/reliability.md "make reliability"

bench: setup
	$(BIN)/python tests/bench/bench_backup.py --out docs/performance.md

# Where the controller's CPU goes: every ansible worker of a 10-cluster Full under cProfile, summed per task and per
# kind of work (Jinja compiling, templating, task arguments, conditions, module building, plugin loading).
bench-profile: setup
	$(BIN)/python tests/bench/profile_run.py --clusters 10

# Offline verification: throughput against sha256sum on a >= 1 GB archive (docs/verify.md), and the corruption
# property tests at their full count (make test runs a seeded sample of 200 per property).
VERIFY_EXAMPLES ?= 10000
bench-verify: setup
	$(BIN)/python tests/bench/bench_verify.py --rounds 5 --out docs/verify.md

verify-property: setup
	ALTERYX_VERIFY_EXAMPLES=$(VERIFY_EXAMPLES) $(BIN)/python -m pytest -q tests/unit/plugins/module_utils/test_archive_verify_property.py

# Restore side of the corruption property (docs/restore.md): a restore from a damaged archive changes nothing on a
# winsim host. make test draws 200 per property; this draws 4,000 per property, over 12,000 cases (about 40 min).
RESTORE_EXAMPLES ?= 4000
restore-property: setup
	ALTERYX_RESTORE_EXAMPLES=$(RESTORE_EXAMPLES) $(BIN)/python -m pytest -q tests/winsim/tests/test_restore_property.py

# Wall time, controller CPU and node downtime for 1, 10 and 50 three-node clusters in one run (a few minutes).
bench-clusters: setup
	$(BIN)/python tests/bench/bench_clusters.py --out docs/performance-clusters.md --clusters 1 10 50 --forks 50

build: setup
	$(BIN)/ansible-galaxy collection build --force --output-path .build/dist

changelog: setup
	$(BIN)/antsibull-changelog lint

clean:
	rm -rf $(VENV) .build $(DEMO) .pytest_cache .ruff_cache
