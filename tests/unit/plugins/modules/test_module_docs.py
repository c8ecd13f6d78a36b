"""The module docs in plugins/modules/ match the action plugins in plugins/action/.

Every action plugin is documented by a docs-only ``plugins/modules/<name>.py`` (the ansible.windows
style for action-backed modules). These tests keep the two from drifting apart:

* the documented options equal the action's ``ARGUMENT_SPEC`` (names, type, elements, required,
  default, choices), and every option has a description and ``version_added``;
* DOCUMENTATION, EXAMPLES and RETURN parse as YAML, examples only call our modules by FQCN;
* every key a step returns - in a normal run and in check mode, with the host scripts replaced by
  canned results shaped like their contracts - is documented in RETURN (nested ``contains`` too),
  and RETURN documents nothing the action never returns.
"""

from __future__ import annotations

import ast
import copy
import importlib
import inspect
import json
import tempfile
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.playbook.task import Task

from ansible_collections.alteryx.server.plugins.plugin_utils import _manifest

REPO_ROOT = Path(__file__).resolve().parents[4]
ACTION_DIR = REPO_ROOT / "plugins" / "action"
MODULE_DIR = REPO_ROOT / "plugins" / "modules"
FRAGMENT_DIR = REPO_ROOT / "plugins" / "doc_fragments"
DATA_DIR = REPO_ROOT / "tests" / "unit" / "plugins" / "plugin_utils" / "data"
FQCN_PREFIX = "alteryx.server."
VERSION = "0.1.0"

ACTIONS = sorted(p.stem for p in ACTION_DIR.glob("*.py") if not p.name.startswith("_"))
# Keys that only a failed task carries (set by AlteryxAction.run or the job poller), never by step().
FAILURE_ONLY_KEYS = {"failure_class", "exit_code", "ansible_job_id"}
# Ansible's own result keys, not documented per module.
COMMON_KEYS = {"changed", "failed"}
TASK_KEYWORDS = set(Task.fattributes) | {"local_action"}


def _doc_strings(name: str) -> dict[str, str]:
    """DOCUMENTATION, EXAMPLES and RETURN of plugins/modules/<name>.py, read with ast (never imported)."""
    tree = ast.parse((MODULE_DIR / f"{name}.py").read_text(encoding="utf-8"))
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = node.targets[0].id
            if target in ("DOCUMENTATION", "EXAMPLES", "RETURN"):
                found[target] = ast.literal_eval(node.value)
    return found


def _fragment(slug: str) -> dict[str, Any]:
    """Our doc fragment ``alteryx.server.<file>[.<var>]`` from plugins/doc_fragments/, read with ast."""
    file, _, var = slug.removeprefix(FQCN_PREFIX).partition(".")
    tree = ast.parse((FRAGMENT_DIR / f"{file}.py").read_text(encoding="utf-8"))
    [cls] = [node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "ModuleDocFragment"]
    for node in cls.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets if isinstance(t, ast.Name)] == [
                (var or "DOCUMENTATION").upper()]:
            return yaml.safe_load(ast.literal_eval(node.value))
    raise AssertionError(f"doc fragment {slug} not found")


def _docs(name: str) -> dict[str, Any]:
    """The three doc strings as YAML; DOCUMENTATION with our fragments' options merged in as ansible-doc does.

    A module's own facets of an option win over the fragment's (ansible.utils.plugin_docs.merge_fragment).
    ansible.builtin fragments only add attributes, which these tests read from the module itself.
    """
    docs = {key: yaml.safe_load(text) for key, text in _doc_strings(name).items()}
    doc = docs.get("DOCUMENTATION") or {}
    for slug in doc.get("extends_documentation_fragment") or []:
        if slug.startswith(FQCN_PREFIX):
            options = doc["options"] = doc.get("options") or {}
            for option, facets in (_fragment(slug).get("options") or {}).items():
                options[option] = {**facets, **(options.get(option) or {})}
    return docs


def _action(name: str) -> Any:
    return importlib.import_module(f"ansible_collections.alteryx.server.plugins.action.{name}").ActionModule


def _canon(value: Any) -> str:
    """Compare values with their types: 5 != 5.0 and 1 != True."""
    return json.dumps(value, sort_keys=True)


