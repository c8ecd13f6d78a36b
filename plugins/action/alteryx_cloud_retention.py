# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_cloud_retention: retention of the disk's rules in S3 buckets / Azure containers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_retention import run_retention
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import (
    CloudSettingsError,
    check_destinations,
    open_store,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import CloudStoreError
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._retention import plan_retention
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    _requires_connection = False  # the controller talks to the cloud service; the node is not involved
    ARGUMENT_SPEC = {
        "destinations": {"type": "list", "elements": "raw", "default": [], "no_log": True},
        "cluster": {"type": "str", "default": ""},
        "retention_days": {"type": "raw", "default": {}},
        "min_keep": {"type": "int", "default": 1},
        "modes": {"type": "list", "elements": "str"},
        "min_bytes": {"type": "dict", "default": {}},
        "verified": {"type": "list", "elements": "str", "default": []},
        "now": {"type": "str"},
    }

    def step(self, args, task_vars):
        host = str(task_vars.get("inventory_hostname") or "host")
        try:
            now = datetime.fromisoformat(args["now"]) if args["now"] else datetime.now()
        except ValueError as exc:
            raise AlteryxStepError(f"now must be an ISO date and time: {exc}", "validation") from None
        settings = {"retention_days": args["retention_days"], "min_keep": args["min_keep"], "modes": args["modes"],
                    "min_bytes": args["min_bytes"]}
        try:
            plan_retention([], now, **settings)
            destinations = check_destinations(args["destinations"], host=host, cluster=args["cluster"])
        except (ValueError, CloudSettingsError) as exc:
            raise AlteryxStepError(f"invalid cloud retention settings: {exc}", "validation") from None
        records, warnings, log = [], [], []
        for dest in (d for d in destinations if d.retention):
            where = f"{dest.type}://{dest.container}/{dest.prefix}"
            record: dict[str, Any] = {"name": dest.name, "type": dest.type, "container": dest.container,
                                      "prefix": dest.prefix, "ok": False, "error": "", "deleted": [],
                                      "would_delete": [], "kept": [], "locked": [], "looked_up": []}
            try:
                done = run_retention(open_store(dest), dest, now, settings, args["verified"],
                                     check_mode=self._task.check_mode)
            except (CloudStoreError, CloudSettingsError) as exc:
                record["error"] = str(exc)
                warnings.append(f"Retention at {where} failed: {exc}. Nothing more was deleted there; the next run "
                                "tries again.")
            else:
                record.update(ok=True, deleted=done.deleted, would_delete=done.would_delete, kept=done.kept,
                              locked=done.locked, looked_up=done.looked_up)
                warnings += [f"{where}: {w}" for w in done.warnings]
                attached = "attached to a deleted archive"
                log += [entry("INFO", f"Deleted {dest.type}://{dest.container}/{k}: {done.reasons.get(k, attached)}")
                        for k in done.deleted]
                log += [entry("INFO", f"Would delete {dest.type}://{dest.container}/{k}: "
                                      f"{done.reasons.get(k, attached)}") for k in done.would_delete]
                log += [entry("INFO", f"Kept {lock['key']} at {where}: due for deletion but locked"
                                      + (f" until {lock['locked_until']}" if lock["locked_until"] else ""))
                        for lock in done.locked]
                log.append(entry("INFO", f"Cloud retention at {where} keeps {len(done.kept)} archive(s)"
                                         + (f", looked up the sha256 of {len(done.looked_up)}" if done.looked_up
                                            else "")))
            records.append(record)
        log = [entry("WARNING", w) for w in warnings] + log
        deleted = sum(len(r["deleted"]) for r in records)
        locked = sum(len(r["locked"]) for r in records)
        message = (f"Cloud retention at {len(records)} destination(s): "
                   + (f"would delete {sum(len(r['would_delete']) for r in records)} object(s)" if self._task.check_mode
                      else f"deleted {deleted} object(s)")
                   + (f", {locked} kept by their retention lock" if locked else "")
                   + (f", {sum(not r['ok'] for r in records)} failed" if any(not r["ok"] for r in records) else ""))
        return {"changed": deleted > 0 or any(r["would_delete"] for r in records), "cloud_retention": records,
                "warnings": warnings, "msg": message, "log": log}
