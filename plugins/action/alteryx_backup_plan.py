# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_backup_plan: check the settings and mode, name everything a run creates."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._plan import configuration_summary, plan_run
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry, spool_add, spool_prune
from ansible_collections.alteryx.server.plugins.plugin_utils._settings import validate_settings


class ActionModule(AlteryxAction):
    _requires_connection = False
    ARGUMENT_SPEC = {
        "mode": {"type": "str", "required": True},
        "local_dir": {"type": "str", "default": ""},
        "network_paths": {"type": "list", "elements": "str", "default": []},
        "log_dir": {"type": "str", "default": ""},
        "host_folder": {"type": "str", "required": True},
        "min_bytes": {"type": "dict", "default": {}},
        # Raw on purpose: every check of a setting happens in validate_settings, which reports all
        # problems at once with failure_class validation instead of Ansible's first type error.
        "settings": {"type": "dict", "default": {}},
    }

    def step(self, args, task_vars):
        # The older single options are the fallback; the same setting inside ``settings`` wins.
        raw = {"local_path": args["local_dir"], "network_paths": args["network_paths"], "log_path": args["log_dir"],
               "min_archive_bytes": args["min_bytes"], **args["settings"]}
        settings = validate_settings(raw)
        plan = plan_run(mode=args["mode"], when=datetime.now(), local_dir=settings["local_path"],
                        network_paths=settings["network_paths"], log_dir=settings["log_path"],
                        host_folder=args["host_folder"], min_bytes=settings["min_archive_bytes"],
                        temp_dir=settings.get("temp_path", ""))
        log = [entry("INFO", configuration_summary(plan, settings))]
        if not self._task.check_mode:
            spool_prune()
            spool_add(plan["run_id"], log)  # the host log's first line, written by the run's first host call
        return {"changed": False, **plan, "settings": settings, "log": log}
