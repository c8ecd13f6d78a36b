"""Parity of each host script (``.ps1``, read with tree-sitter) with its callers and its winsim twin.

PowerShell never runs here, so the twin stands in for the script in every test; these checks keep the two
honest on what can be read statically: parameter names and types, success result keys, failure classes,
and ``$Ansible.Changed`` on every return path. The conventions the readers rely on are documented in
``tests/tools/parity_ps.py`` and ``tests/tools/parity_py.py``.
"""

from __future__ import annotations

from pathlib import Path

import parity_ps
import parity_py
import psast
import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import FAILURE_CLASSES

REPO = Path(__file__).resolve().parents[3]
SCRIPT_DIR = REPO / "plugins" / "plugin_utils" / "powershell"
ACTION_DIR = REPO / "plugins" / "action"
TWIN_DIR = REPO / "tests" / "winsim" / "winsim_engine" / "scripts"

ALL_SCRIPTS = sorted(p.stem for p in SCRIPT_DIR.glob("*.ps1"))
# '_name.ps1' files are fragments the controller inlines at '#include'; they are no scripts of their own.
SCRIPTS = [name for name in ALL_SCRIPTS if not name.startswith("_")]
TWINS = sorted(p.stem for p in TWIN_DIR.glob("*.py"))
CALLS = parity_py.run_script_calls(ACTION_DIR)


def _script(name: str) -> psast.Script:
    return psast.parse_file(SCRIPT_DIR / f"{name}.ps1")


def _where(call: parity_py.ScriptCall) -> str:
    return f"{call.action.relative_to(REPO)}:{call.line}"


def test_every_called_script_exists() -> None:
    missing = [f"{_where(c)}: {c.script}" for c in CALLS if c.script not in SCRIPTS]
    assert not missing, f"run_script calls of scripts that do not exist: {missing}"


@pytest.mark.parametrize("name", SCRIPTS)
def test_actions_pass_declared_parameters(name: str) -> None:
    declared = psast.param_block(_script(name)).params
    calls = [c for c in CALLS if c.script == name]
    assert calls, f"no run_script(self, {name!r}, {{...}}) in plugins/action: dead script, or a call this test cannot read"
    problems = [problem for call in calls for problem in parity_py.parameter_problems(call, declared, _where(call))]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", SCRIPTS)
def test_twin_reads_only_declared_parameters(name: str) -> None:
    assert name in TWINS, f"no twin tests/winsim/winsim_engine/scripts/{name}.py"
    declared = {p.name for p in psast.param_block(_script(name)).params}
    facts = parity_py.twin_facts(TWIN_DIR / f"{name}.py")
    unknown = [f"{name}.py:{line}: reads {key!r}" for key, line in facts.parameter_reads if key not in declared]
    assert not unknown, f"the twin reads parameters {name}.ps1 does not declare ({sorted(declared)}): {unknown}"


@pytest.mark.parametrize("name", SCRIPTS)
def test_success_result_keys_match(name: str) -> None:
    script_keys = parity_ps.result_keys(_script(name))
    facts = parity_py.twin_facts(TWIN_DIR / f"{name}.py")
    assert facts.result_keys is not None, f"{name}.py: {facts.result_problem}"
    assert script_keys == facts.result_keys, (
        f"only in {name}.ps1: {sorted(script_keys - facts.result_keys)}; "
        f"only in the twin: {sorted(facts.result_keys - script_keys)}")


@pytest.mark.parametrize("name", ALL_SCRIPTS)
def test_script_failure_classes_are_known(name: str) -> None:
    script = _script(name)
    found = parity_ps.failure_classes(script, psast.includes(script))
    unknown = [f"{name}.ps1:{c.line}: {c.value!r}" for c in found if c.value not in FAILURE_CLASSES]
    assert not unknown, f"failure classes outside {sorted(FAILURE_CLASSES)} (they would become 'general'): {unknown}"


@pytest.mark.parametrize("name", TWINS)
def test_twin_failure_classes_are_known(name: str) -> None:
    facts = parity_py.twin_facts(TWIN_DIR / f"{name}.py")
    unknown = [f"{name}.py:{line}: {value!r}" for value, line in facts.failure_classes if value not in FAILURE_CLASSES]
    unreadable = [f"{name}.py:{line}: {value}" for value, line in facts.unreadable_classes]
    assert not unknown, f"failure classes outside {sorted(FAILURE_CLASSES)}: {unknown}"
    assert not unreadable, f"failure classes that are not literals (write the literal): {unreadable}"


@pytest.mark.parametrize("name", SCRIPTS)
def test_changed_is_set_on_every_return_path(name: str) -> None:
    script = _script(name)
    gaps = parity_ps.changed_gaps(script, psast.includes(script))
    assert not gaps, ("win_powershell reports changed=true unless the script sets $Ansible.Changed; set it before: "
                      + ", ".join(f"{name}.ps1:{g.line} ({g.value})" for g in gaps))
