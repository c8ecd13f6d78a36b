"""Twin of alteryx_stage_files.ps1 (critical files, hidden ones included, and secret export into staging)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from ..host import WinError
from . import ScriptFailure
from ._common import sha256
from ._invoke_native import invoke_native
from ._run_log import add_run_log
from ._step_error import StepError, failure_class_of


def run(host, p, ctx):
    add_run_log(host, p)
    staging = p["StagingPath"].rstrip("\\")
    files, directories, missing = [], [], []
    exported = {"server_secret_exported": False, "mongo_passwords_exported": False}

    def add_staged(source, dest, category):
        target = host.local_path(f"{staging}\\{dest}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if source:
            host.copy_file(host.local_path(source), target)
            written = host.local_path(source).stat().st_mtime
        else:
            written = target.stat().st_mtime
        files.append({"archive_path": dest.replace("\\", "/"), "source_path": source, "size": target.stat().st_size,
                      "category": category, "sha256": sha256(target),
                      "last_modified": datetime.fromtimestamp(written, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})

    def export_secret(verb, file_name, must_contain):
        out = invoke_native(host, p["ExePath"], verb)
        if not re.search(must_contain, out["stdout"], re.IGNORECASE):
            return False
        host.write_bytes(host.local_path(f"{staging}\\Secrets\\{file_name}"), out["stdout"].strip().encode("utf-8"))
        add_staged("", f"Secrets\\{file_name}", "secret")
        return True

    try:
        for entry in p["Items"] or []:
            if not host.local_path(entry["source"]).exists():
                if entry.get("required"):
                    raise StepError("validation", f"Required item {entry['source']} is missing.")
                missing.append({"source": entry["source"], "required": False})
                continue
            item = host.local_path(entry["source"])
            if item.is_dir():
                full = host.win_path(item).rstrip("\\")
                count, total = 0, 0
                for f in host.get_child_items(entry["source"], recurse=True, force=True, files_only=True):
                    add_staged(host.win_path(f), f"{entry['dest']}\\{host.win_path(f)[len(full) + 1:]}", "config")
                    count, total = count + 1, total + f.stat().st_size
                directories.append({"archive_path": entry["dest"].replace("\\", "/"), "source_path": entry["source"],
                                    "file_count": count, "total_bytes": total})
            else:
                add_staged(entry["source"], entry["dest"], "config")
        if p["ExportSecrets"]:
            host.local_path(f"{staging}\\Secrets").mkdir(parents=True, exist_ok=True)
            exported["server_secret_exported"] = export_secret("getserversecret", "ControllerToken.txt", r"\S")
            exported["mongo_passwords_exported"] = export_secret("getemongopassword", "MongoPasswords.txt", "Admin")
    except (WinError, OSError) as exc:
        raise ScriptFailure(f"Cannot stage critical files: {exc}", failure_class_of(exc, "storage"),
                            changed=True) from exc
    return {"changed": True, "result": {"files": files, "directories": directories, "missing": missing, **exported}}
