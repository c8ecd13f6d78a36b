"""Twin of alteryx_restore_rename.ps1: read or rewrite named element texts of RuntimeSettings.xml, byte-preserving."""

from __future__ import annotations

import re

from ..host import WinError
from . import ScriptFailure
from ._common import sha256
from ._step_error import StepError, failure_class_of

# PowerShell's -match is case-insensitive.
SECRET_PATTERN = re.compile(r"Pass(word|wd|phrase)|Pwd|Secret|Token|Key|Encrypt|Credential|Connection|Certificate|"
                            r"Hash|Salt|Signature", re.IGNORECASE)


def _codec(data: bytes) -> str:
    """``Get-TextEncoding``: UTF-16 by its byte order mark (GetString keeps the mark as U+FEFF), else Latin-1."""
    if data[:2] == b"\xff\xfe":
        return "utf-16-le"
    if data[:2] == b"\xfe\xff":
        return "utf-16-be"
    return "latin-1"


def _find(text, name):
    section, element = name.split("/")
    outer = re.search(rf"<{section}(?:\s[^>]*)?>(.*?)</{section}>", text, re.DOTALL)
    if outer is None:
        return None
    inner = re.search(rf"<{element}(?:\s[^>]*)?>([^<]*)</{element}>", outer.group(1))
    if inner is None:
        return None
    return {"index": outer.start(1) + inner.start(1), "value": inner.group(1)}


def run(host, p, ctx):
    path = p["Path"]
    changed = False
    try:
        local = host.local_path(path)
        if not local.is_file():
            raise WinError(f"Could not find file '{path}'.")
        data = local.read_bytes()
        codec = _codec(data)
        # .NET's Unicode/BigEndianUnicode GetString keeps the byte order mark; Python's utf-16-le does too.
        text = data.decode(codec, errors="replace")
        if p["Phase"] == "read":
            values = []
            for name in p["Names"] or []:
                found = _find(text, name)
                values.append({"name": name, "value": found["value"] if found and found["value"] else None})
            mentions = []
            if p["Find"]:
                for m in re.finditer(r"<([A-Za-z_][\w.-]*)(?:\s[^>]*)?>([^<]*)</\1>", text):
                    element = m.group(1)
                    if SECRET_PATTERN.search(element):
                        continue
                    if p["Find"].lower() in m.group(2).lower() and element not in mentions:
                        mentions.append(element)
            return {"changed": False, "result": {"values": values, "mentions": mentions}}
        edited = []
        for edit in p["Edits"] or []:
            found = _find(text, edit["name"])
            if found is None or found["value"] != edit["old"]:
                raise StepError("validation", f"{edit['name']} in {path} is not what was read a moment ago: nothing "
                                              "was written.")
            text = text[:found["index"]] + edit["new"] + text[found["index"] + len(found["value"]):]
            edited.append(edit["name"])
        changed = True
        tmp = host.local_path(f"{path}.tmp")
        host.write_bytes(tmp, text.encode(codec))
        host.move_item(f"{path}.tmp", path, force=True)
        result = {"path": path, "sha256": sha256(local), "edited": edited}
    except (WinError, OSError) as exc:
        tmp = host.local_path(f"{path}.tmp")
        if tmp.exists():
            tmp.unlink()
        raise ScriptFailure(f"Cannot rename the host in {path} : {exc}", failure_class_of(exc, "storage"),
                            changed=changed) from exc
    return {"changed": changed, "result": result}