def _normalized(option: dict[str, Any]) -> dict[str, str]:
    """The facets of an option that must agree between docs and ARGUMENT_SPEC, with Ansible's defaults."""
    return {
        "type": _canon(option.get("type", "str")),
        "elements": _canon(option.get("elements")),
        "required": _canon(bool(option.get("required", False))),
        "default": _canon(option.get("default")),
        "choices": _canon(option.get("choices")),
    }


def test_every_action_plugin_has_module_docs() -> None:
    assert ACTIONS, "no action plugins found"
    missing = [name for name in ACTIONS if not (MODULE_DIR / f"{name}.py").is_file()]
    assert not missing, f"action plugins without plugins/modules/<name>.py docs: {missing}"


def _is_python_module(path: Path) -> bool:
    """A real module that runs where Python does (offline verification on the controller), not docs only."""
    return "AnsibleModule(" in path.read_text(encoding="utf-8")


def test_every_docs_only_module_has_an_implementation() -> None:
    orphans = [p.stem for p in MODULE_DIR.glob("*.py")
               if p.name != "__init__.py" and p.stem not in ACTIONS and not p.with_suffix(".ps1").exists()
               and not _is_python_module(p)]
    assert not orphans, f"module docs with neither an action plugin nor a .ps1 module: {orphans}"


@pytest.mark.parametrize("name", ACTIONS)
def test_doc_strings_are_yaml(name: str) -> None:
    strings = _doc_strings(name)
    assert set(strings) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    for key, text in strings.items():
        assert isinstance(yaml.safe_load(text), (dict, list)), f"{name}.{key} is not a YAML mapping or list"


@pytest.mark.parametrize("name", ACTIONS)
def test_documentation_header(name: str) -> None:
    doc = _docs(name)["DOCUMENTATION"]
    assert doc["module"] == name
    assert str(doc["version_added"]) == VERSION
    assert doc["short_description"] and not doc["short_description"].endswith(".")
    assert doc["description"]
    assert doc["author"]
    assert doc["attributes"]["check_mode"]["support"] in ("full", "partial", "none")
    assert doc["attributes"]["check_mode"].get("details"), "check_mode needs details of what check mode does"
    assert doc["attributes"]["platform"]["platforms"] == "windows"
    text = (MODULE_DIR / f"{name}.py").read_text(encoding="utf-8")
    assert "# Copyright: alteryx.server maintainers" in text
    assert "GNU General Public License v3.0+" in text


@pytest.mark.parametrize("name", ACTIONS)
def test_options_match_argument_spec(name: str) -> None:
    spec = _action(name).ARGUMENT_SPEC
    options = _docs(name)["DOCUMENTATION"].get("options") or {}
    assert sorted(options) == sorted(spec), "documented options differ from ARGUMENT_SPEC"
    for option, argument in spec.items():
        assert _normalized(options[option]) == _normalized(argument), f"option {option} differs from ARGUMENT_SPEC"


@pytest.mark.parametrize("name", ACTIONS)
def test_options_have_description_and_version_added(name: str) -> None:
    for option, doc in (_docs(name)["DOCUMENTATION"].get("options") or {}).items():
        assert doc.get("description"), f"option {option} has no description"
        assert str(doc.get("version_added")) == VERSION, f"option {option} has no version_added: {VERSION}"


def _walk_return(entries: dict[str, Any], path: str = ""):
    for key, entry in entries.items():
        yield f"{path}{key}", entry
        if isinstance(entry.get("contains"), dict):
            yield from _walk_return(entry["contains"], f"{path}{key}.")


@pytest.mark.parametrize("name", ACTIONS)
def test_return_entries_are_complete(name: str) -> None:
    returns = _docs(name)["RETURN"]
    assert {"failure_class", "exit_code"} <= set(returns)
    assert "returned: failure" in _doc_strings(name)["RETURN"]
    for key, entry in _walk_return(returns):
        for field in ("description", "returned", "type"):
            assert entry.get(field) not in (None, ""), f"RETURN {key} has no {field}"
        if entry["type"] == "list":
            assert entry.get("elements"), f"RETURN {key} is a list without elements"
        if "contains" not in entry:
            assert "sample" in entry, f"RETURN {key} has no sample"


def _example_tasks(name: str) -> list[dict[str, Any]]:
    tasks = _docs(name)["EXAMPLES"]
    assert isinstance(tasks, list) and tasks, "EXAMPLES must be a non-empty list of tasks"
    return tasks


