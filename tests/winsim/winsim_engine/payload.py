"""Decode what ansible-core 2.19 sends to a PowerShell host.

A module call arrives as ``in_data``: the bootstrap JSON, ``b"\\n\\0\\0\\0\\0\\n"``, then the
exec manifest JSON (``scripts``, ``actions``, ``signed_hashlist``). Helper scripts
(``powershell_mkdtemp.ps1``...) use the same framing with a single action.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass, field
from typing import Any

SEPARATOR = b"\n\0\0\0\0\n"


@dataclass
class Call:
    """One decoded host call.

    ``kind`` is ``module`` (a module through module_wrapper.ps1), ``helper`` (an
    executor script such as powershell_mkdtemp.ps1) or ``command`` (a plain encoded
    PowerShell command, e.g. the temp folder ``Remove-Item``).
    """

    kind: str
    name: str = ""
    args: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)
    async_timeout: int = 0
    async_jid: str = ""
    async_dir: str = ""
    become: dict[str, Any] | None = None
    command: str = ""

    @property
    def check_mode(self) -> bool:
        return bool(self.args.get("_ansible_check_mode"))

    @property
    def no_log(self) -> bool:
        return bool(self.args.get("_ansible_no_log"))

    def module_args(self) -> dict[str, Any]:
        """The task's own arguments, without Ansible's ``_ansible_*`` internals."""
        return {k: v for k, v in self.args.items() if not k.startswith("_ansible_")}


def module_fqcn(script: str) -> str:
    """``ansible_collections.ansible.windows.plugins.modules.win_stat.ps1`` -> ``ansible.windows.win_stat``."""
    name = re.sub(r"\.ps1$", "", script)
    match = re.match(r"^ansible_collections\.([^.]+)\.([^.]+)\.plugins\.modules\.(.+)$", name)
    if match:
        return ".".join(match.groups())
    return "ansible.builtin." + name.rsplit(".", 1)[-1]


def decode(cmd: str, in_data: bytes | None) -> Call:
    """Decode one ``exec_command`` into a Call."""
    if not in_data:
        return Call(kind="command", command=decode_command(cmd))
    parts = in_data.split(SEPARATOR)
    manifest = json.loads(parts[1]) if len(parts) > 1 and parts[1].strip() else {}
    actions = manifest.get("actions", [])
    call = Call(kind="helper")
    for action in actions:
        name = action["name"]
        params = action.get("params", {})
        if name == "module_wrapper.ps1":
            call.kind = "module"
            call.name = module_fqcn(params["Script"])
            for var in params.get("Variables", []):
                if var.get("Name") == "complex_args":
                    call.args = var.get("Value") or {}
        elif name == "async_wrapper.ps1":
            call.async_jid = params["AsyncJid"]
            call.async_dir = params["AsyncDir"]
        elif name == "async_watchdog.ps1":
            call.async_timeout = int(params["Timeout"])
        elif name == "become_wrapper.ps1":
            call.become = {k: v for k, v in params.items() if "pass" not in k.lower()}
        else:
            call.name = name
            call.params = params
    return call


def decode_command(cmd: str) -> str:
    """Return the script text of ``powershell ... -EncodedCommand <base64 UTF-16LE>``."""
    match = re.search(r"-EncodedCommand\s+(\S+)", cmd)
    if not match:
        return cmd
    return base64.b64decode(match.group(1)).decode("utf-16-le")
