# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_restore_mongodb: mongorestore of a self-managed MongoDB, judged from its log."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._mongo_check import check_mongodb
from ansible_collections.alteryx.server.plugins.plugin_utils._mongo_connection import resolve_connection, scrub
from ansible_collections.alteryx.server.plugins.plugin_utils._mongorestore import judge_mongorestore, mongorestore_plan
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry

DEFAULT_MONGORESTORE = "C:\\Program Files\\MongoDB\\Tools\\100\\bin\\mongorestore.exe"


class ActionModule(AlteryxAction):
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "archive": {"type": "str", "required": True},
        "manifest": {"type": "dict", "required": True},
        "run_id": {"type": "str", "required": True},
        "facts": {"type": "dict", "default": {}},
        "connection_string": {"type": "str", "default": ""},
        "host": {"type": "str", "default": ""},
        "port": {"type": "int", "default": 27017},
        "auth_database": {"type": "str", "default": "admin"},
        "username": {"type": "str", "default": ""},
        "password": {"type": "str", "default": "", "no_log": True},
        "drop": {"type": "bool", "default": True},
        "login_check": {"type": "str", "default": "controller", "choices": ["controller", "none"]},
        "mongorestore_path": {"type": "str", "default": DEFAULT_MONGORESTORE},
        "service_name": {"type": "str", "default": "AlteryxService"},
        "max_service_wait": {"type": "int", "default": 7200},
        "job_timeout": {"type": "int", "default": 21600},
    }

    def step(self, args, task_vars):
        password = args["password"]
        try:
            plan = mongorestore_plan(args["manifest"], args["archive"], args["run_id"])
        except ValueError as exc:
            raise AlteryxStepError(f"Cannot restore the database: {exc}", "validation", {"changed": False}) from None
        if any(c in password for c in "\r\n\0"):
            raise AlteryxStepError("password: a line break or NUL cannot be passed to mongorestore", "validation",
                                   {"changed": False})
        connection = resolve_connection((args["facts"] or {}).get("mongodb") or {}, {
            "connection_string": args["connection_string"], "host": args["host"], "port": args["port"],
            "database": [], "auth_database": args["auth_database"], "username": args["username"]})
        plan = {**plan, "server": connection["display"], "drop": args["drop"]}
        if args["login_check"] == "controller" and not self._task.check_mode:
            self._check_login(connection, password)
        if self._task.check_mode:
            what = "dropping each collection first" if args["drop"] else "adding to the collections there"
            return {"changed": True, "plan": plan, "log": [entry(
                "INFO", f"Would restore {plan['expected_documents']} document(s) into {connection['display']}, {what}")]}
        raw = run_script(self, "alteryx_restore_database", {
            "Phase": "restore", "Method": "mongorestore", "Archive": args["archive"],
            "StagingPath": plan["staging_path"], "MongorestorePath": args["mongorestore_path"],
            "Uri": connection["uri"], "Username": connection["username"],
            "AuthDatabase": connection["auth_database"], "Drop": args["drop"], "Gzip": plan["gzip"],
            "ServiceName": args["service_name"], "MaxServiceWait": args["max_service_wait"],
        }, task_vars, async_timeout=args["job_timeout"], step="database restore", sensitive={"Password": password})
        verdict = judge_mongorestore(raw, plan["collections"])
        facts = {"plan": plan, "restored_documents": verdict["restored"], "failed_documents": verdict["failed"],
                 "problems": [scrub(p, [password]) for p in verdict["problems"]],
                 "restore_log": scrub(str(raw.get("restore_log") or ""), [password]) or None,
                 "final_state": raw.get("final_state")}
        if not verdict["ok"]:
            raise AlteryxStepError(
                f"The mongorestore into {connection['display']} is not sound: {'; '.join(facts['problems'][:5])}. "
                + self._advice(args["drop"]), "mongodb", {**facts, "changed": True})
        log = [entry("INFO", f"Restored {verdict['restored']} document(s) into {connection['display']}")]
        return {**facts, "changed": True, "log": log}

    @staticmethod
    def _advice(drop: bool) -> str:
        if drop:
            return ("The collections of the dump were dropped first, so they may now hold part of the backup: fix "
                    "the cause (see restore_log) and run the restore again, or restore the safety backup.")
        return ("Nothing was dropped (drop: false): documents that were already there stay as they were and those "
                "with the same _id were not replaced; set drop: true to replace the data with the backup's.")

    def _check_login(self, connection, password):
        # A wrong password must fail before anything is extracted or stopped (check_mongodb's messages say what to
        # fix and never hold the password).
        try:
            check_mongodb(connection, password)
        except AlteryxStepError as exc:
            raise AlteryxStepError(f"{scrub(exc.msg, [password]).rstrip('.')}. Nothing was restored and the service "
                                   "was not touched.", exc.failure_class, {"changed": False}) from None