@pytest.mark.parametrize("name", ACTIONS)
def test_examples_use_fqcn(name: str) -> None:
    used = []
    for task in _example_tasks(name):
        assert isinstance(task, dict) and task.get("name"), f"example task without a name: {task}"
        actions = [key for key in task if key not in TASK_KEYWORDS]
        assert len(actions) == 1, f"example task {task['name']!r} must call exactly one module: {actions}"
        action = actions[0]
        short = action.rsplit(".", 1)[-1]
        if short in ACTIONS or action.startswith(FQCN_PREFIX):
            assert action == FQCN_PREFIX + short, f"{action} must be written as {FQCN_PREFIX}{short}"
        else:
            assert action.count(".") >= 2, f"example task {task['name']!r} calls {action} without FQCN"
        used.append(action)
    assert FQCN_PREFIX + name in used, f"EXAMPLES never call {FQCN_PREFIX}{name}"


# --- Every key a step returns is documented ------------------------------------------------------

SHA = "ab" * 32
FACTS = {
    "computer_name": "ALTERYX01",
    "is_admin": True,
    "version": "2023.1.1.247",
    "install_dir": "C:\\Program Files\\Alteryx",
    "install_time_utc": "2023-08-27T13:16:13+00:00",
    "exe_path": "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe",
    "service": {"name": "AlteryxService", "state": "running", "start_mode": "auto", "username": "CORP\\svc",
                "path": "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe"},
    "service_logon_account": "CORP\\svc",
    "roles": ["controller", "worker", "ui"],
    "setup_type": "Complete",
    "mongodb": {"type": "embedded", "data_path": "C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB",
                "port": 27018, "server": "", "database": "", "user": "", "has_advanced_connection": False},
    "controller_server": "",
    "run_as_user": "",
    "has_server_secret": True,
    "has_storage_keys": False,
    "alteryx_config_path": "C:\\Program Files\\Alteryx\\bin\\server\\config\\alteryx.config",
    "alteryx_config": [{"path": "C:\\Program Files\\Alteryx\\bin\\server\\config\\alteryx.config",
                        "last_write_utc": "2023-09-01T00:00:00+00:00"}],
    "legacy_settings_present": True,
    "keys_present": True,
    "local_time": "2024-01-31T02:00:00",
}
TRANSITION = {"service": "AlteryxService", "state": "stopped", "at_utc": "2024-01-31T01:00:00.0000000Z"}
DUMP_RESULT = {
    "transitions": [TRANSITION, {**TRANSITION, "state": "running"}], "downtime_seconds": 12.5,
    "initial_state": "running", "final_state": "running", "workflows_waited_seconds": 5, "workflows_killed": 0,
    "dump_path": "D:\\B\\x.staging\\MongoDB",
    "databases": [{"name": "AlteryxGallery", "collections": [{"name": "users", "documents": 3, "bytes": 900}]}],
    "files": [{"path": "AlteryxGallery\\users.bson", "size": 900, "sha256": SHA}],
}
# What alteryx_dump_window.ps1 returns for DUMP_RESULT: flat host facts, the verdict is the controller's.
DUMP_WINDOW = {
    **{k: v for k, v in DUMP_RESULT.items() if k != "databases"},
    "initial_state": "Running", "final_state": "Running", "workflows_running": 0,
    "transitions": [{**TRANSITION, "state": "Stopped"}, {**TRANSITION, "state": "Running"}],
    "exe_exit_code": 0, "exe_stdout": "EMongoDump completed.", "exe_stderr": "",
    "dump_log": "2024-01-31T01:00:01.000+0000\tdone dumping AlteryxGallery.users (3 documents)\n",
}
STAGED_FILE = {"archive_path": "Config/RuntimeSettings.xml", "source_path": "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml",
               "size": 819, "sha256": SHA, "category": "config", "last_modified": "2024-01-10T14:23:11Z"}
STAGED_DIRECTORY = {"archive_path": "Config/Keys", "source_path": "C:\\ProgramData\\Alteryx\\Keys", "file_count": 0,
                    "total_bytes": 0}


