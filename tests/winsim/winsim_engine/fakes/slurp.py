"""ansible.windows.slurp: a host file as base64 (docs in the slurp.yml sidecar)."""

from __future__ import annotations

import base64

from ..host import Host, WinError
from . import Context, Result, fake


@fake("ansible.windows.slurp")
def slurp(host: Host, params: dict, ctx: Context) -> Result:
    src = params["src"]
    local = host.local_path(src)
    if local.is_dir():
        raise WinError(f"Path {src} is a directory")
    if not local.is_file():
        raise WinError(f"Path {src} is not found")
    return {"changed": False, "content": base64.b64encode(local.read_bytes()).decode("ascii"),
            "encoding": "base64", "source": src}
