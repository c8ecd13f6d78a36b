"""The advice for an unwritable destination follows its error: HResult first, the English text as a fallback."""

from __future__ import annotations

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._destination_errors import (
    ACCESS_DENIED,
    INVALID_PATH,
    NOT_FOUND,
    OTHER,
    classify,
    hint,
    not_writable_message,
)


@pytest.mark.parametrize(("error", "hresult", "kind"), [
    ("Access to the path '\\\\nas\\b' is denied.", -2147024891, ACCESS_DENIED),
    ("Zugriff verweigert", -2147024891, ACCESS_DENIED),  # localized text: the HResult decides
    ("The user name or password is incorrect.", -2147023570, ACCESS_DENIED),
    ("Access is denied.", -2146232800, ACCESS_DENIED),  # a plain IOException: the text decides
    ("The network path was not found.", -2147024843, NOT_FOUND),
    ("The network name cannot be found.", -2147024829, NOT_FOUND),
    ("The network path was not found.", None, NOT_FOUND),
    ("The filename, directory name, or volume label syntax is incorrect.", -2147024773, INVALID_PATH),
    ("The UNC path should be of the form \\\\server\\share.", -2147024809, INVALID_PATH),
    ("The given path's format is not supported.", -2146233067, INVALID_PATH),
    ("Illegal characters in path.", "not a number", INVALID_PATH),
    ("There is not enough space on the disk.", -2147024784, OTHER),
    ("", None, OTHER),
    ("Access is denied.", True, ACCESS_DENIED),  # a bool is no HResult
])
def test_classify(error: str, hresult: object, kind: str) -> None:
    assert classify(error, hresult) == kind


def test_hints_differ_by_kind_and_by_share_or_local_folder() -> None:
    share = hint("\\\\nas\\b", "Access is denied.", -2147024891)
    assert "WinRM does not delegate credentials" in share and "become" in share and "Kerberos" in share
    local = hint("E:\\Copies", "Access is denied.", -2147024891)
    assert "delegate" not in local and "write access" in local
    assert "445" in hint("\\\\nas\\b", "The network path was not found.", -2147024843)
    assert hint("\\\\nas\\b", "The disk is full.", -2147024784) == ""


def test_no_message_when_every_destination_is_writable() -> None:
    assert not_writable_message([{"path": "\\\\a\\b", "writable": True, "error": ""}]) == ""
    assert not_writable_message(None) == ""


def test_the_message_quotes_the_error_without_doubling_its_full_stop() -> None:
    message = not_writable_message([{"path": "\\\\a\\b", "writable": False, "error": "Oops", "hresult": 1}])
    assert message == "Destination not writable: \\\\a\\b: Oops."
