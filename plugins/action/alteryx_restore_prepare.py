# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_restore_prepare: what a restore does besides files and data, decided before
anything stops - where the controller token is, the logon accounts, whether the archive comes from another host.
Runs on the controller only (no host call)."""

from __future__ import annotations

import os

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host_rename import check_name
from ansible_collections.alteryx.server.plugins.plugin_utils._restore import SCOPES
from ansible_collections.alteryx.server.plugins.plugin_utils._restore_plan import (
    account_warnings,
    recovery_plan,
    token_source,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    _requires_connection = False
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "manifest": {"type": "dict", "required": True},
        "scope": {"type": "str", "required": True, "choices": list(SCOPES)},
        "facts": {"type": "dict", "required": True},
        "secrets_key": {"type": "str", "default": ""},
        "source_host": {"type": "str", "default": ""},
        "target_host": {"type": "str", "default": ""},
    }

    def step(self, args, task_vars):
        try:
            token = token_source(args["manifest"], args["scope"], args["secrets_key"])
        except ValueError as exc:
            raise AlteryxStepError(f"Nothing was touched: {exc}.", "validation", {"changed": False}) from None
        key = args["secrets_key"]
        if token["kind"] == "cms" and not os.access(os.path.expanduser(key), os.R_OK):
            raise AlteryxStepError(f"Nothing was touched: the private key {key} (alteryx_restore_secrets_key) cannot "
                                   "be read on the machine running Ansible.", "validation", {"changed": False})
        recovery = recovery_plan(args["manifest"], args["facts"], source_host=args["source_host"],
                                 target_host=args["target_host"])
        if recovery["disaster_recovery"]:
            try:
                check_name(recovery["source_host"], "alteryx_restore_source_host")
                check_name(recovery["target_host"], "alteryx_restore_target_host")
            except ValueError as exc:
                raise AlteryxStepError(f"Nothing was touched: {exc}.", "validation", {"changed": False}) from None
        warnings = account_warnings(args["manifest"], args["facts"], args["scope"]) + recovery["warnings"]
        said = {"cms": "encrypted, set with the given private key", "plaintext": "in plaintext, set from the archive",
                "": "none to set"}[token["kind"]]
        log = [entry("INFO", f"Controller token: {said}"
                             + (f"; disaster recovery from {recovery['source_host']} onto {recovery['target_host']}"
                                if recovery["disaster_recovery"] else ""))]
        log += [entry("WARNING", w) for w in warnings]
        return {"changed": False, "token": token, **recovery, "log": log,
                **({"warnings": warnings} if warnings else {})}
