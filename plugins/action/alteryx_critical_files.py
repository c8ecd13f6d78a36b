# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_critical_files: stage the node's critical files and secrets."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._critical_files import plan_items
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry
from ansible_collections.alteryx.server.plugins.plugin_utils._secret_box import CMS_FORMAT, load_recipient, secrets_plan


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "facts": {"type": "dict", "required": True},
        "staging_path": {"type": "str", "required": True},
        "keys_required": {"type": "bool", "default": False},
        "export_secrets": {"type": "bool", "default": True},
        # The certificate (public) the secrets are encrypted to: a path on the controller or the PEM text.
        "secrets_recipient": {"type": "str", "default": ""},
        "secrets_plaintext_allowed": {"type": "bool", "default": False},
    }

    def step(self, args, task_vars):
        plan = plan_items(args["facts"], keys_required=args["keys_required"])
        export = plan["export_secrets"] and args["export_secrets"]
        secrets = self._secrets(args, export)
        if self._task.check_mode:
            return {"changed": True, "plan": plan["items"], "files": [], "directories": [], "missing": [], "warnings": [],
                    "secrets_exported": {"server_secret": False, "mongo_passwords": False, "encryption": None},
                    "log": [entry("INFO", f"Would stage {len(plan['items'])} item(s); export secrets: {export}"
                                          + (" (encrypted)" if export and secrets["encrypted"] else ""))]}
        result = run_script(self, "alteryx_stage_files", {
            "StagingPath": args["staging_path"], "Items": plan["items"], "ExportSecrets": export,
            "ExePath": args["facts"].get("exe_path", ""), "RecipientPem": secrets["pem"],
        }, task_vars, step="critical files")
        warnings = [f"Optional item {m['source']} is missing on this node: not backed up" for m in result["missing"]]
        warnings += [secrets["warning"]] if export and secrets["warning"] else []
        log = [entry("INFO", f"Staged {len(result['files'])} file(s) from {len(plan['items'])} planned item(s)")]
        log += [entry("INFO", f"Backed up {f.get('source_path') or 'exported value'} as {f['archive_path']} "
                              f"({f.get('size', 0)} bytes)") for f in result["files"]]
        log += [entry("INFO", note) for note in plan["notes"]]
        log += [entry("WARNING", w) for w in warnings]
        encryption = _encryption(secrets, result["files"]) if export else None
        if export:
            how = (f"encrypted to {encryption['Recipient']['Subject']} ({encryption['Recipient']['Thumbprint']})"
                   if encryption else "in plaintext")
            log.append(entry("INFO", f"Controller token and MongoDB passwords exported to Secrets/ {how} "
                                     "(values not logged)"))
        exported = {"server_secret": result["server_secret_exported"], "mongo_passwords": result["mongo_passwords_exported"],
                    "encryption": encryption}
        return {"changed": result["_changed"], "plan": plan["items"], "files": result["files"],
                "directories": result["directories"], "missing": result["missing"], "secrets_exported": exported,
                "warnings": warnings, "log": log}

    def _secrets(self, args, export):
        """The run's secrets plan (see _secret_box.secrets_plan) and ``pem``, the certificate text for the host.

        A controller that would export secrets unencrypted without leave fails validation here too: the role refuses
        it before anything stops, this guards direct use of the module."""
        try:
            pem = load_recipient(args["secrets_recipient"], self.controller_file)
        except ValueError as exc:
            raise AlteryxStepError(str(exc), "validation") from None
        secrets = secrets_plan(mode_exports=True, export_secrets=export, recipient_pem=pem,
                               plaintext_allowed=args["secrets_plaintext_allowed"])
        if secrets["refusal"]:
            raise AlteryxStepError(secrets["refusal"], "validation")
        return {**secrets, "pem": pem if export else ""}


def _encryption(secrets, files):
    """The manifest's ``Extensions.SecretsEncryption``: format, recipient and the encrypted files, or None."""
    if not secrets["encrypted"]:
        return None
    recipient = secrets["recipient"]
    return {"Format": CMS_FORMAT,
            "Recipient": {"Subject": recipient["subject"], "Thumbprint": recipient["thumbprint"],
                          "NotAfter": recipient["not_after"]},
            "Files": [f["archive_path"] for f in files if f.get("category") == "secret"]}
