"""The restore role's steps, in process, against a winsim host: for property tests with thousands of cases.

``restore(host, archive)`` makes the calls roles/restore/tasks/main.yml makes, in its order, through the real
action plugins' ``step()`` (so every decision is the collection's own code: _restore.judge_archive, choose_scope,
database_plan, judge_restore, ...) with their host calls answered by winsim's ``win_powershell`` fake and the
scripts' Python twins - the same path an ansible-playbook run takes, minus Ansible's process and connection. A
detached job (async) runs synchronously here: the twin is the same either way.

Not covered here (ansible-playbook tests cover them): the role's variables and argument spec, ``alteryx_facts``
(the database part uses the manifest's DataPath and the default AlteryxService.exe path, which are winsim's), and
async polling.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.alteryx.server.plugins.action import (
    alteryx_restore_check,
    alteryx_restore_config,
    alteryx_restore_database,
    alteryx_service_state,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import RESULT_DEPTH, _script_result, script_text
from winsim_engine import argspec, fakes
from winsim_engine.host import Host
from winsim_engine.scripts import _service_control

ACTIONS = (alteryx_restore_check, alteryx_restore_config, alteryx_restore_database, alteryx_service_state)
# The host's own bookkeeping, which every call changes: not part of "the host" a restore must leave alone.
BOOKKEEPING = {"journal.jsonl", "state.json", "faults.json"}


@dataclass
class Outcome:
    """How far the restore got: ``steps`` run (names), ``failed_step``, ``failure_class`` and ``msg`` on failure."""

    steps: list[str] = field(default_factory=list)
    failed_step: str = ""
    failure_class: str = ""
    msg: str = ""


@contextmanager
def winsim_scripts(host_of: Any) -> Iterator[None]:
    """Answer the four actions' host calls in process; ``host_of()`` returns the Host to run them on."""
    scripts: dict[str, str] = {}

    def run_script(action: Any, name: str, parameters: dict[str, Any], task_vars: Any, **_: Any) -> dict[str, Any]:
        module_args = {"script": scripts.setdefault(name, script_text(name)), "parameters": parameters,
                       "depth": RESULT_DEPTH}
        params, error = argspec.validate("ansible.windows.win_powershell", module_args)
        assert error is None, error
        host = host_of()
        raw = fakes.REGISTRY["ansible.windows.win_powershell"](host, params,
                                                                fakes.Context(host=host, check_mode=False, key="p"))
        return _script_result(name, raw)

    with pytest.MonkeyPatch.context() as patch:
        for module in ACTIONS:
            patch.setattr(module, "run_script", run_script)
        # With fast_services' zero delays a transition is done at the next look; the twin's half-second pause
        # between looks would only make thousands of cases slow.
        patch.setattr(_service_control, "SERVICE_POLL_SECONDS", 0)
        yield


def _step(module: Any, args: dict[str, Any]) -> dict[str, Any]:
    validation = ArgumentSpecValidator(module.ActionModule.ARGUMENT_SPEC).validate(args)
    assert not validation.error_messages, validation.error_messages
    action = module.ActionModule.__new__(module.ActionModule)
    action._task = SimpleNamespace(check_mode=False, async_val=0, no_log=False)
    return action.step(validation.validated_parameters, {})


def restore(archive: str, *, scope: str = "", run_id: str = "prop") -> Outcome:
    """The restore role's steps for ``archive`` (a Windows path on the host); stops at the first failure, after
    the 'always' service start of the block it failed in, as the role does."""
    outcome = Outcome()

    def call(name: str, module: Any, args: dict[str, Any]) -> dict[str, Any]:
        outcome.steps.append(name)
        return _step(module, args)

    try:
        checked = call("check", alteryx_restore_check, {"archive": archive, "scope": scope})
    except AlteryxStepError as exc:
        outcome.failed_step, outcome.failure_class, outcome.msg = "check", exc.failure_class, exc.msg
        return outcome
    blocks = []
    if checked["scope"] != "ConfigOnly":
        blocks.append(("database", alteryx_restore_database, {"archive": checked["archive"],
                                                              "manifest": checked["manifest"], "run_id": run_id}))
    if checked["scope"] != "DatabaseOnly":
        blocks.append(("config", alteryx_restore_config, {"archive": checked["archive"],
                                                          "manifest": checked["manifest"], "run_id": run_id}))
    for name, module, args in blocks:
        failure: AlteryxStepError | None = None
        try:
            call("stop", alteryx_service_state, {"state": "stopped"})
            call(name, module, args)
        except AlteryxStepError as exc:
            failure = exc
            outcome.failed_step = outcome.steps[-1]
        finally:
            call("start", alteryx_service_state, {"state": "started"})
        if failure is not None:
            outcome.failure_class, outcome.msg = failure.failure_class, failure.msg
            return outcome
    return outcome


def snapshot(host: Host) -> dict[str, Any]:
    """Every file of the host (path -> SHA256, folders as None) but its bookkeeping, and its services' states."""
    files: dict[str, str | None] = {}
    for path in sorted(host.root.rglob("*")):
        relative = path.relative_to(host.root).as_posix()
        if relative in BOOKKEEPING:
            continue
        files[relative] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
    state = json.loads((host.root / "state.json").read_text())
    services = {name: record["state"] for name, record in state["services"].items()}
    return {"files": files, "services": services}


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """What differs between two snapshots, one line each (empty when the host is unchanged)."""
    out = [f"service {n}: {before['services'].get(n)} -> {after['services'].get(n)}"
           for n in sorted(set(before["services"]) | set(after["services"]))
           if before["services"].get(n) != after["services"].get(n)]
    for path in sorted(set(before["files"]) | set(after["files"])):
        if path not in after["files"]:
            out.append(f"removed {path}")
        elif path not in before["files"]:
            out.append(f"added {path}")
        elif before["files"][path] != after["files"][path]:
            out.append(f"changed {path}")
    return out


def put_archive(host: Host, source: Path, folder: str = "D:\\Alteryx\\Backups") -> str:
    """Copy ``source`` and its sidecar / manifest copy into ``folder`` on the host; returns the archive's path."""
    target = host.local_path(folder)
    target.mkdir(parents=True, exist_ok=True)
    for suffix in ("", ".sha256", ".manifest.json"):
        published = Path(f"{source}{suffix}")
        if published.exists():
            (target / f"{source.name}{suffix}").write_bytes(published.read_bytes())
    return f"{folder}\\{source.name}"


def reset_bookkeeping(host: Host) -> None:
    """Empty the journal (it grows with every call; thousands of cases would make each append slower)."""
    (host.root / "journal.jsonl").write_text("")


def fast_services(host: Host) -> None:
    """No start/stop delays: the property is about what changes, not about timing."""
    with host.locked_state() as state:
        for record in state["services"].values():
            record["stop_delay"] = record["start_delay"] = 0


__all__ = ["Outcome", "changes", "fast_services", "put_archive", "reset_bookkeeping", "restore", "snapshot",
           "winsim_scripts"]
