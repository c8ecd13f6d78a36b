"""The spec's exit codes (REQ-7.3.5, data model 6.2), the failure classes behind them and the fleet rule.

The table repeats ``plugins/plugin_utils/_failures.py`` of the collection on purpose: this package must
import without the collection on ``sys.path``. A unit test keeps the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

SUCCESS = 0
GENERAL = 1
SERVICE_TIMEOUT = 2
VALIDATION = 3
STORAGE = 4
MONGODB = 5
INVALID_MODE = 6

FAILURE_CLASSES: dict[str, int] = {
    "general": GENERAL,
    "service_timeout": SERVICE_TIMEOUT,
    "validation": VALIDATION,
    "storage": STORAGE,
    "mongodb": MONGODB,
    "invalid_mode": INVALID_MODE,
}
CLASS_OF_CODE: dict[int, str] = {code: name for name, code in FAILURE_CLASSES.items()}

# The fleet rule: the most severe code any host returned, most severe first.
#   2 service timeout - the service may not have come back: users of the server can be affected now;
#   5 MongoDB         - the database, the part of a backup that cannot be rebuilt, was not saved;
#   4 storage         - a destination is full or offline: every later run fails the same way until fixed;
#   3 validation      - settings, installation or archive did not pass a check;
#   6 invalid mode    - a usage error (normally the same on every host);
#   1 general         - anything else, unreachable hosts included: the least specific code.
PRECEDENCE: tuple[int, ...] = (SERVICE_TIMEOUT, MONGODB, STORAGE, VALIDATION, INVALID_MODE, GENERAL)


def code_of_result(result: Mapping[str, Any] | None) -> int | None:
    """The exit code a failed task result declares, or ``None`` when it carries no usable key.

    A known ``failure_class`` decides (it is the collection's source of truth); otherwise an ``exit_code``
    from 1 to 6 (an int or digit string). Anything else is ``None``: the caller looks elsewhere.
    """
    if not isinstance(result, Mapping):
        return None
    failure_class = result.get("failure_class")
    if isinstance(failure_class, str) and failure_class in FAILURE_CLASSES:
        return FAILURE_CLASSES[failure_class]
    code = result.get("exit_code")
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code.strip())
    if isinstance(code, int) and not isinstance(code, bool) and code in CLASS_OF_CODE:
        return code
    return None


def fleet_exit_code(codes: Iterable[int]) -> int:
    """One exit code for a run over several hosts: 0 only when every code is 0, else the most severe.

    Codes outside 0-6 count as general (1).
    """
    failing = {code if code in CLASS_OF_CODE else GENERAL for code in codes if code != SUCCESS}
    for code in PRECEDENCE:
        if code in failing:
            return code
    return SUCCESS
