"""ansible.windows.async_status: read the results file a detached job writes.

Ported line by line from ansible.windows 3.3.0 ``plugins/modules/async_status.ps1`` (a Legacy
module: ``Exit-Json`` adds ``changed: false``, ``Fail-Json`` adds ``msg``/``failed``/``changed``):

* no file at ``Path.Combine($_async_dir, $jid)`` -> ``Fail-Json @{ansible_job_id; started = 1;
  finished = 1} "could not find job at '$async_dir'"`` (lines 18-20), for both modes;
* ``cleanup`` -> ``Remove-Item`` and ``Exit-Json @{ansible_job_id; erased}`` (lines 22-25);
* ``Get-Content`` + ``JavaScriptSerializer.DeserializeObject`` (lines 31-39); when that throws, an
  empty file means the job is still starting (``started = 1; finished = 0``, line 43) and anything
  else (a file caught half written) fails with ``finished = 1`` and ``Could not parse job output: ``
  (``$data`` is still ``$null``, line 46);
* no ``started`` key -> ``finished = 1`` and ``ansible_job_id`` added; no ``finished`` key ->
  ``finished = 0`` (lines 50-56). The values themselves are returned as written (booleans).

Fault kinds for this module (from ``faults.json``): ``torn_read`` makes the call read the results
file while the watchdog's in-place ``Set-Content`` is half done (it waits, up to ``wait`` seconds,
for the job to finish, then sees the first ``bytes`` bytes, default half); ``results_missing``
removes the results file before the call reads it.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ..host import Host
from . import Context, Result, fake


@fake("ansible.windows.async_status")
def async_status(host: Host, params: dict, ctx: Context) -> Result:
    jid = params["jid"]
    if not params.get("_async_dir"):
        return _fail({}, "Get-AnsibleParam: Missing required argument: _async_dir")
    async_dir = host._expand_env(params["_async_dir"])  # -type path: Expand-Environment
    log_path = async_dir + jid if async_dir.endswith(("\\", "/")) else async_dir + "\\" + jid
    local = host.local_path(_home(log_path))
    fault = ctx.fault or {}
    if fault.get("kind") == "results_missing":
        local.unlink(missing_ok=True)
    if not local.is_file():
        return _fail({"ansible_job_id": jid, "started": 1, "finished": 1}, f"could not find job at '{async_dir}'")
    if params.get("mode") == "cleanup":
        local.unlink()
        return {"ansible_job_id": jid, "erased": log_path, "changed": False}
    raw = local.read_bytes()
    if fault.get("kind") == "torn_read":
        raw = _torn(local, raw, fault)
    data = _deserialize(_get_content(raw))
    if data is None:
        if not _get_content(raw):
            # "file not written yet?  That means it is running"
            return {"results_file": log_path, "ansible_job_id": jid, "started": 1, "finished": 0, "changed": False}
        return _fail({"ansible_job_id": jid, "results_file": log_path, "started": 1, "finished": 1},
                     "Could not parse job output: ")
    if "started" not in data:
        data["finished"] = 1
        data["ansible_job_id"] = jid
    elif "finished" not in data:
        data["finished"] = 0
    data.setdefault("changed", False)
    return data


def _home(path: str) -> str:
    """PowerShell's FileSystem provider resolves a leading ``~`` to the user's profile."""
    return "C:\\Users\\ansible" + path[1:] if path.startswith("~") else path


def _get_content(raw: bytes) -> str | None:
    """What ``$data_raw = Get-Content`` holds: ``$null`` for an empty file, else its lines joined by spaces.

    Get-Content drops a byte order mark and splits lines; a ``[string[]]`` passed to a string
    parameter is joined with ``$OFS`` (a space).
    """
    text = raw.decode("utf-8-sig", errors="replace")
    lines = text.splitlines()
    if not lines:
        return None
    return " ".join(lines)


def _deserialize(text: str | None) -> dict[str, Any] | None:
    """``JavaScriptSerializer.DeserializeObject``: None where it throws (or gives no dictionary)."""
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _torn(local: Any, raw: bytes, fault: dict[str, Any]) -> bytes:
    """The file as a reader sees it in the middle of the watchdog's final ``Set-Content``."""
    deadline = time.monotonic() + float(fault.get("wait", 30))
    while time.monotonic() < deadline:
        data = _deserialize(_get_content(raw))
        if data and data.get("finished"):
            break
        time.sleep(0.05)
        raw = local.read_bytes() if local.is_file() else raw
    cut = int(fault["bytes"]) if "bytes" in fault else len(raw) // 2
    return raw[:cut]


def _fail(result: dict[str, Any], message: str) -> Result:
    """``Fail-Json $result $message`` of Ansible.ModuleUtils.Legacy."""
    return {**result, "msg": message, "failed": True, "changed": False}
