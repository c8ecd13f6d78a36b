"""ansible.windows.win_powershell: run a collection host script through its Python twin, as strictly as Windows.

Our host scripts start with ``# alteryx.server: <name>``; the twin in ``winsim_engine.scripts.<name>``
does what the script does (protocol in ``winsim_engine/scripts/__init__.py``). Everything around the
script is ported from the installed module (``ansible.windows`` ``plugins/modules/win_powershell.ps1``):

- ``creates`` / ``removes`` skip the run (``changed: false``, ``msg: skipped, since ...``).
- Check mode skips a script whose first ``[CmdletBinding()]`` lacks ``SupportsShouldProcess``
  (``changed: true``, ``msg: skipped, running in check mode``); otherwise the twin runs with
  ``ctx.check_mode`` (``-WhatIf``).
- ``sensitive_parameters`` are checked as Ansible.Basic checks the module's sub-spec (``name`` required,
  ``value`` exclusive with ``username``/``password``, one of ``username``/``value``, ``username`` with
  ``password``) and each becomes a SecureString (``value``) or a PSCredential (``username``; an empty
  SecureString without ``password``) in the module's case-insensitive parameter table, over a
  ``parameters`` entry of the same name (``scripts/_secure_string.py``).
- ``parameters`` are bound to the script's ``param()`` block like PowerShell's binder
  (``winsim_engine.psscript.bind``); a binding failure is a terminating error before the script runs.
  ``[SecureString]`` / ``[PSCredential]`` parameters take only those objects (a string fails the
  transformation); a ``[string]`` parameter given one gets its type name, as PowerShell's ToString.
- Every reply carries ``invocation.module_args``: all options (defaults filled, unset ones null) with the
  values of the no_log sub-options (``value``, ``password``) removed as Ansible.Basic's
  ``RemoveNoLogValues`` does: a string equal to one is ``VALUE_SPECIFIED_IN_NO_LOG_PARAMETER``, one
  containing it has it replaced by ``********``. ``_ansible_no_log`` removes nothing. An async job's
  results file holds this too.
- ``$Ansible.Changed`` defaults to true, ``$Ansible.Result`` to ``@{}``.
- A terminating error (``TerminatingError``, or a host error escaping the twin) fails the task with
  the result as set so far and one error record shaped like the module's (``Format-Exception``).
- ``result`` and ``output`` go through ``Convert-OutputObject`` at the call's ``depth``
  (``winsim_engine.psconvert.convert``), so values nested deeper become strings.
- Warnings are collected in ``warning`` and, as the module's host prints them, in ``host_out``.

A script whose first line is ``# winsim: echo`` has no twin: its ``$Ansible.Result`` is its
``parameters`` (a stable hook for testing the module's behaviour itself).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from .. import scripts as twins
from ..host import DiskFullError, Host, WinError
from ..psconvert import convert, ps_string
from ..psscript import BindingError, parse_script
from ..scripts import MARKER, RUNTIME_EXCEPTION, ScriptFailure, TerminatingError, is_echo
from . import Context, Result, fake
from ._sensitive import bind_parameters, check_sensitive, invocation, output_shape, sensitive_values

# Keys a twin may return (see the protocol in winsim_engine/scripts/__init__.py).
TWIN_KEYS = {"result", "changed", "warnings", "output", "host_out", "host_err"}

# [System.Management.Automation.ErrorCategory] names and values.
ERROR_CATEGORIES = {
    "NotSpecified": 0, "OpenError": 1, "CloseError": 2, "DeviceError": 3, "DeadlockDetected": 4, "InvalidArgument": 5,
    "InvalidData": 6, "InvalidOperation": 7, "InvalidResult": 8, "InvalidType": 9, "MetadataError": 10,
    "NotImplemented": 11, "NotInstalled": 12, "ObjectNotFound": 13, "OperationStopped": 14, "OperationTimeout": 15,
    "SyntaxError": 16, "ParserError": 17, "PermissionDenied": 18, "ResourceBusy": 19, "ResourceExists": 20,
    "ResourceUnavailable": 21, "ReadError": 22, "WriteError": 23, "FromStdErr": 24, "SecurityError": 25,
    "ProtocolError": 26, "ConnectionError": 27, "AuthenticationError": 28, "LimitsExceeded": 29, "QuotaExceeded": 30,
    "NotEnabled": 31,
}
# Exception.HResult of the exception types winsim produces.
HRESULTS = {
    "System.Exception": -2146233088,
    "System.IO.IOException": -2146232800,
    "System.IO.FileNotFoundException": -2147024894,
    "System.IO.DirectoryNotFoundException": -2147024893,
    "System.UnauthorizedAccessException": -2147024891,
    "System.InvalidOperationException": -2146233079,
    "System.ArgumentException": -2147024809,
    "System.TimeoutException": -2146233083,
    "System.ComponentModel.Win32Exception": -2147467259,
    "System.FormatException": -2146233033,
    "System.OverflowException": -2146233066,
    "System.Management.Automation.PSInvalidCastException": -2147467262,
}
RUNTIME_HRESULT = -2146233087  # RuntimeException and every exception derived from it
DISK_FULL_HRESULT = -2147024784  # HRESULT_FROM_WIN32(ERROR_DISK_FULL)
STACK_TRACE = "at <ScriptBlock>, <No file>: line 1"


@fake("ansible.windows.win_powershell")
def win_powershell(host: Host, params: dict, ctx: Context) -> Result:
    """The module's main body, from ``creates`` to ``ExitJson``."""
    script = params.get("script") or ""
    echo = is_echo(script)
    match = MARKER.match(script)
    if not (match or echo):
        raise WinError("winsim runs only alteryx.server host scripts (first line '# alteryx.server: <name>') "
                       "and '# winsim: echo' test scripts")
    # AnsibleModule.Create: the sub-spec checks fail the module before its body runs; invocation is set either way.
    problem = check_sensitive(params.get("sensitive_parameters"))
    if problem:
        return {"changed": False, "failed": True, "msg": problem, "invocation": invocation(params)}
    depth = 2 if params.get("depth") is None else int(params["depth"])

    # $module.Result before the script runs: Ansible.Basic's {changed: false} and invocation, plus the streams.
    reply: Result = {"changed": False, "invocation": invocation(params), "result": {}, "host_out": "",
                     "host_err": "", "output": [], "error": [], "warning": [], "verbose": [], "debug": [],
                     "information": []}
    creates, removes = params.get("creates"), params.get("removes")
    if creates and _test_path(host, creates):
        return {**reply, "msg": f"skipped, since {creates} exists"}
    if removes and not _test_path(host, removes):
        return {**reply, "msg": f"skipped, since {removes} does not exist"}

    info = parse_script(script)
    if ctx.check_mode and not info.supports_should_process:
        return {**reply, "changed": True, "msg": "skipped, running in check mode"}

    run = _echo if echo else _load_twin(match.group(1) if match else "")

    # The $Ansible variable the script starts with.
    result: Any = {}
    changed: Any = True
    failed = False
    outcome: dict[str, Any] = {}
    record: dict[str, Any] | None = None
    if not info.syntax_ok:
        # PowerShell cannot parse the script: Invoke() throws a ParseException before anything runs.
        record = error_record("winsim: tree-sitter-powershell found a syntax error in the script.",
                              "System.Management.Automation.ParseException", "ParserError", "ParseException", depth)
    else:
        parameters = dict(params.get("parameters") or {})
        for name, value in sensitive_values(params.get("sensitive_parameters")).items():
            # $parameters is a case-insensitive hashtable: a sensitive entry replaces an ordinary one.
            same = next((k for k in parameters if k.lower() == name.lower()), name)
            parameters[same] = value
        if info.supports_should_process:
            # The module sets these last so they win over the task's own (the hashtable is case-insensitive).
            parameters = {k: v for k, v in parameters.items() if k.lower() not in ("confirm", "whatif")}
            parameters.update(Confirm=False, WhatIf=ctx.check_mode)
        try:
            bound = bind_parameters(info, parameters)
        except BindingError as exc:
            record = error_record(exc.message, exc.exception_type, exc.category, exc.fully_qualified_error_id, depth,
                                  inner=exc.inner)
        else:
            try:
                outcome = run(host, bound, ctx)
            except ScriptFailure as exc:
                # $Ansible.Failed = $true with a result: a handled failure, no error record.
                failed = True
                result = {**exc.partial, "failure_class": exc.failure_class, "message": str(exc)}
                changed = True if exc.changed is None else exc.changed
            except TerminatingError as exc:
                result = exc.partial
                changed = True if exc.changed is None else exc.changed
                record = _terminating_record(exc, depth)
            except (WinError, OSError) as exc:  # DiskFullError is a WinError
                record = _host_error_record(host, exc, depth)
            else:
                if not isinstance(outcome, dict) or set(outcome) - TWIN_KEYS:
                    raise TypeError(f"winsim: twin returned {outcome!r}; allowed keys are {sorted(TWIN_KEYS)}")
                result = outcome.get("result", {})
                changed = outcome.get("changed", True)

    warnings = [str(w) for w in outcome.get("warnings", [])]
    output = list(outcome.get("output", []))
    reply.update(
        # The module's host prints each warning on its stdout as well.
        host_out="".join(f"WARNING: {w}\r\n" for w in warnings) + str(outcome.get("host_out", "")),
        host_err=str(outcome.get("host_err", "")),
        result=convert(result, depth),
        changed=changed,
        # $module.Result.failed = $module.Result.failed -or $result.Failed: always present.
        failed=record is not None or failed,
        output=convert(output, depth),
        error=[record] if record is not None else [],
        warning=warnings,
    )
    return reply


