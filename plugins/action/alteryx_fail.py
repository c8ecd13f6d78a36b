# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_fail: fail the task with a failure class and exit code as result keys."""

from __future__ import annotations

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import FAILURE_CLASSES, exit_code_for

_CLASS_OF_CODE = {code: name for name, code in FAILURE_CLASSES.items()}
DEFAULT_MSG = "Failed as requested from task"


def failure_of(failure_class: str | None, exit_code: int | None) -> tuple[str, int, list[str]]:
    """The failure class and exit code to report, and warnings about what was given.

    A known ``failure_class`` decides and ``exit_code`` follows from it. Without one, a valid ``exit_code`` (1-6)
    names the class. Anything else degrades to ``general`` (1) with a warning: the failure being reported must
    not be masked by a mistake in how it is reported.
    """
    warnings: list[str] = []
    given_class = (failure_class or "").strip()
    if given_class in FAILURE_CLASSES:
        code = exit_code_for(given_class)
        if exit_code is not None and exit_code != code:
            warnings.append(f"exit_code {exit_code} does not match failure_class {given_class}; "
                            f"reporting exit code {code}")
        return given_class, code, warnings
    if given_class:
        warnings.append(f"unknown failure_class {given_class!r} (valid: {', '.join(FAILURE_CLASSES)})")
    if exit_code in _CLASS_OF_CODE:
        return _CLASS_OF_CODE[exit_code], exit_code, warnings
    if exit_code is not None:
        warnings.append(f"exit_code {exit_code} is not a failure exit code (1 to 6)")
    if warnings:
        warnings[-1] += "; reporting failure_class general, exit code 1"
    return "general", exit_code_for("general"), warnings


class ActionModule(AlteryxAction):
    _requires_connection = False
    ARGUMENT_SPEC = {
        "msg": {"type": "str", "default": DEFAULT_MSG},
        "failure_class": {"type": "str"},
        "exit_code": {"type": "int"},
    }

    def step(self, args, task_vars):
        failure_class, code, warnings = failure_of(args["failure_class"], args["exit_code"])
        result = {"failed": True, "changed": False, "msg": args["msg"] or DEFAULT_MSG,
                  "failure_class": failure_class, "exit_code": code}
        if warnings:
            result["warnings"] = warnings
        return result
