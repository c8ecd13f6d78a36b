# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_cloud_upload: the published archive, its sidecar and its manifest copy to S3 /
Azure Blob through short-lived URLs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_parts import url_json
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import (
    CloudSettingsError,
    check_destinations,
    open_store,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import CloudStoreError, PartUrl
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_upload import Archive, LocalFile, upload
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import SIDECAR_SUFFIX
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "archive": {"type": "dict", "required": True},
        "sidecar": {"type": "str", "default": ""},
        "manifest_copy": {"type": "dict", "default": {}},
        "destinations": {"type": "list", "elements": "raw", "default": [], "no_log": True},
        "cluster": {"type": "str", "default": ""},
        "retries": {"type": "int", "default": 3},
        "part_retries": {"type": "int", "default": 2},
        "retry_delay": {"type": "int", "default": 5},
        "part_timeout": {"type": "int", "default": 300},
        "timeout": {"type": "int", "default": 21600},
        "poll_interval": {"type": "float", "default": 60.0},
        "now": {"type": "str"},
    }

    def step(self, args, task_vars):
        host = str(task_vars.get("inventory_hostname") or "host")
        for name in ("retries", "part_retries", "retry_delay"):
            if args[name] < 0:
                raise AlteryxStepError(f"{name} must be 0 or more, got {args[name]}", "validation")
        try:
            destinations = check_destinations(args["destinations"], host=host, cluster=args["cluster"])
        except CloudSettingsError as exc:
            raise AlteryxStepError(str(exc), "validation") from None
        if self._task.check_mode:
            # The archive step's check mode names the archive without creating it: there is no size or SHA256 yet.
            name = str(args["archive"].get("path") or "").replace("/", "\\").rsplit("\\", 1)[-1]
            archive = Archive(str(args["archive"].get("path") or ""), name, 0, "", "")
        else:
            archive = self._archive(args)
        if not destinations:
            return {"changed": False, "cloud": [], "destinations_failed": 0, "warnings": [],
                    "msg": "No cloud destination configured", "log": []}
        if self._task.check_mode:
            message = "Would upload " + ", ".join(f"{d.type}://{d.container}/{d.key(archive.name)}" for d in destinations)
            return {"changed": True, "cloud": [], "destinations_failed": 0, "warnings": [], "msg": message,
                    "log": [entry("INFO", message)]}
        now = datetime.fromisoformat(args["now"]) if args["now"] else datetime.now(UTC)
        records, warnings, log = [], [], []
        for dest in destinations:
            try:
                store = open_store(dest)
            except (CloudSettingsError, CloudStoreError) as exc:
                records.append({**dest.public(), "ok": False, "error": str(exc), "key": dest.key(archive.name)})
            else:
                records.append(upload(store, dest, archive,
                                      lambda path, parts: self._send(path, parts, args, task_vars),
                                      retries=args["retries"], now=now))
            record = records[-1]
            where = f"{dest.type}://{dest.container}/{record['key']}"
            if record["ok"]:
                lock = f", locked ({dest.lock_mode}) until {record['locked_until']}" if record["locked_until"] else ""
                attached = " and manifest copy" if record["manifest_copy_key"] else ""
                log.append(entry("SUCCESS", f"Uploaded {archive.name} to {where} in {record['parts']} part(s) with "
                                            f"its sidecar{attached}, size and checksums verified{lock}"))
            else:
                left = f" Left behind: {', '.join(record['left'])}." if record.get("left") else \
                    " Nothing of this run was left there."
                warnings.append(f"Upload to {where} failed: {record['error']}.{left} The local archive "
                                f"{archive.path} and the other destinations are kept.")
        log = [entry("WARNING", w) for w in warnings] + log
        failed = [r for r in records if not r["ok"]]
        result = {"changed": any(r["ok"] for r in records), "cloud": records, "destinations_failed": len(failed),
                  "warnings": warnings, "log": log,
                  "msg": f"{archive.name} uploaded to {len(records) - len(failed)} of {len(records)} cloud "
                         f"destination(s)" + (f"; {len(failed)} failed" if failed else "")}
        required = [r for r in failed if r.get("required")]
        if required:
            raise AlteryxStepError("required cloud destination(s) failed: "
                                   + "; ".join(f"{r['name']}: {r['error']}" for r in required), "storage", result)
        return result

    @staticmethod
    def _archive(args: dict[str, Any]) -> Archive:
        path, size, sha256 = _local_file(args["archive"], "archive")
        name = path.replace("/", "\\").rsplit("\\", 1)[-1]
        # An archive step without a manifest writes no copy (its result's path is then ''): nothing to upload.
        copy = None
        if args["manifest_copy"].get("path"):
            copy = LocalFile(*_local_file(args["manifest_copy"], "manifest_copy"))
        return Archive(path, name, size, sha256, args["sidecar"] or path + SIDECAR_SUFFIX, copy)

    def _send(self, path: str, parts: Sequence[PartUrl], args: dict[str, Any], task_vars: dict[str, Any]
              ) -> list[dict[str, Any]]:
        """One host call: the uploader PUTs ``parts`` of ``path``; the URLs travel only as a SecureString."""
        result = run_script(self, "alteryx_cloud_upload", {
            "Path": path, "TimeoutSeconds": args["part_timeout"], "Retries": args["part_retries"],
            "RetryDelay": args["retry_delay"],
        }, task_vars, async_timeout=args["timeout"], poll_interval=args["poll_interval"], step="cloud upload",
            sensitive={"PartsJson": url_json(parts)})
        return list(result.get("parts") or [])


def _local_file(given: Any, option: str) -> tuple[str, int, str]:
    """(path, size, sha256) of the archive step's result ``option`` ({path, size, sha256}); validation otherwise."""
    try:
        path, size, sha256 = str(given["path"]), int(given["size"]), str(given["sha256"]).lower()
    except (KeyError, TypeError, ValueError) as exc:
        raise AlteryxStepError(f"{option} must be the archive step's result '{option}' ({{path, size, sha256}}): "
                               f"{exc!r}", "validation") from None
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise AlteryxStepError(f"{option}.sha256 is not a SHA256: {sha256!r}", "validation")
    if size < 0:
        raise AlteryxStepError(f"{option}.size must not be negative, got {size}", "validation")
    return path, size, sha256
