"""Twin of alteryx_stage_files.ps1 (critical files and secret export into staging)."""

from __future__ import annotations

from .. import alteryx
from ..host import DiskFullError
from . import ScriptFailure
from ._common import files_under, sha256


def run(host, p, ctx):
    staging = host.local_path(p["StagingPath"])
    files, missing = [], []

    def add(source_win, dest_rel, category, data=None):
        target = staging.joinpath(*dest_rel.split("\\"))
        try:
            if data is not None:
                host.write_bytes(target, data)
            else:
                host.copy_file(host.local_path(source_win), target)
        except (DiskFullError, OSError) as exc:
            raise ScriptFailure(f"Cannot stage {source_win or dest_rel}: {exc}", "storage") from exc
        files.append({"archive_path": dest_rel.replace("\\", "/"), "source_path": source_win, "size": target.stat().st_size,
                      "sha256": sha256(target), "category": category})

    for item in p.get("Items") or []:
        source = host.local_path(item["source"])
        if not source.exists():
            if item.get("required"):
                raise ScriptFailure(f"Required item {item['source']} is missing.", "validation")
            missing.append({"source": item["source"], "required": False})
            continue
        if source.is_dir():
            for f in files_under(source):
                rel = "\\".join(f.relative_to(source).parts)
                add(host.win_path(f), f"{item['dest']}\\{rel}", "config")
        else:
            add(item["source"], item["dest"], "config")
    exported = {"server_secret": False, "mongo_passwords": False}
    if p.get("ExportSecrets"):
        _rc, token = alteryx.service_exe(host, "getserversecret")
        add("", "Secrets\\ControllerToken.txt", "secret", token.strip().encode())
        exported["server_secret"] = True
        _rc, passwords = alteryx.service_exe(host, "getemongopassword")
        if "Admin" in passwords:
            add("", "Secrets\\MongoPasswords.txt", "secret", passwords.strip().encode())
            exported["mongo_passwords"] = True
    return {"changed": True, "result": {"files": files, "missing": missing, "secrets_exported": exported}}