def _echo(host: Host, parameters: dict[str, Any], ctx: Context) -> dict[str, Any]:
    """``# winsim: echo``: ``$Ansible.Result = $parameters``; ``$Ansible.Changed`` untouched."""
    return {"result": {k: output_shape(v) for k, v in parameters.items()}}


def _load_twin(name: str) -> Callable[[Host, dict[str, Any], Context], dict[str, Any]]:
    try:
        module = importlib.import_module(f"{twins.__name__}.{name}")
    except ModuleNotFoundError as exc:
        raise WinError(f"winsim has no twin for host script {name}") from exc
    return module.run


def _test_path(host: Host, path: str) -> bool:
    """``Test-AnsiblePath``: does the file or folder exist (an unknown drive or share does not)."""
    try:
        return host.local_path(path).exists()
    except WinError:
        return False


def error_record(message: str, exception_type: str, category: str, fully_qualified_error_id: str, depth: int, *,
                 target_object: Any = None, hresult: int | None = None,
                 inner: tuple[tuple[str, str, int], ...] = ()) -> dict[str, Any]:
    """One entry of the module's ``error`` list for an ErrorRecord, with the keys the module builds.

    ``inner`` is the chain of inner exceptions ``(type, message, hresult)``, outermost first.
    Not modelled: the position lines (``At line:N char:M``) of ``output`` and the real line number
    of ``script_stack_trace``; ``source`` and ``help_link`` stay None.
    """
    reason = exception_type.rsplit(".", 1)[-1]
    if target_object is None:
        target_name = target_type = ""
    else:
        target_name = ps_string(target_object)
        target_type = _short_type(target_object)
    output = (f"{message}\r\n"
              f"    + CategoryInfo          : {category}: ({target_name}:{target_type}) [], {reason}\r\n"
              f"    + FullyQualifiedErrorId : {fully_qualified_error_id}\r\n \r\n")
    return {
        "output": output,
        "error_details": None,
        "exception": format_exception(message, exception_type, hresult, inner),
        "target_object": convert(target_object, depth),
        "category_info": {
            "category": category,
            "category_id": ERROR_CATEGORIES[category],
            "activity": "",
            "reason": reason,
            "target_name": target_name,
            "target_type": target_type,
        },
        "fully_qualified_error_id": fully_qualified_error_id,
        "script_stack_trace": STACK_TRACE,
        "pipeline_iteration_info": [],
    }


