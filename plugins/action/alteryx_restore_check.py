# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_restore_check: read an archive on the node and refuse a damaged one."""

from __future__ import annotations

import os

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._manifest_signature import (
    SignatureError,
    restore_signature_problems,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._restore import SCOPES, choose_scope, judge_archive
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "archive": {"type": "str", "default": ""},
        "backup_path": {"type": "str", "default": "D:\\Alteryx\\Backups"},
        "scope": {"type": "str", "default": "", "choices": ["", *SCOPES]},
        "public_key": {"type": "str", "default": ""},
    }

    def step(self, args, task_vars):
        # Read-only on the node, so it runs in check mode too (the script declares SupportsShouldProcess).
        raw = run_script(self, "alteryx_restore_check", {"Archive": args["archive"], "BackupPath": args["backup_path"]},
                         task_vars, step="archive check")
        verdict = judge_archive(raw)
        signer = ""
        if args["public_key"]:
            # Pinned: an unsigned or badly signed archive is refused like a damaged one, before anything is touched.
            manifest_sha = next((e.get("sha256") for e in raw["entries"] if e.get("name") == "BackupManifest.json"), None)
            try:
                problems, signer = restore_signature_problems(raw["manifest"], manifest_sha, raw.get("signature"),
                                                              self._public_key(args["public_key"]))
            except SignatureError as exc:
                raise AlteryxStepError(f"public_key: {exc}", "validation", {"changed": False}) from None
            verdict["problems"] += problems
            verdict["ok"] = verdict["ok"] and not problems
        facts = {"archive": verdict["archive"], "archive_sha256": raw["archive_sha256"], "mode": verdict["mode"],
                 "entries": len(raw["entries"]), "problems": verdict["problems"], "signed_by": signer}
        if not verdict["ok"]:
            raise AlteryxStepError(f"Archive {verdict['archive']} is damaged, nothing was restored: "
                                   + "; ".join(verdict["problems"][:5]), "validation", {**facts, "changed": False})
        try:
            scope = choose_scope(args["scope"], verdict["mode"])
        except ValueError as exc:
            raise AlteryxStepError(f"Cannot restore {verdict['archive']}: {exc}", "invalid_mode",
                                   {**facts, "changed": False}) from None
        log = [entry("INFO", f"Archive {verdict['archive']} ({verdict['mode']}) is intact: sidecar and "
                             f"{len(raw['entries'])} entries match; restoring {scope}")]
        if signer:
            log.append(entry("INFO", f"BackupManifest.json carries a valid signature by the pinned key {signer}"))
        return {**facts, "changed": False, "scope": scope, "manifest": verdict["manifest"], "log": log}

    def _public_key(self, value):
        """The key text: a controller file's contents when ``value`` names one, else ``value`` itself (PEM or
        base64)."""
        path = os.path.expanduser(value)
        if not os.path.isabs(path) and "-----BEGIN" not in value:
            found = self._loader.path_dwim(path)
            path = found if os.path.isfile(found) else path
        if not os.path.isfile(path):
            return value
        try:
            with open(path, "rb") as handle:
                return handle.read(64 * 1024).decode("ascii", errors="replace")
        except OSError as exc:
            raise AlteryxStepError(f"Cannot read the public key {value} on the controller: {exc.strerror or exc}",
                                   "validation", {"changed": False}) from None
