"""Tests for the failure classes and AlteryxStepError."""

from __future__ import annotations

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import (
    FAILURE_CLASSES,
    AlteryxStepError,
    exit_code_for,
)


def test_failure_class_codes_are_stable() -> None:
    """Exit codes are a public contract for wrappers."""
    assert FAILURE_CLASSES == {
        "general": 1,
        "service_timeout": 2,
        "validation": 3,
        "storage": 4,
        "mongodb": 5,
        "invalid_mode": 6,
    }


@pytest.mark.parametrize(("failure_class", "code"), [(None, 0), ("validation", 3), ("invalid_mode", 6), ("nope", 1)])
def test_exit_code_for(failure_class: str | None, code: int) -> None:
    """None is success and unknown classes degrade to general."""
    assert exit_code_for(failure_class) == code


def test_error_defaults() -> None:
    """Default class is general and result an empty dict."""
    err = AlteryxStepError("boom")
    assert (err.msg, err.failure_class, err.result, str(err)) == ("boom", "general", {}, "boom")
    assert err.exit_code == 1


def test_error_carries_partial_result() -> None:
    """The partial result travels with the exception, copied."""
    partial = {"changed": True, "archive": "x.zip"}
    err = AlteryxStepError("disk full", failure_class="storage", result=partial)
    partial["changed"] = False
    assert err.failure_class == "storage"
    assert err.result == {"changed": True, "archive": "x.zip"}
    assert err.exit_code == 4


def test_unknown_failure_class_degrades_to_general() -> None:
    """A typo in the class must not hide the failure."""
    assert AlteryxStepError("x", failure_class="typo").failure_class == "general"


def test_error_is_raisable() -> None:
    """It behaves like a normal exception."""
    with pytest.raises(AlteryxStepError, match="bad"):
        raise AlteryxStepError("bad", "mongodb")