def format_exception(message: str, exception_type: str, hresult: int | None = None,
                     inner: tuple[tuple[str, str, int], ...] = ()) -> dict[str, Any]:
    """The module's ``Format-Exception``: message, type, help_link, source, hresult, inner_exception."""
    if hresult is None:
        hresult = HRESULTS.get(exception_type,
                               RUNTIME_HRESULT if exception_type.startswith("System.Management.Automation.")
                               else HRESULTS["System.Exception"])
    return {
        "message": message,
        "type": exception_type,
        "help_link": None,
        "source": None,
        "hresult": hresult,
        "inner_exception": format_exception(inner[0][1], inner[0][0], inner[0][2], inner[1:]) if inner else None,
    }


def _short_type(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Int32"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, str):
        return "String"
    if isinstance(value, (list, tuple)):
        return "Object[]"
    if isinstance(value, dict):
        return "Hashtable"
    return type(value).__name__


def _terminating_record(exc: TerminatingError, depth: int) -> dict[str, Any]:
    thrown_string = exc.exception_type == RUNTIME_EXCEPTION
    # throw "text" makes a RuntimeException whose error id and target object are the text itself; any
    # other exception surfacing as a terminating error is identified by its full type name.
    fqid = exc.fully_qualified_error_id or (exc.message if thrown_string else exc.exception_type)
    return error_record(exc.message, exc.exception_type, exc.category, fqid, depth,
                        target_object=exc.message if thrown_string else None)


def _host_error_record(host: Host, exc: Exception, depth: int) -> dict[str, Any]:
    """A host error escaping the twin, as the .NET exception Windows would raise for it."""
    if isinstance(exc, DiskFullError):
        return error_record("There is not enough space on the disk.", "System.IO.IOException", "NotSpecified",
                            "System.IO.IOException", depth, hresult=DISK_FULL_HRESULT)
    if isinstance(exc, WinError):
        return _terminating_record(TerminatingError(str(exc)), depth)
    path = _windows_path(host, getattr(exc, "filename", None))
    if isinstance(exc, FileNotFoundError):
        kind, message = "System.IO.FileNotFoundException", f"Could not find file '{path}'."
    elif isinstance(exc, PermissionError):
        kind, message = "System.UnauthorizedAccessException", f"Access to the path '{path}' is denied."
    else:
        kind, message = "System.IO.IOException", exc.strerror or str(exc)
    return error_record(message, kind, "NotSpecified", kind, depth)


def _windows_path(host: Host, filename: Any) -> str:
    if not filename:
        return ""
    try:
        return host.win_path(filename)
    except (WinError, OSError, ValueError):
        return str(filename)