def _retention_script(params: dict[str, Any]) -> dict[str, Any]:
    # An expired DB archive protected by a newer expired one that needs a hash; a bad Full archive within retention.
    sidecars = {"ServerBackup_DB_20200101_000000.zip": (60000, ""),
                "ServerBackup_DB_20200102_000000.zip": (60000, f"{SHA}  ServerBackup_DB_20200102_000000.zip"),
                "ServerBackup_Full_20240130_000000.zip": (10, "")}
    return {"listing": [{"folder": folder, "name": name, "size": size, "has_sidecar": bool(line), "sidecar": line,
                         "has_manifest": True} for folder in params["Folders"] for name, (size, line) in sidecars.items()],
            "hashes": [{"path": path, "sha256": SHA, "error": ""} for path in params["Hash"]],
            "deleted": list(params["Delete"])}


# A Full archive with one configuration file, as alteryx_restore_check reads it on the node.
RESTORE_ARCHIVE = "D:\\B\\ServerBackup_Full_20240131_020000.zip"
RESTORE_MANIFEST = {"BackupMetadata": {"BackupMode": "Full"}, "BackedUpFiles": [
    {"FilePath": "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml", "RelativePathInArchive": "Config/RuntimeSettings.xml",
     "SizeBytes": 951, "SHA256": SHA}]}


# A DatabaseOnly archive's manifest: one collection of 180 documents, dumped as one file.
RESTORE_DB_MANIFEST = {"BackupMetadata": {"BackupMode": "DatabaseOnly"}, "BackedUpFiles": [], "Extensions": {"MongoDB": {
    "DataPath": "C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB",
    "Databases": [{"Name": "AlteryxGallery", "Collections": [{"Name": "apps", "Documents": 180, "Bytes": 9000}]}],
    "DumpFiles": [{"RelativePathInArchive": "MongoDB/AlteryxGallery/apps.bson", "SizeBytes": 9000, "SHA256": SHA}]}}}


# The same dump taken from a self-managed MongoDB, and a Scheduler-only controller's SQLite copy.
RESTORE_SM_MANIFEST = {**RESTORE_DB_MANIFEST, "MongoDBInformation": {"DeploymentType": "self-managed"}}
RESTORE_SQLITE_MANIFEST = {"BackupMetadata": {"BackupMode": "DatabaseOnly"}, "BackedUpFiles": [],
                           "MongoDBInformation": {"DeploymentType": "sqlite"}, "Extensions": {"MongoDB": {
                               "DataPath": "", "Databases": [], "DumpFiles": [
                                   {"RelativePathInArchive": "MongoDB/AlteryxService.db", "SizeBytes": 9000,
                                    "SHA256": SHA}]}}}


