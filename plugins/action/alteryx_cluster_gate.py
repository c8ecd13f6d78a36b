# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_cluster_gate: go on with the next phase of a cluster only while every other
member is healthy (no recorded failure, still in the play). Controller only; no host call."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._cluster import cluster_failures
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    _requires_connection = False
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "cluster": {"type": "str", "required": True},
        "members": {"type": "list", "elements": "str", "required": True},
        "phase": {"type": "str", "required": True},
        "failure_var": {"type": "str", "default": "alteryx_backup_failure"},
    }

    def step(self, args, task_vars):
        me = task_vars.get("inventory_hostname", "")
        hostvars = task_vars["hostvars"]
        failures = {m: hostvars[m].get(args["failure_var"]) for m in args["members"] if m != me}
        found = cluster_failures(args["members"], failures, task_vars.get("ansible_play_hosts") or [], me)
        if found:
            message = (f"{args['phase']} was called off for cluster {args['cluster']}: " + "; ".join(found)
                       + ". Every node stopped so far is started again")
            raise AlteryxStepError(message, "general", {"log": [entry("ERROR", message)]})
        message = f"cluster {args['cluster']}: every member is ready for {args['phase']}"
        return {"changed": False, "msg": message, "log": [entry("INFO", message)]}
