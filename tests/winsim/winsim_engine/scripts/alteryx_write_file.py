"""Twin of alteryx_write_file.ps1 (atomic UTF-8 write or append)."""

from __future__ import annotations

from ..host import WinError
from . import ScriptFailure
from ._common import sha256
from ._run_log import add_run_log


def run(host, p, ctx):
    add_run_log(host, p)
    path = p["Path"]
    data = str(p["Content"] or "").encode("utf-8")
    tmp = f"{path}.tmp"
    changed = False
    try:
        local = host.local_path(path)
        local.parent.mkdir(parents=True, exist_ok=True)
        changed = True
        if p["Append"]:
            host.check_space(local, len(data))
            with open(local, "ab") as fh:
                fh.write(data)
        else:
            host.write_bytes(host.local_path(tmp), data)
            host.move_item(tmp, path, force=True)
        result = {"path": path, "size": local.stat().st_size, "sha256": sha256(local)}
    except (WinError, OSError) as exc:
        if host.local_path(tmp).exists():
            host.local_path(tmp).unlink()
        raise ScriptFailure(f"Cannot write {path} : {exc}", "storage", changed=changed) from exc
    return {"changed": True, "result": result}
