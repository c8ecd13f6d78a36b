# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_manifest: build, validate and write BackupManifest.json."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._manifest import (
    build_manifest,
    manifest_json,
    validate_manifest,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry

COLLECTION_VERSION = "0.1.0"


class ActionModule(AlteryxAction):
    ARGUMENT_SPEC = {
        "staging_path": {"type": "str", "required": True},
        "mode": {"type": "str", "required": True},
        "archive_name": {"type": "str", "required": True},
        "run_id": {"type": "str", "required": True},
        "started": {"type": "str", "required": True},
        "facts": {"type": "dict", "required": True},
        "dump": {"type": "dict", "default": {}},
        "files": {"type": "list", "elements": "dict", "default": []},
        "secrets_exported": {"type": "dict", "default": {}},
        "validation_results": {"type": "list", "elements": "dict", "default": []},
        "warnings": {"type": "list", "elements": "str", "default": []},
        "errors": {"type": "list", "elements": "str", "default": []},
    }

    def step(self, args, task_vars):
        facts = args["facts"]
        dump = args["dump"] or {}
        try:
            started = datetime.fromisoformat(args["started"])
        except ValueError as exc:
            raise AlteryxStepError(f"started must be an ISO date and time: {exc}", "validation") from exc
        dump_files = [{"archive_path": "MongoDB/" + f["path"].replace("\\", "/"), "category": "mongodb",
                       "source_path": f"{dump.get('dump_path', '')}\\{f['path']}", "size": f["size"],
                       "sha256": f["sha256"]} for f in dump.get("files") or []]
        manifest = build_manifest(
            mode=args["mode"], archive_name=args["archive_name"], backup_id=args["run_id"], timestamp=started,
            computer_name=facts["computer_name"], collection_version=COLLECTION_VERSION,
            duration_seconds=max(0.0, (datetime.now() - started).total_seconds()),
            alteryx_version=facts["version"], install_path=facts["install_dir"], node_roles=facts["roles"],
            service_logon_account=facts["service_logon_account"], run_as_user=facts["run_as_user"],
            mongodb={"type": facts["mongodb"]["type"], "data_path": facts["mongodb"]["data_path"],
                     "included": bool(dump_files), "databases": dump.get("databases") or []},
            files=dump_files + list(args["files"]),
            controller_settings={
                "server_secret_exported": bool(args["secrets_exported"].get("server_secret")),
                "mongo_passwords_exported": bool(args["secrets_exported"].get("mongo_passwords")),
                "storage_keys_present": bool(facts.get("has_storage_keys")),
            },
            validation_results=args["validation_results"], warnings=args["warnings"], errors=args["errors"],
        )
        validate_manifest(manifest)
        path = args["staging_path"].rstrip("\\") + "\\BackupManifest.json"
        summary = f"Manifest lists {len(manifest['BackedUpFiles'])} file(s), {manifest['ArchiveInformation']['TotalBytes']} bytes"
        if self._task.check_mode:
            return {"changed": True, "manifest": manifest, "path": path, "log": [entry("INFO", "Would write: " + summary)]}
        written = run_script(self, "alteryx_write_file", {"Path": path, "Content": manifest_json(manifest)}, task_vars,
                             step="manifest")
        return {"changed": True, "manifest": manifest, "path": path, "sha256": written["sha256"],
                "log": [entry("INFO", summary)]}