# Canned $Ansible.Result of each host script, shaped as its header comment's contract says.
SCRIPTS = {
    "alteryx_restore_secret": lambda params: (
        {"entry": params["Entry"], "content_base64": "MIIB", "size": 3} if params["Phase"] == "read"
        else {"exit_code": 0, "stdout": "Server secret set.", "length": 64}),
    "alteryx_restore_rename": lambda params: (
        {"values": [{"name": "Gallery/BaseAddress", "value": "http://alteryx01/gallery/"},
                    {"name": "Worker/ServerName", "value": None}], "mentions": ["BaseAddress", "SmtpServer"]}
        if params["Phase"] == "read" else
        {"path": params["Path"], "sha256": SHA, "edited": [e["name"] for e in params["Edits"]]}),
    "alteryx_facts": lambda params: {
        "computer_name": "ALTERYX01", "windows_version": "Microsoft Windows Server 2019 Standard",
        "current_user": "ALTERYX01\\svc-backup", "is_admin": True,
        "service": {**FACTS["service"], "state": "Running", "start_mode": "Auto"},
        "install_dir": FACTS["install_dir"], "version": FACTS["version"], "install_time_utc": FACTS["install_time_utc"],
        "default_settings_xml": (DATA_DIR / "runtime_defaults.xml").read_text(encoding="utf-8"),
        "override_settings_xml": (DATA_DIR / "runtime_override_full_node.xml").read_text(encoding="utf-8"),
        "alteryx_config": FACTS["alteryx_config"], "legacy_settings_present": False, "keys_present": True,
        "local_time": "2024-01-31T02:00:00",
    },
    "alteryx_preflight": lambda params: {
        "is_admin": True, "mongo_data_bytes": 10, "required_bytes": 20, "free_bytes": 1000,
        "destinations": [{"path": d, "writable": True, "error": ""} for d in params["Destinations"]],
        "lock_taken": True, "holder_run_id": "", "holder_controller_host": "", "holder_controller_pid": "",
        "holder_controller_started": "", "holder_started_utc": "", "holder_age_seconds": -1, "job_alive": False,
        "job_run_id": "", "job_expires_utc": "",
        "stale_run_id": "old", "stale_started_utc": "t", "stale_controller": "c",
        "cleaned": ["D:\\B\\old.staging"],
    },
    "alteryx_service_state": lambda params: {
        "name": params["Name"], "exists": True, "initial_state": "Running", "state": "Stopped",
        "transitions": [{**TRANSITION, "state": "Stopped"}],
        "running_workflows": 1, "workflows_waited_seconds": 5, "workflows_killed": 0,
    },
    "alteryx_dump_window": lambda params: copy.deepcopy(DUMP_WINDOW),
    "alteryx_stage_files": lambda params: {
        "files": [STAGED_FILE], "directories": [STAGED_DIRECTORY],
        "missing": [{"source": "C:\\ProgramData\\Alteryx\\Engine\\SystemAlias.xml", "required": False}],
        "server_secret_exported": True, "mongo_passwords_exported": False,
    },
    "alteryx_write_file": lambda params: {"path": params["Path"], "size": len(params["Content"]), "sha256": SHA},
    "alteryx_archive": lambda params: {
        "archive_path": "D:\\B\\a.zip", "archive_size": 4096, "archive_sha256": SHA, "archive_entries": 3,
        "uncompressed_bytes": 9000, "sidecar": "D:\\B\\a.zip.sha256",
        "manifest_copy": "D:\\B\\a.zip.manifest.json" if params["ManifestCopy"] else "",
        "manifest_copy_size": 5120 if params["ManifestCopy"] else 0,
        "manifest_copy_sha256": SHA if params["ManifestCopy"] else "",
        # The first destination gets its copy on the second try, any other fails all four.
        "copies": [{"path": d + "\\a.zip", "sha256": "" if i else SHA, "attempts": 4 if i else 2, "verified": not i,
                    "error": "The network path was not found" if i else ""}
                   for i, d in enumerate(params["Destinations"])],
        "published": ["D:\\B\\a.zip", "D:\\B\\a.zip.sha256", "D:\\B\\a.zip.manifest.json"],
        "attempts_log": ["copy to \\\\nas\\b failed on attempt 1 of 4 : busy", "copy to \\\\nas\\b succeeded on attempt 2"],
        "verified_entries": 2,
    },
    "alteryx_retention": _retention_script,
    # A good Full archive in the local folder, a newer one without sidecar; the network folder is missing.
    "alteryx_backup_inventory": lambda params: {
        "folders": [{"path": params["Folders"][0], "exists": True, "error": ""}]
        + [{"path": f, "exists": False, "error": ""} for f in params["Folders"][1:]],
        "listing": [{"folder": params["Folders"][0], "name": name, "size": 200000, "last_write_utc": written,
                     "has_sidecar": bool(line), "sidecar": line, "has_manifest": True, "has_manifest_copy": True,
                     "sha256": SHA if params["Verify"] and line else "", "hash_error": ""}
                    for name, written, line in (
                        ("ServerBackup_Full_20240130_020000.zip", "2024-01-30T02:10:00Z",
                         f"{SHA}  ServerBackup_Full_20240130_020000.zip"),
                        ("ServerBackup_Full_20240131_020000.zip", "2024-01-31T02:10:00Z", ""))]},
    "alteryx_tcp_check": lambda params: {"address": params["Address"], "port": params["Port"], "reachable": True,
                                         "elapsed_ms": 3, "error": ""},
    "alteryx_finalize": lambda params: {"log_path": params["LogPath"], "removed": [params["StagingPath"]],
                                        "lock_released": True, "window_waited_seconds": 0},
    "alteryx_restore_check": lambda params: {
        "archive": RESTORE_ARCHIVE, "archive_sha256": SHA, "sidecar": f"{SHA}  ServerBackup_Full_20240131_020000.zip\n",
        "manifest": json.dumps(RESTORE_MANIFEST),
        "entries": [{"name": "BackupManifest.json", "size": 400, "sha256": SHA},
                    {"name": "Config/RuntimeSettings.xml", "size": 951, "sha256": SHA}]},
    "alteryx_restore_database": lambda params: {
        "phase": params["Phase"], "extracted": 1 if params["Phase"] == "restore" else 0,
        "transitions": [{**TRANSITION, "state": "Stopped"}, TRANSITION] if params["Phase"] != "discard" else [],
        "final_state": "Running", "exe_exit_code": 0, "exe_stdout": "EMongoRestore completed.", "exe_stderr": "",
        "restore_log": (("2024-01-31T09:31:02.100+0000\tfinished restoring AlteryxGallery.apps (180 documents, 0 "
                         "failures)\n" if params.get("Method") == "mongorestore" else "")
                        + "2024-01-31T09:31:02.120+0000\t180 document(s) restored successfully. 0 document(s) failed "
                        "to restore.\n") if params["Phase"] == "restore" else None,
        "switched": params["Phase"] == "switch"},
    "alteryx_restore_config": lambda params: {"files": [
        {**f, "size": 951, "sha256": SHA, "safety_copy": f["path"] + ".pre-restore-" + params["RunId"]}
        for f in params["Files"]]},
}

