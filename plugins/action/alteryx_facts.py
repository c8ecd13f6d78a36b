# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_facts: read the node's Alteryx installation.

The host script redacts every secret in RuntimeSettings.xml before it replies (see _runtime_settings), so
neither the raw reply (printed by ANSIBLE_DEBUG=1) nor this result ever holds one.
"""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._critical_files import alteryx_config_path
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._quiet import quiet
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry
from ansible_collections.alteryx.server.plugins.plugin_utils._runtime_settings import (
    effective_settings,
    override_warnings,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._service_states import normalize_state


class ActionModule(AlteryxAction):
    WRITES_RUN_LOG = False  # before the log folder is checked against the installation (preflight)
    ARGUMENT_SPEC = {"service_name": {"type": "str", "default": "AlteryxService"}}

    def step(self, args, task_vars):
        raw = run_script(self, "alteryx_facts", {"ServiceName": args["service_name"]}, task_vars, step="facts")
        settings = effective_settings(raw["default_settings_xml"], raw.get("override_settings_xml"))
        warnings = override_warnings(raw.get("override_path", ""), bool(raw.get("override_exists")),
                                     bool(raw.get("override_empty"))) + list(raw.get("_warnings") or [])
        service = {**raw["service"], "state": normalize_state(raw["service"]["state"]),
                   "start_mode": str(raw["service"]["start_mode"]).lower()}
        facts = {
            "computer_name": raw["computer_name"],
            "windows_version": raw["windows_version"],
            "current_user": raw["current_user"],
            "is_admin": raw["is_admin"],
            "version": raw["version"],
            "install_dir": raw["install_dir"],
            "install_time_utc": raw["install_time_utc"],
            "exe_path": service["path"],
            "service": service,
            "service_logon_account": service["username"],
            "roles": settings["roles"],
            "setup_type": settings["setup_type"],
            "mongodb": {
                "type": settings["mongodb_type"],
                "data_path": settings["mongodb_data_path"],
                "port": settings["mongodb_port"],
                "server": settings["mongodb_server"],
                "database": settings["mongodb_database"],
                "user": settings["mongodb_user"],
                "has_advanced_connection": settings["mongodb_has_advanced_connection"],
            },
            "persistence": {"type": settings["persistence_type"], "path": settings["persistence_path"]},
            "controller_server": settings["controller_server"],
            "run_as_user": settings["run_as_user"],
            "has_server_secret": settings["has_server_secret"],
            "has_storage_keys": settings["has_storage_keys"],
            "alteryx_config_path": alteryx_config_path(raw["install_dir"], raw["version"]),
            "alteryx_config": raw.get("alteryx_config") or [],
            "legacy_settings_present": raw["legacy_settings_present"],
            "keys_present": raw["keys_present"],
            "local_time": raw["local_time"],
        }
        message = (f"Alteryx Server {facts['version']} on {facts['computer_name']}: roles "
                   f"{', '.join(facts['roles']) or 'none'}, persistence {facts['persistence']['type']}, "
                   f"service {service['state']}")
        # The facts once, as the host fact alteryx_server (a registered result reads them under ansible_facts).
        return quiet({"changed": False, "ansible_facts": {"alteryx_server": facts}, "msg": message,
                      "warnings": warnings, "log": [entry("INFO", message)] + [entry("WARNING", w) for w in warnings]},
                     task_vars.get("inventory_hostname", ""))
