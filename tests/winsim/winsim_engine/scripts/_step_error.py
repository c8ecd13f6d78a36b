"""Twin of _step_error.ps1: an error tagged with a failure class, and reading the class back."""

from __future__ import annotations

from ..host import WinError


class StepError(WinError):
    """``throw (New-StepError $Class $Message)``: an InvalidOperationException with Data['failure_class']."""

    def __init__(self, failure_class: str, message: str) -> None:
        super().__init__(message)
        self.failure_class = failure_class


def failure_class_of(exc: BaseException, default: str) -> str:
    """``Get-FailureClass $_ $Default``."""
    return exc.failure_class if isinstance(exc, StepError) else default
