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
from ansible_collections.alteryx.server.plugins.plugin_utils._restore import (
    MAX_SKIPPED,
    SCOPES,
    candidate_codes,
    check_timestamp,
    choose_scope,
    judge_archive,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "archive": {"type": "str", "default": ""},
        "backup_path": {"type": "str", "default": "D:\\Alteryx\\Backups"},
        "scope": {"type": "str", "default": "", "choices": ["", *SCOPES]},
        "timestamp": {"type": "str", "default": ""},
        "public_key": {"type": "str", "default": ""},
    }

    def step(self, args, task_vars):
        try:
            timestamp = check_timestamp(args["timestamp"])
        except ValueError as exc:
            raise AlteryxStepError(str(exc), "validation", {"changed": False}) from None
        skipped: list[dict] = []
        while True:
            raw, verdict = self._check(args, timestamp, [s["name"] for s in skipped], skipped, task_vars)
            # A named archive is judged alone; the default choice steps over damaged ones to the next newest.
            if verdict["ok"] or args["archive"] or len(skipped) >= MAX_SKIPPED:
                break
            skipped.append({"name": verdict["archive"].replace("/", "\\").rsplit("\\", 1)[-1],
                            "archive": verdict["archive"], "problems": verdict["problems"][:5]})
        facts = {"archive": verdict["archive"], "archive_sha256": raw["archive_sha256"], "mode": verdict["mode"],
                 "entries": len(raw["entries"]), "problems": verdict["problems"], "signed_by": verdict["signer"],
                 "skipped": skipped}
        if not verdict["ok"]:
            raise AlteryxStepError(f"Archive {verdict['archive']} is damaged, nothing was restored: "
                                   + "; ".join(verdict["problems"][:5]), "validation", {**facts, "changed": False})
        try:
            scope = choose_scope(args["scope"], verdict["mode"])
        except ValueError as exc:
            raise AlteryxStepError(f"Cannot restore {verdict['archive']}: {exc}", "invalid_mode",
                                   {**facts, "changed": False}) from None
        log = [entry("WARNING", f"Skipped damaged archive {s['archive']}: {'; '.join(s['problems'])}")
               for s in skipped]
        log.append(entry("INFO", f"Archive {verdict['archive']} ({verdict['mode']}) is intact: sidecar and "
                                 f"{len(raw['entries'])} entries match; restoring {scope}"))
        if verdict["signer"]:
            log.append(entry("INFO", f"BackupManifest.json carries a valid signature by the pinned key "
                                     f"{verdict['signer']}"))
        warnings = [f"the newest archive(s) did not verify and were skipped: {', '.join(s['archive'] for s in skipped)}"
                    ] if skipped else []
        return {**facts, "changed": False, "scope": scope, "manifest": verdict["manifest"], "log": log,
                "warnings": warnings}

    def _check(self, args, timestamp, exclude, skipped, task_vars):
        """Read one archive on the node (read-only, so in check mode too) and judge it, signature included."""
        try:
            raw = run_script(self, "alteryx_restore_check", {
                "Archive": args["archive"], "BackupPath": args["backup_path"], "Timestamp": timestamp,
                "Modes": candidate_codes(args["scope"]), "Exclude": exclude}, task_vars, step="archive check")
        except AlteryxStepError as exc:
            if skipped and "No ServerBackup_" in exc.msg:
                newest, older = skipped[0], skipped[1:]
                message = f"Archive {newest['archive']} is damaged, nothing was restored: {'; '.join(newest['problems'])}."
                message += (" No older archive in {} verifies either: {}".format(
                    args["backup_path"], "; ".join(f"{s['archive']}: {s['problems'][0]}" for s in older))
                    if older else f" No older archive in {args['backup_path']} to fall back on.")
                raise AlteryxStepError(message, "validation",
                                       {**exc.result, "skipped": skipped, "changed": False}) from None
            unreadable = exc.failure_class == "validation" and exc.result.get("archive") and not args["archive"]
            if not unreadable:
                raise
            # The default choice found an archive it cannot even open: as damaged as one whose hashes differ.
            raw = {**exc.result, "entries": [], "archive_sha256": exc.result.get("archive_sha256", "")}
            return raw, {"ok": False, "archive": exc.result["archive"], "problems": [exc.msg], "mode": "",
                         "manifest": None, "signer": ""}
        verdict = judge_archive(raw)
        verdict["signer"] = ""
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
            verdict["signer"] = signer
        return raw, verdict

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
