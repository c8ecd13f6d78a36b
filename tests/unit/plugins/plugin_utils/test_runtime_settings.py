"""Tests for RuntimeSettings.xml layer merging and derived settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._runtime_settings import (
    DEFAULT_MONGODB_DATA_PATH,
    effective_settings,
    merge_layers,
)

DATA = Path(__file__).parent / "data"


def _read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


DEFAULTS = _read("runtime_defaults.xml")
CIPHERTEXT_MARKER = "CIPHERTEXT"


def test_merge_override_wins_and_defaults_fill_gaps() -> None:
    """Override elements replace defaults; missing ones fall back."""
    merged = merge_layers(DEFAULTS, _read("runtime_override_full_node.xml"))
    assert merged["Controller"]["ControllerEnabled"] == "True"
    assert merged["Controller"]["EmbeddedMongoDBPort"] == "27018"
    assert merged["Gallery"]["BaseAddress"] == "https://alteryx.corp.example/gallery/"
    assert merged["Gallery"]["WorkingPath"] == "C:\\ProgramData\\Alteryx\\Gallery"
    assert merged["Engine"]["SortJoinMemory"] == "959"


@pytest.mark.parametrize("override", [None, "", "  \n"])
def test_merge_without_override(override: str | None) -> None:
    """No override file means defaults only."""
    assert merge_layers(DEFAULTS, override) == merge_layers(DEFAULTS, None)
    assert merge_layers(DEFAULTS, override)["Worker"]["UseLocalServer"] == "True"


def test_complete_server_node() -> None:
    """Single node with controller, worker and Server UI on embedded MongoDB."""
    result = effective_settings(DEFAULTS, _read("runtime_override_full_node.xml"))
    assert result == {
        "roles": ["controller", "worker", "ui"],
        "setup_type": "Complete Alteryx Server",
        "mongodb_type": "embedded",
        "mongodb_data_path": "D:\\AlteryxData\\Persistence\\MongoDB",
        "mongodb_port": 27018,
        "mongodb_server": "localhost:27018",
        "mongodb_database": "AlteryxService",
        "mongodb_user": "user",
        "mongodb_has_advanced_connection": False,
        "controller_server": "",
        "has_server_secret": True,
        "has_storage_keys": True,
        "run_as_user": "CORP\\svc-alteryx-run",
        "has_run_as_password": True,
    }


def test_worker_only_node() -> None:
    """A worker pointing at a remote controller has no MongoDB of its own."""
    result = effective_settings(DEFAULTS, _read("runtime_override_worker_only.xml"))
    assert result["roles"] == ["worker"]
    assert result["mongodb_type"] == "none"
    assert result["mongodb_data_path"] == ""
    assert result["controller_server"] == "http://alteryx-ctl01.corp.example:80/"
    assert result["run_as_user"] == "runner"
    assert result["has_run_as_password"] is False
    assert result["has_server_secret"] is True
    assert result["setup_type"] == "Custom"


def test_self_managed_mongodb() -> None:
    """User-managed MongoDB is detected and its connection details reported, not its secrets."""
    result = effective_settings(DEFAULTS, _read("runtime_override_self_managed.xml"))
    assert result["roles"] == ["controller", "ui"]
    assert result["mongodb_type"] == "self-managed"
    assert result["mongodb_data_path"] == ""
    assert result["mongodb_server"] == "mongo01.corp.example:27017,mongo02.corp.example:27017"
    assert result["mongodb_user"] == "alteryx_svc"
    assert result["mongodb_has_advanced_connection"] is True
    assert result["run_as_user"] == ""


@pytest.mark.parametrize(
    "override",
    ["runtime_override_full_node.xml", "runtime_override_worker_only.xml", "runtime_override_self_managed.xml"],
)
def test_encrypted_values_never_returned(override: str) -> None:
    """No ciphertext leaks into the result."""
    assert CIPHERTEXT_MARKER not in json.dumps(effective_settings(DEFAULTS, _read(override)))


def test_defaults_only_and_empty_root_path() -> None:
    """Empty embedded root path falls back to the Alteryx default location."""
    override = (
        "<SystemSettings><Controller><EmbeddedMongoDBEnabled>true</EmbeddedMongoDBEnabled>"
        "<EmbeddedMongoDBPort>27100</EmbeddedMongoDBPort></Controller></SystemSettings>"
    )
    result = effective_settings(DEFAULTS, override)
    assert result["mongodb_data_path"] == DEFAULT_MONGODB_DATA_PATH
    assert result["mongodb_port"] == 27100
    assert effective_settings(DEFAULTS, None)["roles"] == []


def test_missing_everything_gives_safe_defaults() -> None:
    """An almost empty file yields falsy values and the default port."""
    result = effective_settings("<SystemSettings/>", None)
    assert result["mongodb_port"] == 27018
    assert result["mongodb_type"] == "none"
    assert not any(result[k] for k in ("roles", "setup_type", "has_server_secret", "has_run_as_password"))


def test_bom_and_comments_tolerated() -> None:
    """Files saved by Windows tools may start with a BOM and contain comments."""
    xml = (
        "\ufeff<SystemSettings><!-- c --><Worker><!-- c -->"
        "<UseLocalServer>False</UseLocalServer></Worker></SystemSettings>"
    )
    assert merge_layers(xml, None) == {"Worker": {"UseLocalServer": "False"}}


def test_billion_laughs_rejected() -> None:
    """Entity expansion is refused with a validation error naming the layer."""
    with pytest.raises(AlteryxStepError) as info:
        effective_settings(DEFAULTS, _read("runtime_billion_laughs.xml"))
    assert info.value.failure_class == "validation"
    assert "override" in info.value.msg
    assert "entity" in info.value.msg.lower()


@pytest.mark.parametrize(
    ("default", "override", "layer"), [("<SystemSettings>", None, "default"), (None, "<a><b></a>", "override")]
)
def test_malformed_xml_names_layer(default: str | None, override: str | None, layer: str) -> None:
    """Malformed XML is a validation error that says which file was bad."""
    with pytest.raises(AlteryxStepError) as info:
        merge_layers(default or DEFAULTS, override)
    assert info.value.failure_class == "validation"
    assert layer in info.value.msg


def test_wrong_root_rejected() -> None:
    """Some other XML file is not mistaken for runtime settings."""
    with pytest.raises(AlteryxStepError, match="expected <SystemSettings>"):
        merge_layers("<configuration/>", None)


@pytest.mark.parametrize("port", ["abc", "0", "70000"])
def test_bad_port_rejected(port: str) -> None:
    """A nonsense port is a validation error rather than a silent default."""
    override = (
        f"<SystemSettings><Controller><EmbeddedMongoDBPort>{port}</EmbeddedMongoDBPort></Controller></SystemSettings>"
    )
    with pytest.raises(AlteryxStepError) as info:
        effective_settings(DEFAULTS, override)
    assert info.value.failure_class == "validation"
