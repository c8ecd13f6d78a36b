"""Twin of a test-only script (``# alteryx.server: test_modes``) that shows each way a script can end.

Used by ``tests/winsim/tests/test_win_powershell.py``; the script is
``param([string]$Mode, $Value)`` (or a ``[CmdletBinding(SupportsShouldProcess)]`` variant). ``Mode``:

- ``result``: ``$Ansible.Result = $Value``; ``$Ansible.Changed`` left alone.
- ``unchanged``: ``$Ansible.Changed = $false``; result ``@{ seen = $Value }``.
- ``streams``: ``$Value`` and a nested hashtable to the output stream, a warning, text on stderr.
- ``whatif``: result ``@{ check_mode = <-WhatIf> }``.
- ``fail``: ``$Ansible.Failed = $true`` with partial ``@{ nested = $Value }`` (class 'validation').
- ``fail_unchanged``: the same after ``$Ansible.Changed = $false``.
- ``throw``: ``$Ansible.Changed = $false``, ``$Ansible.Result = @{ step = 1 }``, then ``throw "boom"``.
- ``throw_io``: an uncaught IOException ("The file is in use.").
- ``disk_full``: a write that fills the disk, uncaught.
- ``missing``: a read of a missing file, uncaught.
- ``win_error``: a host error (unknown drive), uncaught.
"""

from __future__ import annotations

from ..host import DiskFullError, WinError
from . import ScriptFailure, TerminatingError


def run(host, parameters, ctx):
    mode, value = parameters["Mode"], parameters.get("Value")
    if mode == "result":
        return {"result": value}
    if mode == "unchanged":
        return {"result": {"seen": value}, "changed": False}
    if mode == "streams":
        return {"result": {}, "output": [value, {"a": {"b": {"c": 1}}}], "warnings": ["careful"],
                "host_err": "native stderr\r\n"}
    if mode == "whatif":
        return {"result": {"check_mode": ctx.check_mode}}
    if mode == "fail":
        raise ScriptFailure("bad input", "validation", {"nested": value})
    if mode == "fail_unchanged":
        raise ScriptFailure("bad input", "validation", {"nested": value}, changed=False)
    if mode == "throw":
        raise TerminatingError("boom", partial={"step": 1}, changed=False)
    if mode == "throw_io":
        raise TerminatingError("The file is in use.", exception_type="System.IO.IOException", category="WriteError")
    if mode == "disk_full":
        raise DiskFullError("D")
    if mode == "missing":
        host.local_path("C:\\ProgramData\\no-such-file.txt").read_bytes()
    if mode == "win_error":
        host.local_path("Q:\\x.txt")
    raise WinError(f"test_modes: unknown mode {mode}")
