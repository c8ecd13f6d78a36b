"""Tests for backup mode normalisation and file naming."""

from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alteryx.server.plugins.plugin_utils import _naming
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

WHEN = datetime(2024, 3, 7, 4, 5, 9)


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        ("Full", "Full"),
        ("full", "Full"),
        ("FULL", "Full"),
        ("DatabaseOnly", "DatabaseOnly"),
        ("databaseonly", "DatabaseOnly"),
        ("db", "DatabaseOnly"),
        ("DB", "DatabaseOnly"),
        ("ConfigOnly", "ConfigOnly"),
        ("config", "ConfigOnly"),
        (" Config ", "ConfigOnly"),
    ],
)
def test_normalize_mode(value: str, mode: str) -> None:
    """Modes and tags are accepted case-insensitively."""
    assert _naming.normalize_mode(value) == mode


@pytest.mark.parametrize("value", ["", "incremental", "Database", "cfg", None, 3])
def test_normalize_mode_rejects(value: object) -> None:
    """Invalid modes raise invalid_mode and list the valid ones."""
    with pytest.raises(AlteryxStepError) as info:
        _naming.normalize_mode(value)  # type: ignore[arg-type]
    assert info.value.failure_class == "invalid_mode"
    for mode in _naming.MODES:
        assert mode in info.value.msg


def test_names() -> None:
    """Archive, log, staging and sidecar names follow the documented formats."""
    assert _naming.timestamp_text(WHEN) == "20240307_040509"
    assert _naming.archive_name("Full", WHEN) == "ServerBackup_Full_20240307_040509.zip"
    assert _naming.archive_name("databaseonly", WHEN) == "ServerBackup_DB_20240307_040509.zip"
    assert _naming.archive_name("config", WHEN) == "ServerBackup_Config_20240307_040509.zip"
    assert _naming.log_name("db", WHEN) == "BackupLog_DatabaseOnly_20240307_040509.log"
    assert _naming.log_name("ConfigOnly", WHEN) == "BackupLog_ConfigOnly_20240307_040509.log"
    assert _naming.staging_name("DatabaseOnly", WHEN, "r1") == "ServerBackup_DB_20240307_040509.r1.staging"
    assert _naming.sidecar_name("ServerBackup_DB_20240307_040509.zip") == "ServerBackup_DB_20240307_040509.zip.sha256"


def test_archive_name_rejects_bad_mode() -> None:
    """Name builders validate the mode."""
    with pytest.raises(AlteryxStepError):
        _naming.archive_name("weekly", WHEN)


def test_parse_archive_name() -> None:
    """A valid name parses to its canonical mode and timestamp."""
    parsed = _naming.parse_archive_name("ServerBackup_DB_20240307_040509.zip")
    assert parsed == _naming.ArchiveName("ServerBackup_DB_20240307_040509.zip", "DatabaseOnly", WHEN)
    with pytest.raises(AttributeError):
        parsed.mode = "Full"  # type: ignore[misc,union-attr]


@pytest.mark.parametrize(
    "name",
    [
        "ServerBackup_Full_20240307_040509.zip.sha256",
        "ServerBackup_Full_20240307_040509.staging",
        "serverbackup_Full_20240307_040509.zip",
        "ServerBackup_full_20240307_040509.zip",
        "ServerBackup_DatabaseOnly_20240307_040509.zip",
        "ServerBackup_Full_20240307_040509.ZIP",
        "ServerBackup_Full_20240230_040509.zip",
        "ServerBackup_Full_20241301_040509.zip",
        "ServerBackup_Full_20240307_250509.zip",
        "ServerBackup_Full_2024037_040509.zip",
        "ServerBackup_Full_20240307_040509.zip ",
        "ServerBackup_Full_20240307_040509.zip\n",
        "xServerBackup_Full_20240307_040509.zip",
        "ServerBackup_Full_２０２４0307_040509.zip",
        "BackupLog_Full_20240307_040509.log",
        "",
    ],
)
def test_parse_archive_name_rejects(name: str) -> None:
    """Only our exact format parses."""
    assert _naming.parse_archive_name(name) is None


@given(
    mode=st.sampled_from([*_naming.MODES, *_naming.MODE_TAGS.values()]),
    when=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)),
)
def test_archive_name_round_trip(mode: str, when: datetime) -> None:
    """Every generated archive name parses back to the same mode and second."""
    name = _naming.archive_name(mode, when)
    parsed = _naming.parse_archive_name(name)
    assert parsed is not None
    assert parsed.name == name
    assert parsed.mode == _naming.normalize_mode(mode)
    assert parsed.timestamp == when.replace(microsecond=0)


@given(st.text())
def test_parse_never_raises(name: str) -> None:
    """Arbitrary input either parses to one of our names or returns None."""
    parsed = _naming.parse_archive_name(name)
    assert parsed is None or parsed.name == name
