"""Failure classes and the private exception used by alteryx.server action plugin helpers.

Every failure the collection reports is tagged with a failure class. The class maps to a
stable process exit code so wrappers (scheduled tasks, CI jobs) can react to the kind of
failure without parsing messages.
"""

from __future__ import annotations

FAILURE_CLASSES: dict[str, int] = {
    "general": 1,
    "service_timeout": 2,
    "validation": 3,
    "storage": 4,
    "mongodb": 5,
    "invalid_mode": 6,
}

_GENERAL = "general"


def exit_code_for(failure_class: str | None) -> int:
    """Return the exit code for ``failure_class``.

    ``None`` means success (0). An unknown class maps to the general failure code rather than
    raising, because this is called while already reporting a failure.
    """
    if failure_class is None:
        return 0
    return FAILURE_CLASSES.get(failure_class, FAILURE_CLASSES[_GENERAL])


class AlteryxStepError(Exception):
    """A step failed; carries the failure class and whatever partial result was gathered.

    Attributes:
        msg: Human readable message (never contains secret values).
        failure_class: One of ``FAILURE_CLASSES``; unknown values degrade to ``"general"``.
        result: Partial result dict collected before the failure (empty dict if none).
    """

    def __init__(self, msg: str, failure_class: str = _GENERAL, result: dict | None = None) -> None:
        """Create the error; an unknown ``failure_class`` is recorded as ``"general"``."""
        super().__init__(msg)
        self.msg = msg
        # Degrade instead of raising: a typo in a failure class must not mask the real failure.
        self.failure_class = failure_class if failure_class in FAILURE_CLASSES else _GENERAL
        self.result: dict = dict(result) if result else {}

    @property
    def exit_code(self) -> int:
        """Exit code matching ``failure_class``."""
        return exit_code_for(self.failure_class)

    def __repr__(self) -> str:
        """Show class and message; the partial result is omitted to keep logs short."""
        return f"AlteryxStepError({self.msg!r}, failure_class={self.failure_class!r})"
