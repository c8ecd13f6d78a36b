# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Quiet results at -v: a step's structured result stays whole in the registered variable, but -v and -vv show
one line instead of it (issue 11: ~26 KB of JSON per host at -v, 10 KB lines).

Ansible's default callback prints a whole result at -v unless ``_ansible_verbose_override`` is set (what
gather_facts uses so that -v does not print every fact). The next steps need the data (the manifest step reads the
dump's file list, the archive step the manifest), so it cannot leave the result; only its display changes.
-vvv shows the full result again.
"""

from __future__ import annotations

from typing import Any

from ansible.utils.display import Display

FULL_RESULT_VERBOSITY = 3


def summary_line(result: dict[str, Any]) -> str:
    """The step's one-line account: its ``msg``, else its last SUCCESS/INFO log message, else ''."""
    if result.get("msg"):
        return str(result["msg"])
    for item in reversed(result.get("log") or []):
        if isinstance(item, dict) and item.get("level") in ("SUCCESS", "INFO"):
            return str(item.get("message", ""))
    return ""


def quiet(result: dict[str, Any], host: str, verbosity: int | None = None) -> dict[str, Any]:
    """``result``, shown at -v/-vv as one line ``<host>: <summary>`` instead of its keys (returns it, updated).

    At default verbosity nothing changes (the callback prints no result then), from -vvv on the full result shows.
    """
    level = Display().verbosity if verbosity is None else verbosity
    if 0 < level < FULL_RESULT_VERBOSITY:
        result["_ansible_verbose_override"] = True
        line = summary_line(result)
        if line:
            Display().display(f"{host}: {line}")
    return result
