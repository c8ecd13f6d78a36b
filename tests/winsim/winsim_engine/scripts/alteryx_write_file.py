"""Twin of alteryx_write_file.ps1 (atomic UTF-8 write or append)."""

from __future__ import annotations

import os

from ..host import DiskFullError, WinError
from . import ScriptFailure
from ._common import sha256


def run(host, parameters, ctx):
    path = parameters["Path"]
    data = str(parameters.get("Content") or "").encode("utf-8")
    try:
        local = host.local_path(path)
        if parameters.get("Append") and local.is_file():
            host.check_space(local, len(data))
            with open(local, "ab") as fh:
                fh.write(data)
        else:
            tmp = local.with_name(local.name + ".tmp")
            host.write_bytes(tmp, data)
            os.replace(tmp, local)
    except (DiskFullError, WinError, OSError) as exc:
        raise ScriptFailure(f"Cannot write {path} : {exc}", "storage") from exc
    return {"changed": True, "result": {"path": path, "size": local.stat().st_size, "sha256": sha256(local)}}
