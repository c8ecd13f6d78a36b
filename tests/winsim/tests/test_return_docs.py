"""Every fake returns only what the installed module documents in RETURN, and every 'always' key.

Each module of ``fakes.REGISTRY`` runs in at least one sample scenario on a fresh host; the
keys of its result (and one level down for documented ``contains``) are compared with the
installed collection's RETURN docs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from winsim_engine import argspec, fakes
from winsim_engine.host import Host

GENERIC = {"changed", "failed", "msg", "warnings", "skipped", "exception", "invocation", "ansible_job_id", "started",
           "finished", "results_file", "ansible_facts", "_ansible_suppress_tmpdir_delete"}
# Documented as 'always' but never set by the real module (documentation bugs), so not required.
DOC_ONLY = {
    "ansible.windows.win_command": {"msg"},  # documented 'always' as "changed"; set only on failure or skip
    "ansible.windows.async_status": {"stdout", "stderr"},  # async_status.ps1 never sets them
}
# Documented 'always' but absent from one mode's result in the real module.
DOC_ONLY_IN = {
    # async_status.ps1 line 24: cleanup exits with ansible_job_id and erased only.
    ("ansible.windows.async_status", "cleanup"): {"started", "finished"},
}
# Aliases registered for a module whose docs live under another name.
DOCS_OF: dict[str, str] = {}
# Keys the action plugin needs from an internal mode of the module (not user-facing results).
INTERNAL = {("ansible.windows.win_copy", "query"): {"files", "directories", "symlinks"}}

SMOKE = "# alteryx.server: smoke\nparam([int]$Value)\n$Ansible.Result = @{ doubled = $Value * 2 }\n"


@dataclass
class Scenario:
    fqcn: str
    name: str
    args: dict[str, Any]
    prepare: Callable[[Host], None] | None = None
    check_mode: bool = False
    expect_failed: bool = False


def _write(path: str, data: bytes = b"hello\n") -> Callable[[Host], None]:
    def prepare(host: Host) -> None:
        host.write_bytes(host.local_path(path), data)
    return prepare


def _async_job(finished: bool, torn: bool = False) -> Callable[[Host], None]:
    def prepare(host: Host) -> None:
        data = {"started": True, "finished": finished, "ansible_job_id": "j1",
                "results_file": "C:\\Users\\ansible\\.ansible_async\\j1"}
        if finished:
            data.update(changed=False, stdout="", stderr="")
        text = json.dumps(data).encode()
        host.write_bytes(host.local_path("C:\\Users\\ansible\\.ansible_async\\j1"), text[:10] if torn else text)
    return prepare


ALTERYX_EXE = "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe"
SCENARIOS = [
    Scenario("ansible.windows.win_service_info", "one", {"name": "AlteryxService"}),
    Scenario("ansible.windows.win_service", "started", {"name": "AlteryxService", "state": "started"}),
    Scenario("ansible.windows.win_powershell", "smoke", {"script": SMOKE, "parameters": {"Value": 2}}),
    Scenario("ansible.windows.win_powershell", "error", {
        "script": "# alteryx.server: alteryx_write_file\n", "parameters": {"Path": "Q:\\nowhere.txt", "Content": "x"}},
        expect_failed=True),
    Scenario("ansible.windows.async_status", "running", {"jid": "j1", "_async_dir": "~\\.ansible_async"},
             prepare=_async_job(False)),
    Scenario("ansible.windows.async_status", "finished", {"jid": "j1", "_async_dir": "~\\.ansible_async"},
             prepare=_async_job(True)),
    Scenario("ansible.windows.async_status", "torn", {"jid": "j1", "_async_dir": "%USERPROFILE%\\.ansible_async"},
             prepare=_async_job(True, torn=True), expect_failed=True),
    Scenario("ansible.windows.async_status", "missing", {"jid": "j2", "_async_dir": "%USERPROFILE%\\.ansible_async"},
             expect_failed=True),
    Scenario("ansible.windows.async_status", "cleanup", {"jid": "j1", "mode": "cleanup",
                                                        "_async_dir": "~\\.ansible_async"}, prepare=_async_job(True)),
    Scenario("ansible.windows.win_command", "getversion", {"_raw_params": f'"{ALTERYX_EXE}" getversion'}),
    Scenario("ansible.windows.win_command", "argv", {"argv": [ALTERYX_EXE, "getemongopassword"]}),
    Scenario("ansible.windows.win_command", "other", {"cmd": "whoami /all"}, expect_failed=True),
    Scenario("ansible.windows.win_command", "check", {"cmd": "AlteryxService.exe stop"}, check_mode=True),
    Scenario("ansible.windows.slurp", "file", {"src": "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml"}),
    Scenario("ansible.windows.win_copy", "remote", {"src": "C:\\src.txt", "dest": "D:\\copy.txt", "_copy_mode": "remote",
                                                    "remote_src": True}, prepare=_write("C:\\src.txt")),
    Scenario("ansible.windows.win_copy", "single", {"src": "C:\\Windows\\Temp\\t\\source", "dest": "D:\\",
                                                    "_copy_mode": "single", "_original_basename": "a.txt"},
             prepare=_write("C:\\Windows\\Temp\\t\\source")),
    Scenario("ansible.windows.win_copy", "query", {"dest": "D:\\", "_copy_mode": "query", "files": [
        {"src": "/tmp/a.txt", "dest": "a.txt", "checksum": "x"}], "directories": [], "symlinks": []}),
    Scenario("ansible.windows.win_eventlog", "source", {"name": "Application", "sources": ["AlteryxBackup"]}),
    Scenario("ansible.windows.win_eventlog", "no-sources", {"name": "NewLog"}, expect_failed=True),
    Scenario("community.windows.win_eventlog_entry", "unregistered", {
        "log": "Application", "source": "AlteryxBackup", "event_id": 1000, "message": "m"}, expect_failed=True),
    Scenario("community.windows.win_eventlog_entry", "write", {
        "log": "Application", "source": "MsiInstaller", "event_id": 1000, "message": "m"}),
]


def _returned(spec: dict[str, Any]) -> str:
    return str(spec.get("returned", "")).strip().lower()


def _check(fqcn: str, where: str, value: dict[str, Any], docs: dict[str, Any], allowed: set[str],
           skip_always: set[str]) -> list[str]:
    problems = []
    extra = set(value) - set(docs) - allowed
    if extra:
        problems.append(f"{where}: undocumented keys {sorted(extra)}")
    missing = {k for k, spec in docs.items() if _returned(spec) == "always"} - set(value) - skip_always
    if missing:
        problems.append(f"{where}: missing 'always' keys {sorted(missing)}")
    for key, spec in docs.items():
        contains = spec.get("contains")
        if not contains or key not in value or value[key] is None:
            continue
        items = value[key] if isinstance(value[key], list) else [value[key]]
        for index, item in enumerate(items):
            if isinstance(item, dict):
                problems += _check(fqcn, f"{where}.{key}[{index}]", item, contains, set(), set())
    return problems


def test_every_registered_module_has_a_scenario():
    assert set(fakes.REGISTRY) <= {s.fqcn for s in SCENARIOS}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: f"{s.fqcn.rsplit('.', 1)[-1]}-{s.name}")
def test_result_keys_match_return_docs(scenario: Scenario, host: Host):
    if scenario.prepare:
        scenario.prepare(host)
    docs_fqcn = DOCS_OF.get(scenario.fqcn, scenario.fqcn)
    params, error = argspec.validate(docs_fqcn, scenario.args)
    assert error is None, error
    ctx = fakes.Context(host=host, check_mode=scenario.check_mode, key=scenario.fqcn)
    result = fakes.REGISTRY[scenario.fqcn](host, params, ctx)
    assert bool(result.get("failed")) == scenario.expect_failed, result
    returndocs = argspec.module_docs(docs_fqcn)["returndocs"]
    allowed = GENERIC | INTERNAL.get((scenario.fqcn, scenario.name), set())
    skip_always = DOC_ONLY.get(docs_fqcn, set()) | DOC_ONLY_IN.get((scenario.fqcn, scenario.name), set())
    if result.get("skipped") or (result.get("failed") and "rc" not in result):
        # A skipped or failed run carries what the module had so far, not its success keys.
        skip_always = skip_always | set(returndocs)
    problems = _check(scenario.fqcn, "result", result, returndocs, allowed, skip_always)
    assert not problems, "\n".join(problems) + "\n" + json.dumps(result, indent=1, default=str)[:3000]
