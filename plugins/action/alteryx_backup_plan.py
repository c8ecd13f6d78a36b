# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_backup_plan: validate the mode and name everything a run creates."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._plan import plan_run


class ActionModule(AlteryxAction):
    _requires_connection = False
    ARGUMENT_SPEC = {
        "mode": {"type": "str", "required": True},
        "local_dir": {"type": "str", "required": True},
        "network_paths": {"type": "list", "elements": "str", "default": []},
        "log_dir": {"type": "str", "default": ""},
        "host_folder": {"type": "str", "required": True},
        "min_bytes": {"type": "dict", "default": {}},
    }

    def step(self, args, task_vars):
        plan = plan_run(mode=args["mode"], when=datetime.now(), local_dir=args["local_dir"],
                        network_paths=args["network_paths"], log_dir=args["log_dir"],
                        host_folder=args["host_folder"], min_bytes=args["min_bytes"])
        return {"changed": False, **plan}
