"""Third-party imports of plugin_utils are guarded: the plugins import without them, the step that needs one fails.

ansible-test's import sanity test and ``ansible-doc`` import every plugin in a bare virtualenv; an unguarded
``import jsonschema`` made every action plugin that touches the manifest unimportable there. These tests block
the package for a fresh interpreter (``sys.modules[name] = None`` makes ``import name`` raise ImportError) and
check both halves: the import succeeds, and the first use fails as a task would, naming what to install.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

COLLECTIONS_DIR = Path(__file__).resolve().parents[4] / ".build" / "collections"

PROBE = """
import json, sys
for blocked in sys.argv[1].split(","):
    sys.modules[blocked] = None
sys.path.insert(0, sys.argv[2])
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
{body}
try:
    use()
except AlteryxStepError as exc:
    print(json.dumps({{"msg": exc.msg, "failure_class": exc.failure_class}}))
else:
    print(json.dumps({{"msg": None}}))
"""

MANIFEST_USE = """
from ansible_collections.alteryx.server.plugins.plugin_utils import _manifest
from ansible_collections.alteryx.server.plugins.action import alteryx_manifest  # the action imports too
def use():
    _manifest.validate_manifest({})
"""

RUNTIME_SETTINGS_USE = """
from ansible_collections.alteryx.server.plugins.plugin_utils import _runtime_settings
from ansible_collections.alteryx.server.plugins.action import alteryx_facts  # the action imports too
def use():
    _runtime_settings._parse_layer("<SystemSettings/>", "override")
"""


def _probe(blocked: list[str], body: str) -> dict[str, str | None]:
    proc = subprocess.run([sys.executable, "-c", PROBE.format(body=body), ",".join(blocked), str(COLLECTIONS_DIR)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("blocked", "body", "package"), [
    (["jsonschema"], MANIFEST_USE, "jsonschema"),
    (["defusedxml", "defusedxml.ElementTree"], RUNTIME_SETTINGS_USE, "defusedxml"),
])
def test_missing_package_fails_at_use_naming_it(blocked: list[str], body: str, package: str) -> None:
    result = _probe(blocked, body)
    assert result["msg"], "the step ran although its package is missing"
    assert f"Failed to import the required Python library ({package})" in result["msg"]
    assert "requirements.txt" in result["msg"]
    assert result["failure_class"] == "general"


def test_with_the_packages_the_same_calls_work() -> None:
    """The probe itself is sound: nothing blocked, the manifest call reaches schema validation."""
    result = _probe(["_no_such_package_"], MANIFEST_USE)
    assert result["failure_class"] == "validation"
    assert "schema validation" in (result["msg"] or "")
