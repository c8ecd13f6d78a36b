# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_backup_inventory: one host's newest good backup per mode, in one host call."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import _transport_errors, run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._report import (
    destination_folders,
    entries_from_listing,
    folders_from_host,
    host_inventory,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._retention import resolve_min_bytes


class ActionModule(AlteryxAction):
    WRITES_RUN_LOG = False  # a report is not a backup run: it has no host log
    ARGUMENT_SPEC = {
        "local_dir": {"type": "str", "required": True},
        "network_paths": {"type": "list", "elements": "str", "default": []},
        "cluster": {"type": "str", "default": ""},
        "host_folder": {"type": "str", "default": ""},
        "min_bytes": {"type": "dict", "default": {}},
        "verify": {"type": "bool", "default": False},
    }

    def step(self, args, task_vars):
        try:
            resolve_min_bytes(args["min_bytes"])
        except ValueError as exc:
            raise AlteryxStepError(f"invalid min_bytes: {exc}", "validation") from exc
        host = task_vars.get("inventory_hostname", "")
        host_folder = args["host_folder"] or (f"{args['cluster']}\\{host}" if args["cluster"] else host)
        folders = [args["local_dir"], *destination_folders(args["network_paths"], host_folder)]
        try:
            listed = run_script(self, "alteryx_backup_inventory", {"Folders": folders, "Verify": args["verify"]},
                                task_vars, step="backup inventory")
        except AlteryxStepError as exc:
            # run_script turns a lost connection into a step failure (the backup role's rescue needs that); for a
            # report it is an unreachable host. Only a transport error is the context of such an error.
            lost = exc.__context__
            if isinstance(lost, _transport_errors()):
                return {"unreachable": True, "changed": False,
                        "msg": f"the host could not be reached to list its backups ({type(lost).__name__}: {lost})"}
            raise
        try:
            entries = entries_from_listing(listed["listing"])
            folder_states = folders_from_host(listed["folders"])
        except (KeyError, ValueError) as exc:
            raise AlteryxStepError(f"unexpected inventory from the host: {exc}", "general") from exc
        inventory = host_inventory(entries, args["min_bytes"])
        warnings = [f"{f['path']} could not be listed: {f['error']}" for f in folder_states if f["error"]]
        warnings += [f"{f['path']} does not exist or is not reachable" for f in folder_states[1:] if not f["exists"]]
        return {"changed": False, **inventory, "folders": folder_states, "verified": args["verify"],
                "warnings": warnings}
