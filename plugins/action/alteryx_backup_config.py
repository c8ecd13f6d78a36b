# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_backup_config: read backup-config.json on the controller, map it to settings."""

from __future__ import annotations

import os
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._config import MAX_CONFIG_BYTES, load_config
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError


class ActionModule(AlteryxAction):
    _requires_connection = False
    ARGUMENT_SPEC = {
        "path": {"type": "str", "default": ""},
        "default_path": {"type": "list", "elements": "str", "default": []},
    }

    def _candidates(self, path: str) -> list[str]:
        """Where ``path`` may be: as given when absolute, else next to the playbook, then below the working folder."""
        path = os.path.expanduser(path.strip())
        if os.path.isabs(path):
            return [os.path.normpath(path)]
        found = [os.path.normpath(self._loader.path_dwim(path)), os.path.abspath(path)]
        return list(dict.fromkeys(found))

    def _read(self, path: str) -> bytes:
        try:
            with open(path, "rb") as handle:
                return handle.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise AlteryxStepError(f"{path}: the backup configuration file cannot be read: {exc.strerror or exc}",
                                   "validation") from None

    def step(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        source = ""
        if args["path"].strip():
            tried = self._candidates(args["path"])
            source = next((path for path in tried if os.path.isfile(path)), "")
            if not source:
                folders = [path for path in tried if os.path.isdir(path)]
                what = f"is a folder, not a file: {folders[0]}" if folders else f"was not found (looked for {', '.join(tried)})"
                raise AlteryxStepError(f"The backup configuration file {args['path']} {what}; give the path of a "
                                       "backup-config.json file on the controller, or '' for none", "validation")
        else:
            defaults = [path for given in args["default_path"] if given.strip() for path in self._candidates(given)]
            source = next((path for path in defaults if os.path.isfile(path)), "")
        if not source:
            return {"changed": False, "settings": {}, "source": "", "warnings": []}
        loaded = load_config(self._read(source), source)
        return {"changed": False, "settings": loaded["settings"], "source": source, "warnings": loaded["warnings"]}
