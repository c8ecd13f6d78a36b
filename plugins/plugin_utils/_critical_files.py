# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which files of a node are worth keeping, per role and version (pure logic)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

PROGRAM_DATA = "C:\\ProgramData\\Alteryx"
# alteryx.config moved under bin\server\config in 2020.1.
_CONFIG_MOVED_IN = (2020, 1)
# A config written within this margin of the install is the installer's own copy, not an edit.
_MODIFIED_MARGIN = timedelta(minutes=5)


def version_tuple(version: str) -> tuple[int, int]:
    """``2023.1.1.247`` -> ``(2023, 1)``; unparsable versions give ``(0, 0)``."""
    parts = (version or "").strip().split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return 0, 0


def alteryx_config_path(install_dir: str, version: str) -> str:
    """Where alteryx.config lives for this version."""
    sub = "bin\\server\\config" if version_tuple(version) >= _CONFIG_MOVED_IN else "bin\\config"
    return f"{install_dir.rstrip(chr(92))}\\{sub}\\alteryx.config"


def plan_items(facts: dict[str, Any], *, keys_required: bool = False) -> dict[str, Any]:
    """Plan the critical files of a node from its ``alteryx_facts`` result.

    Returned keys: ``items`` (list of {source, dest, required}: dest is the path inside the
    archive, backslash separated), ``export_secrets`` (bool: controller token and MongoDB
    passwords are exported on controllers), ``required_paths`` (sources that must exist before
    anything is stopped), ``notes`` (list of str explaining optional choices).
    """
    roles = facts.get("roles") or []
    items: list[dict[str, Any]] = [
        {"source": f"{PROGRAM_DATA}\\RuntimeSettings.xml", "dest": "Config\\RuntimeSettings.xml", "required": True},
        {"source": f"{PROGRAM_DATA}\\Engine\\SystemAlias.xml", "dest": "Config\\Engine\\SystemAlias.xml",
         "required": False},
        {"source": f"{PROGRAM_DATA}\\Engine\\SystemConnections.xml", "dest": "Config\\Engine\\SystemConnections.xml",
         "required": False},
        {"source": f"{PROGRAM_DATA}\\Keys", "dest": "Config\\Keys", "required": keys_required},
    ]
    notes: list[str] = []
    config_path = alteryx_config_path(facts.get("install_dir", ""), facts.get("version", ""))
    config = next((c for c in facts.get("alteryx_config") or [] if c["path"].lower() == config_path.lower()), None)
    if config and _modified_after_install(config["last_write_utc"], facts.get("install_time_utc", "")):
        items.append({"source": config_path, "dest": "Config\\alteryx.config", "required": False})
    else:
        notes.append(f"{config_path} is unchanged since install (or absent): not backed up")
    if facts.get("legacy_settings_present"):
        items.append({"source": f"{PROGRAM_DATA}\\RuntimeSettings.22_2_legacy.xml",
                      "dest": "Config\\RuntimeSettings.22_2_legacy.xml", "required": False})
    return {
        "items": items,
        "export_secrets": "controller" in roles,
        "required_paths": [i["source"] for i in items if i["required"]],
        "notes": notes,
    }


def _modified_after_install(last_write: str, install_time: str) -> bool:
    try:
        return datetime.fromisoformat(last_write) > datetime.fromisoformat(install_time) + _MODIFIED_MARGIN
    except ValueError:
        return True
