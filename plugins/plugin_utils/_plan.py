# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything a backup run will create, named before anything happens (pure logic)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._manifest import MANIFEST_COPY_SUFFIX
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import (
    SIDECAR_SUFFIX,
    archive_name,
    log_name,
    normalize_mode,
    staging_name,
)

DEFAULT_MIN_BYTES = {"Full": 100 * 1024, "DatabaseOnly": 50 * 1024, "ConfigOnly": 1024}
LOCK_NAME = ".alteryx_backup.lock"


def _join(folder: str, name: str) -> str:
    return folder.rstrip("\\") + "\\" + name


def plan_run(*, mode: str, when: datetime, local_dir: str, network_paths: Sequence[str], log_dir: str,
             host_folder: str, min_bytes: Mapping[str, int] | None = None, temp_dir: str = "") -> dict[str, Any]:
    """Plan one run. Raises AlteryxStepError(invalid_mode) for an unknown mode.

    Returned keys: ``mode`` (canonical), ``run_id``, ``started`` (ISO time), ``archive_name``,
    ``staging_path`` (under ``temp_dir``, or ``local_dir`` when it is empty), ``dump_path`` ('' when the mode has
    no dump), ``lock_path``, ``window_path``
    (the dump window's marker, next to the lock), ``log_path``,
    ``local_dir``, ``destinations`` (network folders, one sub-folder per host so a fleet never
    collides), ``archive_paths`` (every file the archive step may publish: the archive, its ``.sha256``
    and its ``.manifest.json`` copy in each folder, what a failed run removes when the archive step's reply was
    lost),
    ``includes_dump``, ``includes_files``, ``stops_service``, ``min_bytes`` (the mode's minimum archive size),
    ``min_bytes_files_only`` (the ConfigOnly minimum: what an archive of a node without persistence must reach).
    """
    canonical = normalize_mode(mode)
    run_id = f"{when.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    staging = _join(temp_dir or local_dir, staging_name(canonical, when, run_id))
    includes_dump = canonical in ("Full", "DatabaseOnly")
    try:
        thresholds = {**DEFAULT_MIN_BYTES, **{normalize_mode(k): int(v) for k, v in (min_bytes or {}).items()}}
    except (TypeError, ValueError) as exc:
        raise AlteryxStepError(f"minimum archive sizes must be whole numbers of bytes: {exc}", "validation") from exc
    name = archive_name(canonical, when)
    destinations = [_join(path, host_folder) for path in network_paths]
    return {
        "mode": canonical,
        "run_id": run_id,
        "started": when.isoformat(timespec="seconds"),
        "archive_name": name,
        "staging_path": staging,
        "dump_path": _join(staging, "MongoDB") if includes_dump else "",
        "lock_path": _join(local_dir, LOCK_NAME),
        "window_path": _join(local_dir, LOCK_NAME) + ".window",
        "log_path": _join(log_dir or _join(local_dir, "Logs"), log_name(canonical, when)),
        "local_dir": local_dir,
        "destinations": destinations,
        "archive_paths": [_join(folder, name) + suffix for folder in [local_dir, *destinations]
                          for suffix in ("", SIDECAR_SUFFIX, MANIFEST_COPY_SUFFIX)],
        "includes_dump": includes_dump,
        "includes_files": canonical in ("Full", "ConfigOnly"),
        "stops_service": includes_dump,
        "min_bytes": thresholds[canonical],
        "min_bytes_files_only": thresholds["ConfigOnly"],
    }


def configuration_summary(plan: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    """One log line with what this run will do and the settings that shape it."""
    def get(name: str, default: Any = "") -> Any:
        return settings.get(name, default)

    retention = get("retention_days", {}) or {}
    days = ", ".join(f"{mode} {retention[mode]} d" for mode in retention)
    return (f"Configuration: {plan['mode']} backup, run {plan['run_id']}; archives in {plan['local_dir']}, staging "
            f"{plan['staging_path']}, log {plan['log_path']}; network: {', '.join(plan['destinations']) or 'none'}; "
            f"retention {days or 'defaults'}, keep at least {get('min_keep', 1)}; waits: workflows "
            f"{get('max_workflow_wait', '-')} s, service {get('max_service_wait', '-')} s, job {get('job_timeout', '-')} s; "
            f"copies: {get('copy_retries', '-')} retries {get('copy_retry_delay', '-')} s apart")
