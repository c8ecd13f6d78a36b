"""ansible.windows.async_status: read the results file a detached job writes."""

from __future__ import annotations

import json

from ..host import Host, WinError
from . import Context, Result, fake


@fake("ansible.windows.async_status", "ansible.builtin.async_status")
def async_status(host: Host, params: dict, ctx: Context) -> Result:
    jid = params["jid"]
    async_dir = ctx_async_dir(params)
    path = host.local_path(async_dir.rstrip("\\") + "\\" + jid)
    if not path.is_file():
        raise WinError(f"could not find job at '{async_dir}'")
    if params.get("mode") == "cleanup":
        path.unlink()
        return {"ansible_job_id": jid, "erased": host.win_path(path), "started": 1, "finished": 1,
                "stdout": "", "stderr": ""}
    raw = path.read_text()
    if not raw.strip():
        return {"ansible_job_id": jid, "started": 1, "finished": 0, "results_file": host.win_path(path)}
    data = json.loads(raw)
    if "started" not in data:
        data["finished"] = 1
        data["ansible_job_id"] = jid
    elif "finished" not in data:
        data["finished"] = 0
    data["started"] = int(bool(data["started"]))
    data["finished"] = int(bool(data["finished"]))
    return data


def ctx_async_dir(params: dict) -> str:
    async_dir = params.get("_async_dir") or "~\\.ansible_async"
    return async_dir.replace("~", "C:\\Users\\ansible", 1) if async_dir.startswith("~") else async_dir