# Values for the required options (and a few others) so that each step takes its full path.
ARGS: dict[str, dict[str, Any]] = {
    "alteryx_restore_prepare": {"manifest": {**RESTORE_MANIFEST, "SystemInformation": {"ServerHostname": "ALTERYX01"},
                                             "Extensions": {"ServiceLogonAccount": "CORP\\old", "RunAsUser": "CORP\\ra"}},
                                "scope": "Full", "facts": FACTS, "target_host": "dr01"},
    "alteryx_restore_secret": {"archive": RESTORE_ARCHIVE, "kind": "plaintext", "entry": "Secrets/ControllerToken.txt"},
    "alteryx_restore_rename": {"source_host": "alteryx01", "target_host": "dr01"},
    "alteryx_backup_config": {"path": str(DATA_DIR / "backup-config.json")},
    "alteryx_backup_plan": {"mode": "Full", "local_dir": "D:\\B", "host_folder": "node1",
                            "network_paths": ["\\\\nas\\b"]},
    "alteryx_facts": {},
    "alteryx_preflight": {"run_id": "r1", "local_dir": "D:\\B", "lock_path": "D:\\B\\.lock",
                          "staging_path": "D:\\B\\x.staging", "destinations": ["\\\\nas\\b\\node1"]},
    "alteryx_service_state": {"state": "stopped"},
    "alteryx_emongodump": {"dump_path": "D:\\B\\x.staging\\MongoDB"},
    "alteryx_critical_files": {"facts": FACTS, "staging_path": "D:\\B\\x.staging", "secrets_plaintext_allowed": True},
    "alteryx_manifest": {"staging_path": "D:\\B\\x.staging", "mode": "Full",
                         "archive_name": "ServerBackup_Full_20240131_020000.zip", "run_id": "r1",
                         "started": "2024-01-31T02:00:00", "facts": FACTS, "dump": DUMP_RESULT,
                         "files": [STAGED_FILE], "directories": [STAGED_DIRECTORY], "warnings": ["w"],
                         "missing": [{"source": "C:\\ProgramData\\Alteryx\\Engine\\SystemAlias.xml", "required": False}],
                         "preflight": {"free_bytes": 1000, "required_bytes": 20, "destinations": []},
                         "validation_results": [{"check": "preflight", "passed": True, "detail": ""}]},
    "alteryx_archive": {"staging_path": "D:\\B\\x.staging", "local_dir": "D:\\B", "archive_name": "a.zip",
                        "destinations": ["\\\\nas\\b\\node1", "\\\\dr\\b\\node1"],
                        "manifest": _manifest.build_manifest(
                            mode="Full", archive_name="ServerBackup_Full_20240131_020000.zip", run_id="r1",
                            started=datetime(2024, 1, 31, 2, 0, 0), facts=FACTS, dump=DUMP_RESULT,
                            files=[STAGED_FILE], directories=[STAGED_DIRECTORY])},
    "alteryx_cloud_upload": {"archive": {"path": "D:\\B\\a.zip", "size": 1, "sha256": SHA}},
    "alteryx_cloud_retention": {"retention_days": {"DB": 7}, "now": "2024-01-31T02:00:00"},
    "alteryx_retention": {"folders": ["D:\\B"], "retention_days": {"DB": 7}, "now": "2024-01-31T02:00:00"},
    "alteryx_backup_inventory": {"local_dir": "D:\\B", "network_paths": ["\\\\nas\\b"], "verify": True},
    # No host registered an inventory (all UNREACHABLE): the report is written, the task does not fail.
    "alteryx_backup_report": {"dest": str(Path(tempfile.gettempdir()) / "alteryx-report-docs-test"),
                              "fail_on_problem": False, "max_age_hours": {"Full": 26, "DB": 2}},
    "alteryx_finalize": {"run_id": "r1", "lock_path": "D:\\B\\.lock", "staging_path": "D:\\B\\x.staging",
                         "log_path": "D:\\B\\Logs\\x.log", "unpublish": ["D:\\B\\a.zip"],
                         "steps": [{"log": [{"time": "2024-01-31 02:00:00", "level": "INFO", "message": "m"}]},
                                   {"failed": True, "msg": "boom"}, "skipped"]},
    "alteryx_cluster_plan": {"mode": "Full"},
    "alteryx_restore_check": {"scope": "ConfigOnly"},
    "alteryx_restore_config": {"archive": RESTORE_ARCHIVE, "manifest": RESTORE_MANIFEST, "run_id": "r1"},
    "alteryx_restore_database": {"archive": RESTORE_ARCHIVE, "manifest": RESTORE_DB_MANIFEST, "run_id": "r1"},
    "alteryx_restore_mongodb": {"archive": RESTORE_ARCHIVE, "manifest": RESTORE_SM_MANIFEST, "run_id": "r1",
                                "host": "db1", "username": "alteryx", "password": "pw", "login_check": "none"},
    "alteryx_restore_sqlite": {"archive": RESTORE_ARCHIVE, "manifest": RESTORE_SQLITE_MANIFEST, "run_id": "r1"},
    "alteryx_mongodump": {"dump_path": "D:\\B\\x.staging\\MongoDB", "host": "db1"},
    "alteryx_sqlite_backup": {"dump_path": "D:\\B\\x.staging\\MongoDB"},
    # The handle alteryx_emongodump returns with wait: false on this host (TASK_VARS' inventory_hostname).
    "alteryx_dump_wait": {"job": {"ansible_job_id": "j1.42", "script": "alteryx_dump_window", "step": "dump window",
                                  "started": 1706666400.0, "timeout": 600, "poll_interval": 1.0, "no_log": False,
                                  "log_pending": -1, "method": "emongodump", "dump_path": "D:\\B\\x.staging\\MongoDB",
                                  "host": "worker1", "check_mode": False}},
    "alteryx_mongodb_check": {"check_from": "host", "host": "db1", "username": "alteryx", "password": "pw"},
    "alteryx_cluster_gate": {"cluster": "c1", "members": ["controller", "worker1"], "phase": "Stopping worker1"},
    # Disagreeing class and code: the result carries failure_class, exit_code and the warning about the code.
    "alteryx_fail": {"msg": "The share is offline", "failure_class": "storage", "exit_code": 5},
    # A failed host and an SMTP server that refuses at once (port 1 on loopback, no retry): warnings and every key.
    "alteryx_notify": {"outcomes": [{"host": "n1", "mode": "Full", "status": "Success", "archive": "D:\\B\\a.zip",
                                     "size": 10}, {"host": "n2", "failure_class": "storage", "exit_code": 4}],
                       "email": True, "smtp_server": "127.0.0.1", "smtp_port": 1, "smtp_security": "none",
                       "from_address": "b@example.com", "to_addresses": ["ops@example.com"], "retries": 0,
                       "timeout": 2.0},
}


