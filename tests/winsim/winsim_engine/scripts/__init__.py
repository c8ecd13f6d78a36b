"""Python twins of the collection's host scripts (plugins/plugin_utils/powershell/*.ps1).

A twin module exposes ``run(host, parameters, ctx) -> {"result": {...}, "changed": bool,
"warnings": [...]}`` and raises ScriptFailure for the script's documented failures.
"""

from __future__ import annotations

import re
from typing import Any

MARKER = re.compile(r"^\s*#\s*alteryx\.server:\s*([A-Za-z0-9_.-]+)")


class ScriptFailure(Exception):
    """The host script set ``$Ansible.Failed`` with a failure class and message."""

    def __init__(self, message: str, failure_class: str = "general", partial: dict[str, Any] | None = None,
                 changed: bool = False) -> None:
        super().__init__(message)
        self.failure_class = failure_class
        self.partial = partial or {}
        self.changed = changed
