# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_manifest: build, validate and write BackupManifest.json."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._manifest import (
    MANIFEST_NAME,
    build_manifest,
    dump_advice,
    manifest_json,
    persistence_type,
    validate_manifest,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._manifest_signature import (
    SIGNATURE_NAME,
    SignatureError,
    sign_manifest,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "staging_path": {"type": "str", "required": True},
        "mode": {"type": "str", "required": True},
        "archive_name": {"type": "str", "required": True},
        "run_id": {"type": "str", "required": True},
        "started": {"type": "str", "required": True},
        "facts": {"type": "dict", "required": True},
        "dump": {"type": "dict", "default": {}},
        "dump_from": {"type": "str", "default": ""},
        "files": {"type": "list", "elements": "dict", "default": []},
        "directories": {"type": "list", "elements": "dict", "default": []},
        "missing": {"type": "list", "elements": "dict", "default": []},
        "secrets_exported": {"type": "dict", "default": {}},
        "preflight": {"type": "dict", "default": {}},
        "validation_results": {"type": "list", "elements": "dict", "default": []},
        "warnings": {"type": "list", "elements": "str", "default": []},
        "errors": {"type": "list", "elements": "str", "default": []},
        "signing_key": {"type": "str", "default": ""},
        "signing_key_passphrase": {"type": "str", "default": "", "no_log": True},
    }

    def step(self, args, task_vars):
        facts = args["facts"]
        dump = self.registered(task_vars, args["dump_from"], "dump_from") if args.get("dump_from") else args["dump"]
        key_pem = self._signing_key(args.get("signing_key", ""))  # before anything is written: a bad key fails the run early
        try:
            started = datetime.fromisoformat(args["started"])
        except ValueError as exc:
            raise AlteryxStepError(f"started must be an ISO date and time: {exc}", "validation") from exc
        try:
            manifest = build_manifest(
                mode=args["mode"], archive_name=args["archive_name"], run_id=args["run_id"], started=started,
                facts=facts, dump=dump, files=args["files"], directories=args["directories"],
                missing=args["missing"], secrets_exported=args["secrets_exported"], preflight=args["preflight"],
                validation_results=args["validation_results"], warnings=args["warnings"], errors=args["errors"],
                windows_version=self._windows_version(facts, task_vars),
                performed_by=self._performed_by(facts, task_vars), check_mode=bool(self._task.check_mode))
        except (KeyError, TypeError) as exc:
            raise AlteryxStepError(f"a step result passed to the manifest lacks {exc}: pass the registered "
                                   "results of the facts, dump and critical files steps as they are", "validation") from exc
        validate_manifest(manifest)
        path = args["staging_path"].rstrip("\\") + "\\" + MANIFEST_NAME
        failed = [c for c in manifest["Extensions"]["ValidationChecks"] if c["Check"] == "mongodb_dump" and not c["Passed"]]
        if failed:
            # An archive that should hold the database and does not is a failed backup, never a success.
            message = f"MongoDB dump check failed: {failed[0]['Detail']}. {dump_advice(args['mode'], persistence_type(facts))}"
            raise AlteryxStepError(message, "mongodb", {"manifest": manifest, "path": path,
                                                        "log": [entry("ERROR", message)]})
        files, dumped = manifest["BackedUpFiles"], manifest["Extensions"]["MongoDB"]["DumpFiles"]
        summary = (f"Manifest lists {len(files)} file/folder entr{'y' if len(files) == 1 else 'ies'} and "
                   f"{len(dumped)} MongoDB dump file(s), {manifest['MongoDBInformation']['BackupSizeMB']} MB of database")
        log = [entry("ERROR", e) for e in manifest["Errors"][len(args["errors"]):]]
        text = manifest_json(manifest)
        signed = self._sign(text, key_pem, args.get("signing_key_passphrase", ""))
        signature = {"signed": signed is not None, "key_id": signed["key_id"] if signed else "",
                     "path": path + ".sig" if signed else ""}
        if self._task.check_mode:
            would = f" and sign it with key {signed['key_id']}" if signed else ""
            return {"changed": True, "manifest": manifest, "path": path, "signature": signature,
                    "log": log + [entry("INFO", "Would write: " + summary + would)]}
        written = run_script(self, "alteryx_write_file", {"Path": path, "Content": text}, task_vars, step="manifest")
        if signed:
            if written["sha256"] != signed["manifest_sha256"]:
                # The node wrote other bytes than were signed: the archive would fail every signature check.
                raise AlteryxStepError(f"{path} on the node has SHA256 {written['sha256']}, the signed manifest "
                                       f"{signed['manifest_sha256']}: the file was not written as sent", "storage",
                                       {"manifest": manifest, "path": path})
            run_script(self, "alteryx_write_file", {"Path": signature["path"], "Content": signed["content"]},
                       task_vars, step="manifest signature")
            summary += f"; signed with Ed25519 key {signed['key_id']} ({SIGNATURE_NAME})"
        return {"changed": True, "manifest": manifest, "path": path, "sha256": written["sha256"],
                "signature": signature, "log": log + [entry("INFO", summary)]}

    def _signing_key(self, path):
        """The PEM bytes of the signing key on the controller (None when no key is set). Only read here, never
        sent to the node."""
        if not path:
            return None
        try:
            return self.controller_file(path, 64 * 1024)
        except OSError as exc:
            raise AlteryxStepError(f"Cannot read the manifest signing key {path} on the controller: "
                                   f"{exc.strerror or exc}", "validation") from None

    @staticmethod
    def _sign(text, key_pem, passphrase):
        if key_pem is None:
            return None
        try:
            return sign_manifest(text, key_pem, passphrase or None)
        except SignatureError as exc:
            raise AlteryxStepError(f"Cannot sign the manifest: {exc}", "validation") from None

    @staticmethod
    def _windows_version(facts, task_vars):
        """The node's OS caption: from the facts when they carry it, else from gathered Ansible facts, else ''."""
        gathered = task_vars.get("ansible_facts") or {}
        return str(facts.get("windows_version") or gathered.get("os_name") or gathered.get("distribution") or "")

    def _performed_by(self, facts, task_vars):
        """The account the steps run as on the node: from the facts when they carry it, else the become or
        connection user Ansible uses (the identity WinRM runs the steps under), else ''."""
        if facts.get("current_user"):
            return str(facts["current_user"])
        context = getattr(self, "_play_context", None)
        if getattr(context, "become", False) and getattr(context, "become_user", None):
            return str(context.become_user)
        return str(getattr(context, "remote_user", None) or task_vars.get("ansible_user") or "")
