"""ansible.windows.win_powershell: run a collection host script through its Python twin.

Our host scripts start with ``# alteryx.server: <name>``; the twin in
``winsim_engine.scripts.<name>`` implements the contract in that script's header comment.
A twin sets the result (``$Ansible.Result``), changed and failed like the real script would.
"""

from __future__ import annotations

import importlib

from ..host import DiskFullError, Host, WinError
from ..scripts import MARKER, ScriptFailure
from . import Context, Result, fake

EMPTY_STREAMS = {"host_out": "", "host_err": "", "output": [], "error": [], "warning": [], "verbose": [],
                 "debug": [], "information": []}


@fake("ansible.windows.win_powershell")
def win_powershell(host: Host, params: dict, ctx: Context) -> Result:
    script = params.get("script") or ""
    match = MARKER.match(script)
    if not match:
        raise WinError("winsim runs only alteryx.server host scripts (first line '# alteryx.server: <name>')")
    name = match.group(1)
    if ctx.check_mode and "SupportsShouldProcess" not in script:
        # The real module skips a script that cannot honour -WhatIf.
        return {**EMPTY_STREAMS, "result": {}, "changed": True}
    try:
        twin = importlib.import_module(f"winsim_engine.scripts.{name}")
    except ModuleNotFoundError as exc:
        raise WinError(f"winsim has no twin for host script {name}") from exc
    parameters = dict(params.get("parameters") or {})
    try:
        outcome = twin.run(host, parameters, ctx)
    except ScriptFailure as exc:
        return {**EMPTY_STREAMS, "result": {**exc.partial, "failure_class": exc.failure_class, "message": str(exc)},
                "failed": True, "changed": exc.changed,
                "error": [_error_record(str(exc))]}
    except DiskFullError as exc:
        return {**EMPTY_STREAMS, "result": {"failure_class": "storage", "message": str(exc)},
                "failed": True, "changed": False, "error": [_error_record(str(exc))]}
    return {**EMPTY_STREAMS, "result": outcome.get("result", {}), "changed": bool(outcome.get("changed")),
            "warning": list(outcome.get("warnings", []))}


def _error_record(message: str) -> dict:
    return {
        "output": message,
        "error_details": None,
        "exception": {"message": message, "type": "System.Management.Automation.RuntimeException",
                      "help_link": None, "source": None, "hresult": -2146233087, "inner_exception": None},
        "target_object": None,
        "category_info": {"category": "OperationStopped", "category_id": 14, "activity": "", "reason": "",
                          "target_name": "", "target_type": ""},
        "fully_qualified_error_id": message,
        "script_stack_trace": "at <ScriptBlock>, <No file>: line 1",
        "pipeline_iteration_info": [],
    }