# Variables the controller-only cluster steps read: a controller and a worker of one cluster, both healthy.
_HOSTVARS = {"controller": {"alteryx_cluster": "c1", "_alteryx_backup_facts": {"ansible_facts": {"alteryx_server": FACTS}}},
             "worker1": {"alteryx_cluster": "c1", "_alteryx_backup_facts": {"ansible_facts": {"alteryx_server": {
                 **FACTS, "roles": ["worker"], "controller_server": "http://controller/AlteryxService/"}}}}}
# worker2 is in the inventory but left out of the run (--limit): the plan warns about it.
TASK_VARS = {"inventory_hostname": "worker1", "hostvars": {**_HOSTVARS, "worker2": {"alteryx_cluster": "c1"}},
             "ansible_play_hosts_all": list(_HOSTVARS), "ansible_play_hosts": list(_HOSTVARS),
             "groups": {"alteryx_controller": ["controller"], "alteryx_workers": ["worker1", "worker2"]}}


# Option values that make a step return other keys (each run too, in both modes).
VARIANTS: dict[str, list[dict[str, Any]]] = {name: [{"wait": False}] for name in (
    "alteryx_emongodump", "alteryx_mongodump", "alteryx_sqlite_backup")}


def _run_step(name: str, check_mode: bool, monkeypatch: pytest.MonkeyPatch,
              variant: dict[str, Any] | None = None) -> dict[str, Any]:
    action_class = _action(name)
    # Inherited steps (the three dump steps share DumpWindowAction's) call run_script where step() is defined.
    module = importlib.import_module(inspect.getmodule(action_class.step).__name__)

    def fake_run_script(action: Any, script: str, parameters: dict[str, Any], task_vars: dict[str, Any],
                        **kwargs: Any) -> dict[str, Any]:
        if kwargs.get("wait") is False:  # a detached job only started: its handle
            return {**ARGS["alteryx_dump_wait"]["job"], "script": script}
        return {**SCRIPTS[script](parameters), "_changed": True, "_warnings": []}

    def fake_await_script(action: Any, job: dict[str, Any], task_vars: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {**SCRIPTS[job["script"]]({}), "_changed": True, "_warnings": []}

    if hasattr(module, "run_script"):
        monkeypatch.setattr(module, "run_script", fake_run_script)
    if hasattr(module, "await_script"):
        monkeypatch.setattr(module, "await_script", fake_await_script)
    validation = ArgumentSpecValidator(action_class.ARGUMENT_SPEC).validate({**copy.deepcopy(ARGS[name]),
                                                                             **(variant or {})})
    assert not validation.error_messages, validation.error_messages
    action = action_class.__new__(action_class)
    action._task = SimpleNamespace(check_mode=check_mode, async_val=0)
    action._play_context = SimpleNamespace(remote_addr="10.0.0.5")
    return action.step(validation.validated_parameters, copy.deepcopy(TASK_VARS))


def _undocumented(value: Any, entry: dict[str, Any], path: str) -> list[str]:
    """Keys inside ``value`` that the RETURN ``entry`` (with ``contains``) does not document."""
    contains = entry.get("contains")
    if not isinstance(contains, dict):
        return []
    items = value if isinstance(value, list) else [value]
    missing = []
    for item in items:
        if not isinstance(item, dict):
            continue
        for key, inner in item.items():
            if key not in contains:
                missing.append(f"{path}.{key}")
            else:
                missing += _undocumented(inner, contains[key], f"{path}.{key}")
    return sorted(set(missing))


def test_canned_results_cover_every_action() -> None:
    assert sorted(ARGS) == ACTIONS


@pytest.mark.parametrize("name", ACTIONS)
def test_returned_keys_are_documented(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    returns = _docs(name)["RETURN"]
    seen: set[str] = set()
    for check_mode, variant in [(mode, v) for v in [{}, *VARIANTS.get(name, [])] for mode in (False, True)]:
        result = _run_step(name, check_mode, monkeypatch, variant)
        keys = set(result) - COMMON_KEYS
        seen |= keys
        assert not keys - set(returns), f"check_mode={check_mode}: undocumented result keys {sorted(keys - set(returns))}"
        nested = [k for key in keys for k in _undocumented(result[key], returns[key], key)]
        assert not nested, f"check_mode={check_mode}: undocumented nested keys {nested}"
    stale = set(returns) - seen - FAILURE_ONLY_KEYS
    assert not stale, f"RETURN documents keys the action never returns: {sorted(stale)}"


@pytest.mark.parametrize("name", ACTIONS)
def test_log_is_documented_when_returned(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    result = _run_step(name, False, monkeypatch)
    returns = _docs(name)["RETURN"]
    if "log" in result:
        assert set(returns["log"]["contains"]) == {"time", "level", "message"}
        for entry in result["log"]:
            assert set(entry) == {"time", "level", "message"}
