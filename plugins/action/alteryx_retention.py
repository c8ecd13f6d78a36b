# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_retention: delete old backups of our naming, per mode, never the last good one."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._retention import (
    archives_from_listing,
    hashes_from_host,
    path_key,
    plan_retention,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "folders": {"type": "list", "elements": "str", "required": True},
        "retention_days": {"type": "raw", "default": {}},
        "min_keep": {"type": "int", "default": 1},
        "modes": {"type": "list", "elements": "str"},
        "min_bytes": {"type": "dict", "default": {}},
        "verified": {"type": "list", "elements": "str", "default": []},
        "now": {"type": "str"},
    }

    def step(self, args, task_vars):
        try:
            now = datetime.fromisoformat(args["now"]) if args["now"] else datetime.now()
        except ValueError as exc:
            raise AlteryxStepError(f"now must be an ISO date and time: {exc}", "validation") from exc
        settings = {"retention_days": args["retention_days"], "min_keep": args["min_keep"], "modes": args["modes"],
                    "min_bytes": args["min_bytes"], "verified": args["verified"]}
        try:
            plan_retention([], now, **settings)
        except ValueError as exc:
            raise AlteryxStepError(f"invalid retention settings: {exc}", "validation") from exc

        listed = run_script(self, "alteryx_retention", {"Folders": args["folders"], "Hash": [], "Delete": []}, task_vars,
                            step="retention listing")
        try:
            archives = archives_from_listing(listed["listing"])
        except ValueError as exc:
            raise AlteryxStepError(f"unexpected listing from the host: {exc}", "general") from exc
        hashes, hashed = {}, []
        plan = plan_retention(archives, now, **settings)
        # Each round hashes only archives whose SHA256 decides a deletion; one that fails brings the next
        # older candidate into the following round (at most one round per archive).
        while plan.need_hash:
            if any(path_key(p) in hashes for p in plan.need_hash):
                raise AlteryxStepError(f"retention asked twice for the SHA256 of {plan.need_hash}", "general")
            reply = run_script(self, "alteryx_retention", {"Folders": [], "Hash": plan.need_hash, "Delete": []},
                               task_vars, step="retention hashing")
            try:
                hashes.update(hashes_from_host(reply["hashes"]))
            except ValueError as exc:
                raise AlteryxStepError(f"unexpected hashes from the host: {exc}", "general") from exc
            missing = [p for p in plan.need_hash if path_key(p) not in hashes]
            if missing:
                raise AlteryxStepError(f"the host did not hash {missing}", "general")
            hashed += plan.need_hash
            plan = plan_retention(archives, now, **settings, hashes=hashes)

        warnings = list(plan.warnings)
        log = [entry("WARNING", w) for w in warnings]
        log.append(entry("INFO", f"Retention keeps {len(plan.keep)} archive(s)"
                                 + (f", checked the SHA256 of {len(hashed)}" if hashed else "")))
        result = {"kept": plan.keep, "hashed": hashed, "warnings": warnings, "log": log}
        archives_deleted = [p for p in plan.delete if p in plan.reasons]
        if self._task.check_mode or not plan.delete:
            log += [entry("INFO", f"Would delete {p}: {plan.reasons[p]}") for p in archives_deleted]
            return {**result, "changed": bool(plan.delete), "deleted": [], "would_delete": plan.delete}
        removed = run_script(self, "alteryx_retention", {"Folders": [], "Hash": [], "Delete": plan.delete}, task_vars,
                             step="retention")
        log += [entry("INFO", f"Deleted {p}: {plan.reasons.get(p, 'sidecar of a deleted archive')}")
                for p in removed["deleted"]]
        return {**result, "changed": bool(removed["deleted"]), "deleted": removed["deleted"], "would_delete": []}
