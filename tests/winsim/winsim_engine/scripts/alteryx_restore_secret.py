"""Twin of alteryx_restore_secret.ps1: read the token entry of an archive, or set the token with setserversecret."""

from __future__ import annotations

import base64
import re
import zipfile

from ..host import WinError
from . import ScriptFailure
from ._invoke_native import invoke_native
from ._secure_string import ptr_to_string_bstr, secure_string_to_bstr, zero_free_bstr
from ._step_error import StepError, failure_class_of
from .alteryx_restore_check import entry_bytes


def _read_entry(host, path, name):
    try:
        zf = zipfile.ZipFile(host.local_path(path))
    except (zipfile.BadZipFile, FileNotFoundError) as exc:
        raise WinError(f"Cannot open {path}: {exc}") from exc
    with zf:
        if name not in zf.namelist():
            raise StepError("validation", f"{name} is not in {path}.")
        return entry_bytes(zf, zf.getinfo(name))


def run(host, p, ctx):
    changed = False
    try:
        if p["Phase"] == "read":
            data = _read_entry(host, p["Archive"], p["Entry"])
            return {"changed": False, "result": {"entry": p["Entry"], "content_base64": base64.b64encode(data).decode(),
                                                 "size": len(data)}}
        if p["Token"] is not None:
            bstr = secure_string_to_bstr(p["Token"])
            try:
                text = ptr_to_string_bstr(bstr)
            finally:
                zero_free_bstr(bstr)
        else:
            # [Text.Encoding]::UTF8.GetString: invalid bytes become U+FFFD, a BOM stays (the backup writes none).
            text = _read_entry(host, p["Archive"], p["Entry"]).decode("utf-8", errors="replace").strip()
        if not text or re.search(r"\s", text):
            raise StepError("validation",
                            f"The controller token of {p['Entry']} is empty or not one word: nothing was set.")
        changed = True
        run_ = invoke_native(host, p["ExePath"], f"setserversecret={text}")
        result = {"exit_code": run_["exit_code"], "stdout": run_["stdout"].replace(text, "********"),
                  "length": len(text)}
    except (WinError, OSError) as exc:
        raise ScriptFailure(f"Cannot set the controller token: {exc}", failure_class_of(exc, "general"),
                            changed=changed) from exc
    return {"changed": changed, "result": result}
