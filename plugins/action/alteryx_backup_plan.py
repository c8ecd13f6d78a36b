# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_backup_plan: check the settings and mode, name everything a run creates."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._manifest_signature import (
    SIGNING_KEY_READ_LIMIT,
    SignatureError,
    signing_key_id,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._plan import configuration_summary, plan_run
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry, spool_add, spool_prune
from ansible_collections.alteryx.server.plugins.plugin_utils._secret_box import load_recipient, secrets_plan
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
        "settings_from_vars": {"type": "list", "elements": "str", "default": []},
        # The manifest signing key, loaded here so that a key that cannot be used fails before any node is touched.
        "signing_key": {"type": "str", "default": ""},
        "signing_key_passphrase": {"type": "str", "default": "", "no_log": True},
    }

    def step(self, args, task_vars):
        # The older single options are the fallback; the same setting inside ``settings`` wins.
        raw = {"local_path": args["local_dir"], "network_paths": args["network_paths"], "log_path": args["log_dir"],
               "min_archive_bytes": args["min_bytes"],
               **self._settings_from_vars(args.get("settings_from_vars") or [], task_vars), **args["settings"]}
        settings = validate_settings(raw)
        signing = self._signing(args["signing_key"], args["signing_key_passphrase"])
        plan = plan_run(mode=args["mode"], when=datetime.now(), local_dir=settings["local_path"],
                        network_paths=settings["network_paths"], log_dir=settings["log_path"],
                        host_folder=args["host_folder"], min_bytes=settings["min_archive_bytes"],
                        temp_dir=settings.get("temp_path", ""))
        log = [entry("INFO", configuration_summary(plan, settings))]
        if not self._task.check_mode:
            spool_prune()
            spool_add(plan["run_id"], log)  # the host log's first line, written by the run's first host call
        return {"changed": False, **plan, "settings": settings, "secrets": self._secrets(plan, settings),
                "signing": signing, "log": log}

    def _settings_from_vars(self, keys, task_vars):
        """{key: value of the variable alteryx_backup_<key>, templated} for each key whose variable is defined."""
        found = {}
        for key in keys:
            name = f"alteryx_backup_{key}"
            if name in task_vars:
                found[key] = self._templar.template(task_vars[name])
        return found

    def _signing(self, path, passphrase):
        """{enabled, key_id} of the manifest signing key at ``path`` on the controller (expanded like the manifest
        step does: ``~`` and relative to the playbook). Raises AlteryxStepError(validation) for a key that is
        missing, unreadable, not Ed25519 or whose passphrase is wrong."""
        if not path:
            return {"enabled": False, "key_id": ""}
        try:
            pem = self.controller_file(path, SIGNING_KEY_READ_LIMIT)
        except OSError as exc:
            raise AlteryxStepError(f"Cannot read the manifest signing key {path} on the controller: "
                                   f"{exc.strerror or exc}. Nothing was done on the node.", "validation") from None
        try:
            return {"enabled": True, "key_id": signing_key_id(pem, passphrase or None)}
        except SignatureError as exc:
            raise AlteryxStepError(f"Cannot use the manifest signing key {path}: {exc}. Nothing was done on the node.",
                                   "validation") from None

    def _secrets(self, plan, settings):
        """The secrets plan (_secret_box.secrets_plan): the certificate is read and checked before any host call."""
        try:
            pem = load_recipient(settings.get("secrets_recipient", ""), self.controller_file)
        except ValueError as exc:
            raise AlteryxStepError(f"{exc}. Nothing was done on the node.", "validation") from None
        return secrets_plan(mode_exports=plan["includes_files"], export_secrets=settings.get("export_secrets", True),
                            recipient_pem=pem, plaintext_allowed=settings.get("secrets_plaintext_allowed", False))
