"""Python twins of the collection's host scripts (plugins/plugin_utils/powershell/*.ps1).

The win_powershell fake (``fakes/win_powershell.py``) picks the twin named by the script's first
line, ``# alteryx.server: <name>``, binds the task's ``parameters`` to the script's ``param()``
block as PowerShell would, and calls the twin. Everything after that (the depth conversion of
the result, the ``changed`` default, error records) is the real module's doing, applied by the
fake, so a twin describes only what the script itself does.

The protocol:

``run(host, parameters, ctx) -> dict``
    ``parameters`` are the bound values: every declared parameter under its declared spelling,
    converted to its type, defaults filled in (a script without a param block gets the task's
    parameters as passed). ``ctx.check_mode`` is True only for a script that declares
    ``[CmdletBinding(SupportsShouldProcess)]`` (it runs with ``-WhatIf``); a script without it is
    never called in check mode. The returned dict may hold:

    - ``"result"``: what the script assigns to ``$Ansible.Result`` (default ``{}``), in the Python
      types of ``winsim_engine.psconvert``; the fake converts it at the call's ``depth``.
    - ``"changed"``: only when the script sets ``$Ansible.Changed``; absent means the module's
      default, True.
    - ``"warnings"``: messages of ``Write-Warning`` (list of str).
    - ``"output"``: objects the script writes to the output stream (list).
    - ``"host_out"`` / ``"host_err"``: text written to the console (str).

``raise ScriptFailure(message, failure_class='general', partial=None, changed=None)``
    The script sets ``$Ansible.Failed = $true`` and ``$Ansible.Result = partial + @{failure_class;
    message}`` and returns. No error record. ``changed`` is ``$Ansible.Changed`` as the script left
    it (None: not set, so True).

``raise TerminatingError(message, partial=None, changed=None,
exception_type='System.Management.Automation.RuntimeException', category='OperationStopped',
fully_qualified_error_id=None)``
    An uncaught ``throw`` or terminating error: the task fails with ``$Ansible.Result`` as set so far
    (``partial``, default ``{}``), ``changed`` as set so far (None: True) and one error record.
    ``fully_qualified_error_id`` None means what PowerShell uses: the message for a thrown string
    (RuntimeException), else the exception's full type name.

Host errors (``WinError``, ``DiskFullError``, ``OSError``) escaping a twin are uncaught terminating
errors too (disk full as ``System.IO.IOException``). A twin that models a script's try/catch
catches them itself.
"""

from __future__ import annotations

import re
from typing import Any

MARKER = re.compile(r"^\s*#\s*alteryx\.server:\s*([A-Za-z0-9_.-]+)")
# A test script whose result is its own parameters (no twin); see fakes/win_powershell.py.
ECHO_MARKER = re.compile(r"#[ \t]*winsim:[ \t]*echo[ \t]*")

RUNTIME_EXCEPTION = "System.Management.Automation.RuntimeException"


def is_echo(script: str) -> bool:
    """True when the script's first line is ``# winsim: echo``."""
    return bool(ECHO_MARKER.fullmatch(script.split("\n", 1)[0].strip()))


class ScriptFailure(Exception):
    """The host script set ``$Ansible.Failed`` with a failure class and message (a handled failure)."""

    def __init__(self, message: str, failure_class: str = "general", partial: dict[str, Any] | None = None,
                 changed: bool | None = None) -> None:
        super().__init__(message)
        self.failure_class = failure_class
        self.partial = partial or {}
        self.changed = changed


class TerminatingError(Exception):
    """An uncaught terminating error in the host script (``throw``, or a cmdlet error under ``Stop``)."""

    def __init__(self, message: str, partial: Any = None, changed: bool | None = None,
                 exception_type: str = RUNTIME_EXCEPTION, category: str = "OperationStopped",
                 fully_qualified_error_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.partial = {} if partial is None else partial
        self.changed = changed
        self.exception_type = exception_type
        self.category = category
        self.fully_qualified_error_id = fully_qualified_error_id
