#!/usr/bin/env bash
# ansible-test sanity on what the collection ships, with the tests that run on a machine without Galaxy,
# ci-files.testing.ansible.com or PowerShell (docs/development.md, "Sanity"):
#  1. ansible-test bootstraps pip in each test's virtualenv with get-pip.py downloaded from ci-files; a
#     stand-in (tests/sanity/get_pip_offline.py: ensurepip, then pip from the configured package index) goes
#     into its cache folder, where ansible-test looks first. The virtualenvs stay cached in ~/.ansible/test/venv,
#     so only the first run installs anything.
#  2. ansible-test wants the collection at .../ansible_collections/alteryx/server; the tree tested is the built
#     collection (ansible-galaxy collection build, so galaxy.yml's build_ignore applies) plus tests/sanity.
#     Test code is not shipped and is checked by ruff (make lint).
#  3. Skipped, with the reason: pslint needs pwsh and PSScriptAnalyzer; its per-file skips are in
#     tests/sanity/ignore-2.19.txt (checked below to list every host script). The PowerShell side of
#     validate-modules needs pwsh too, but has nothing to check: every module here is Python (the docs of an
#     action plugin, or a controller-side module). shellcheck finds no target: no shell script ships.
#     Nothing else needs the network once the virtualenvs exist.
# Usage: tests/tools/sanity.sh [ansible-test sanity options, e.g. --test pep8]
set -euo pipefail

# The checkout's ansible.cfg and collection paths (set by the Makefile) must not reach the tree under test:
# .build/collections would offer this checkout as a second alteryx.server.
unset ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH ANSIBLE_COLLECTIONS_PATHS
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/.venv/bin}
PYTHON_VERSION=3.11

# Every host script has its pslint skip line, so a new one is a conscious choice (and no stale line stays).
expected=$(cd "$ROOT" && find plugins -name '*.ps1' -o -name '*.psm1' | sort | sed 's/$/ pslint!skip/')
listed=$(grep -E ' pslint!skip' "$ROOT/tests/sanity/ignore-2.19.txt" | sed 's/ *#.*$//' | sort)
if [[ "$expected" != "$listed" ]]; then
    echo "tests/sanity/ignore-2.19.txt: the pslint!skip lines do not match the PowerShell files (< expected, > listed):" >&2
    diff <(echo "$expected") <(echo "$listed") >&2 || true
    exit 1
fi

# 1. The get-pip stand-in, named after the pip version this ansible-test pins.
PIP_VERSION=$("$BIN/python" -c "import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version='$PYTHON_VERSION'))['pip'])")
CACHE="$HOME/.ansible/test/cache"
mkdir -p "$CACHE"
cp "$ROOT/tests/sanity/get_pip_offline.py" "$CACHE/get_pip_${PIP_VERSION//./_}.py"

# 2. The tree under test.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/alteryx-sanity.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
TREE="$WORK/ansible_collections/alteryx/server"
mkdir -p "$TREE/tests" "$WORK/dist"
"$BIN/ansible-galaxy" collection build --force --output-path "$WORK/dist" "$ROOT" >/dev/null
tar -xzf "$WORK"/dist/alteryx-server-*.tar.gz -C "$TREE"
cp -R "$ROOT/tests/sanity" "$TREE/tests/sanity"

# 3. Run. --local: this Python and a virtualenv per test; no containers.
cd "$TREE"
"$BIN/ansible-test" sanity --local --python "$PYTHON_VERSION" "$@"
