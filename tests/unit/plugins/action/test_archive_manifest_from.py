"""alteryx_archive reads the manifest step's result by its variable's name (manifest_from), not templated."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from ansible_collections.alteryx.server.plugins.action import alteryx_archive
from ansible_collections.alteryx.server.plugins.plugin_utils._manifest import build_manifest

FACTS = {"version": "2023.1.1.247", "computer_name": "CTRL", "roles": ["controller", "worker"], "exe_path": "",
         "mongodb": {"type": "none", "database": "", "data_path": ""}, "persistence": {"type": "none", "path": ""},
         "service": {"name": "AlteryxService"}, "is_admin": True}

ARGS = {"staging_path": "D:\\S", "local_dir": "D:\\Backups", "archive_name": "ServerBackup_Full_20240307_040509.zip",
        "destinations": ["\\\\nas\\b"], "retries": 0, "retry_delay": 0, "min_bytes": 0, "lock_path": "", "run_id": "r1",
        "manifest": {}, "timeout": 60, "poll_interval": 1.0, "restrict_acls": True}


def _archive_check_mode(args, task_vars):
    action = alteryx_archive.ActionModule.__new__(alteryx_archive.ActionModule)
    action._task = SimpleNamespace(check_mode=True, async_val=0)
    return action.step({**ARGS, **args}, task_vars)


def test_the_manifest_copy_is_planned_from_the_named_result():
    manifest = build_manifest(mode="ConfigOnly", archive_name=ARGS["archive_name"], run_id="r1",
                              started=datetime(2024, 3, 7, 4, 5, 9), facts=FACTS, dump={}, version="1.2.3")
    manifest_result = {"changed": True, "manifest": manifest, "path": "D:\\S\\BackupManifest.json"}
    planned = _archive_check_mode({"manifest_from": "_manifest"}, {"_manifest": manifest_result})
    assert "D:\\Backups\\ServerBackup_Full_20240307_040509.zip.manifest.json" in planned["msg"]
    assert "\\\\nas\\b\\ServerBackup_Full_20240307_040509.zip.manifest.json" in planned["msg"]


def test_a_skipped_manifest_result_means_no_copy():
    planned = _archive_check_mode({"manifest_from": "_manifest"}, {"_manifest": {"skipped": True}})
    assert ".manifest.json" not in planned["msg"]
