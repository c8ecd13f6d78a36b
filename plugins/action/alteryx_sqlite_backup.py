# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_sqlite_backup: copy the SQLite persistence while the service is stopped."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.action.alteryx_emongodump import DumpWindowAction
from ansible_collections.alteryx.server.plugins.plugin_utils._dump_window import LABELS, WINDOW_SPEC

DEFAULT_SQLITE_PATH = "C:\\ProgramData\\Alteryx\\Service\\Persistence"


class ActionModule(DumpWindowAction):
    METHOD = "copy"
    LABEL = LABELS[METHOD]
    ARGUMENT_SPEC = {
        **WINDOW_SPEC,
        "source_path": {"type": "str", "default": DEFAULT_SQLITE_PATH},
        # The running service holds its SQLite databases open: the copy is only consistent (and only possible)
        # while it is stopped.
        "stop_service": {"type": "bool", "default": True},
    }

    def method_parameters(self, args, task_vars):
        return {"SourcePath": args["source_path"]}

    def describe(self, args, parameters):
        return f"copy the SQLite persistence {args['source_path']} into {args['dump_path']}"
