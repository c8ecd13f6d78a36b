"""Run one decoded module call on a simulated host: validate, inject faults, run the fake, journal."""

from __future__ import annotations

import json
import time
import traceback
from typing import Any

from . import argspec, fakes
from .host import DiskFullError, Host, WinError, redact
from .payload import Call
from .scripts import MARKER, is_echo


def call_key(call: Call) -> str:
    """Name of a call for fault rules and counters: the FQCN, plus the script marker for win_powershell."""
    if call.name == "ansible.windows.win_powershell":
        script = str(call.args.get("script") or "")
        match = MARKER.match(script)
        if match:
            return f"{call.name}:{match.group(1)}"
        return f"{call.name}:{'echo' if is_echo(script) else 'inline'}"
    return call.name


def run_module(host: Host, call: Call, fault: dict[str, Any] | None) -> dict[str, Any]:
    """Execute a module call and return the result Ansible would receive."""
    started = time.time()
    key = call_key(call)
    result: dict[str, Any]
    try:
        params, error = argspec.validate(call.name, call.module_args())
        if error:
            raise WinError(error)
        if fault and fault.get("kind") == "fail":
            raise WinError(fault.get("msg") or f"winsim injected failure in {key}")
        module = fakes.REGISTRY.get(call.name)
        if module is None:
            raise WinError(f"winsim has no fake for module {call.name}")
        ctx = fakes.Context(host=host, check_mode=call.check_mode, no_log=call.no_log, key=key,
                            disk_full=bool(fault and fault.get("kind") == "disk_full"), fault=fault)
        if ctx.disk_full:
            with host.locked_state() as state:
                for disk in state["disks"].values():
                    disk["full"] = True
                state["share_full"] = True
        try:
            result = module(host, params, ctx)
        finally:
            if ctx.disk_full:
                with host.locked_state() as state:
                    for disk in state["disks"].values():
                        disk.pop("full", None)
                    state.pop("share_full", None)
    except (WinError, DiskFullError) as exc:
        result = {"failed": True, "msg": str(exc), "changed": False}
    except Exception as exc:  # a bug in a fake must surface as a failed task, with its trace
        result = {"failed": True, "msg": f"winsim internal error: {exc}", "exception": traceback.format_exc()}
    result.setdefault("changed", False)
    host.journal({
        "kind": "call",
        "module": call.name,
        "call": key,
        "args": journal_args(call),
        "check_mode": call.check_mode,
        "async": bool(call.async_jid),
        "changed": bool(result.get("changed")),
        "failed": bool(result.get("failed")),
        "fault": fault.get("kind") if fault else None,
        "seconds": round(time.time() - started, 4),
    })
    return result


def journal_args(call: Call) -> Any:
    """The call's arguments as the journal keeps them: redacted, and a script reduced to its marker line."""
    args = call.module_args()
    if call.name == "ansible.windows.win_powershell" and isinstance(args.get("script"), str):
        # The script body is code, not data: keep only its marker line so the journal stays readable.
        args = {**args, "script": args["script"].splitlines()[0] if args["script"] else ""}
    return redact(args, call.no_log)


def result_json(result: dict[str, Any]) -> bytes:
    """Serialise a module result as the exec wrapper prints it."""
    return json.dumps(result, default=str).encode()
