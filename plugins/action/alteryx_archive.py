# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_archive: zip, verify, publish atomically with a manifest copy, copy with retry."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._manifest import (
    MANIFEST_COPY_SUFFIX,
    fill_published_copy,
    parse_utc,
    published_copy_template,
    validate_manifest,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import SIDECAR_SUFFIX
from ansible_collections.alteryx.server.plugins.plugin_utils._quiet import quiet
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "staging_path": {"type": "str", "required": True},
        "local_dir": {"type": "str", "required": True},
        "archive_name": {"type": "str", "required": True},
        "destinations": {"type": "list", "elements": "str", "default": []},
        "retries": {"type": "int", "default": 3},
        "retry_delay": {"type": "int", "default": 30},
        "min_bytes": {"type": "int", "default": 0},
        "lock_path": {"type": "str", "default": ""},
        "run_id": {"type": "str", "default": ""},
        "manifest": {"type": "dict", "default": {}},
        "manifest_from": {"type": "str", "default": ""},
        "timeout": {"type": "int", "default": 21600},
        "poll_interval": {"type": "float", "default": 60.0},
        "restrict_acls": {"type": "bool", "default": True},
    }

    def step(self, args, task_vars):
        if args["retries"] < 0:
            raise AlteryxStepError(f"retries must be 0 or more (tries after the first one), got {args['retries']}",
                                   "validation")
        local = args["local_dir"].rstrip("\\") + "\\" + args["archive_name"]
        manifest = args["manifest"]
        if args.get("manifest_from"):
            manifest = self.registered(task_vars, args["manifest_from"], "manifest_from").get("manifest") or {}
        template, started_utc = self._manifest_copy(manifest)
        if self._task.check_mode:
            suffixes = ("", SIDECAR_SUFFIX) + ((MANIFEST_COPY_SUFFIX,) if template else ())
            targets = [folder.rstrip("\\") + "\\" + args["archive_name"] + suffix
                       for folder in [args["local_dir"], *args["destinations"]] for suffix in suffixes]
            message = "Would create and publish " + ", ".join(targets)
            return {"changed": True, "archive": {"path": local}, "copies": [], "published": [], "destinations_failed": 0,
                    "msg": message, "log": [entry("INFO", message)]}
        elapsed = (datetime.now(UTC) - parse_utc(started_utc)).total_seconds() if template else 0.0
        try:
            result = run_script(self, "alteryx_archive", {
                "StagingPath": args["staging_path"], "LocalDir": args["local_dir"],
                "ArchiveName": args["archive_name"], "Destinations": args["destinations"],
                "Retries": args["retries"], "RetryDelaySeconds": args["retry_delay"], "MinBytes": args["min_bytes"],
                "LockPath": args["lock_path"], "RunId": args["run_id"],
                "ManifestCopy": template, "StartedUtc": started_utc, "ElapsedBeforeSeconds": max(0.0, elapsed),
                "RestrictAcls": args["restrict_acls"],
            }, task_vars, async_timeout=args["timeout"], poll_interval=args["poll_interval"], step="archive",
                progress=lambda: run_script(self, "alteryx_progress", {"Paths": [local + ".partial", local]}, task_vars,
                                            step="progress", carry_run_log=False))
        except AlteryxStepError as exc:
            exc.result["log"] = [entry("WARNING", line) for line in exc.result.get("attempts_log") or []]
            exc.result["log"].append(entry("ERROR", exc.msg))
            raise
        archive = {"path": result["archive_path"], "size": result["archive_size"], "sha256": result["archive_sha256"],
                   "entries": result["archive_entries"]}
        failed = [c for c in result["copies"] if not c["verified"]]
        tries = 1 + args["retries"]
        tried = f"{tries} {'try' if tries == 1 else 'tries'}"
        warnings = [f"Copy to {c['path']} failed after {tried}: {c['error']}. Nothing of this run was left there; "
                    f"the local archive {archive['path']} and the other destinations are kept." for c in failed]
        warnings += list(result["_warnings"])
        log = [entry("WARNING", w) for w in warnings]
        log += [entry("WARNING" if "failed" in line else "INFO", line) for line in result["attempts_log"]]
        locations = 1 + len(result["copies"]) - len(failed)
        log.append(entry("SUCCESS", f"Archive {archive['path']} ({archive['size']} bytes, sha256 {archive['sha256']}) "
                                    f"verified against {result['verified_entries']} manifest entries and published to "
                                    f"{locations} location(s)"
                                    + (f"; {len(failed)} destination(s) failed" if failed else "")))
        return quiet({"changed": True, "archive": archive, "sidecar": result["sidecar"],
                      "manifest_copy": {"path": result["manifest_copy"], "size": result["manifest_copy_size"],
                                        "sha256": result["manifest_copy_sha256"]},
                      "copies": result["copies"],
                      "published": result["published"], "destinations_failed": len(failed),
                      "attempts_log": result["attempts_log"], "warnings": warnings, "log": log},
                     task_vars.get("inventory_hostname", ""))

    @staticmethod
    def _manifest_copy(manifest):
        """(JSON template of the copy published beside the archive, BackupTimestamp), or ('', '') without a manifest.

        The template is filled with sample values and validated here, so a manifest the copy could not be built
        from fails before anything is zipped.
        """
        if not manifest:
            return "", ""
        try:
            template = published_copy_template(manifest)
            started_utc = manifest["BackupMetadata"]["BackupTimestamp"]
            sample = fill_published_copy(template, sha256="0" * 64, size_bytes=1, uncompressed_bytes=1,
                                         started_utc=started_utc, elapsed_seconds=0.0)
        except (KeyError, TypeError, ValueError) as exc:
            raise AlteryxStepError(f"manifest is not a BackupManifest (pass the manifest step's result 'manifest'): "
                                   f"{exc!r}", "validation") from exc
        validate_manifest(json.loads(sample))
        return template, started_utc
