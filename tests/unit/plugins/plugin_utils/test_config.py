"""Tests for backup-config.json (plugin_utils/_config.py, its schema) and the action alteryx_backup_config."""

from __future__ import annotations

import codecs
import copy
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft7Validator

from ansible_collections.alteryx.server.plugins.action.alteryx_backup_config import ActionModule
from ansible_collections.alteryx.server.plugins.plugin_utils import _config
from ansible_collections.alteryx.server.plugins.plugin_utils._config import (
    ACCEPTED,
    CONFIG_KEYS,
    FLAT_KEYS,
    USED,
    load_config,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

REPO_ROOT = Path(__file__).resolve().parents[4]
DATA = Path(__file__).resolve().parent / "data"
SPEC_EXAMPLE = DATA / "backup-config.json"
ROLE = REPO_ROOT / "roles" / "backup"
SOURCE = "backup-config.json"

# What the spec's full example (requirements.md 8.1) maps to: every key of CONFIG_KEYS.
SPEC_SETTINGS: dict[str, Any] = {
    "mode": "Full", "temp_path": "D:\\Temp", "local_path": "D:\\Alteryx\\Backups",
    "network_paths": ["\\\\backup-server\\alteryx\\", "\\\\dr-server\\alteryx-backup\\"],
    "log_path": "D:\\Alteryx\\BackupLogs", "retention_days": {"Full": 30, "DatabaseOnly": 7, "ConfigOnly": 14},
    "max_service_wait": 7200, "max_workflow_wait": 3600, "force_stop_workflows": False,
    "stop_service_for_external_db": False, "mongodb_type": "auto", "mongodb_use_alteryx_service": True,
    "mongodb_connection_string": "", "mongodb_host": "", "mongodb_port": 27017, "mongodb_database": "AlteryxGallery",
    "mongodb_auth_database": "admin", "mongodb_username": "", "mongodb_gzip": True,
    "keys_required": True, "include_config_file": True, "export_secrets": True, "include_metadata": True,
    "verify_archive": True, "calculate_checksums": True,
    "min_archive_bytes": {"Full": 1048576, "DatabaseOnly": 1048576, "ConfigOnly": 104858},
    "notify_email_enabled": False, "notify_smtp_server": "", "notify_smtp_port": 587,
    "notify_smtp_security": "starttls", "notify_from": "", "notify_to": [], "notify_only_on_failure": True,
}
# Values of the wrong type, how the message shows them, and the JSON Schema types they belong to.
WRONG: list[tuple[Any, str, set[str]]] = [("30", '"30"', {"string"}), (5, "5", {"integer", "number"}),
                                          (True, "true", {"boolean"}), ([], "[]", {"array"})]


def _spec() -> dict[str, Any]:
    return json.loads(SPEC_EXAMPLE.read_text(encoding="utf-8"))


def _minimal(**backup: Any) -> dict[str, Any]:
    return {"BackupConfiguration": {"TempDirectory": "D:\\Temp", "LocalBackupPath": "D:\\B", "LogDirectory": "D:\\L",
                                    **backup},
            "ServiceConfiguration": {}, "MongoDBConfiguration": {}}


def _load(document: Any) -> dict[str, Any]:
    return load_config(json.dumps(document).encode("utf-8"), SOURCE)


def _refusal(data: bytes | Any) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data).encode("utf-8")
    with pytest.raises(AlteryxStepError) as info:
        load_config(raw, SOURCE)
    assert info.value.failure_class == "validation" and info.value.exit_code == 3
    assert info.value.msg.startswith(f"{SOURCE}: ")
    return info.value.msg


def _lines(message: str) -> list[str]:
    return message.splitlines()[1:]


def _set(document: dict[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    document = copy.deepcopy(document)
    node = document
    parts = dotted.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = value
    return document


def _schema_objects(node: dict[str, Any] | None = None, path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every object level of the schema: (dotted path or '', node)."""
    node = node or _config.schema()
    found = [(path, node)] if "properties" in node else []
    for name, child in (node.get("properties") or {}).items():
        found += _schema_objects(child, f"{path}.{name}" if path else name)
    return found


def _leaves() -> list[tuple[str, dict[str, Any]]]:
    return [(f"{path}.{name}" if path else name, child) for path, node in _schema_objects()
            for name, child in node["properties"].items() if "properties" not in child or name == "RetentionDays"]


# --- the schema -----------------------------------------------------------------------------------------------------

def test_schema_is_draft7_and_strict_at_every_level() -> None:
    schema = _config.schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(schema)
    for path, node in _schema_objects():
        assert node.get("additionalProperties") is False, f"{path or 'top level'} accepts unknown keys"


def test_schema_keeps_the_spec_required_lists() -> None:
    schema = _config.schema()
    assert schema["required"] == ["BackupConfiguration", "ServiceConfiguration", "MongoDBConfiguration"]
    assert schema["properties"]["BackupConfiguration"]["required"] == ["TempDirectory", "LocalBackupPath", "LogDirectory"]


def test_every_schema_key_is_in_the_mapping_table_and_back() -> None:
    keys = {entry.key for entry in CONFIG_KEYS}
    paths = {path for path, _ in _schema_objects() if path} | {leaf for leaf, _ in _leaves()}
    per_mode = {p for p in paths if re.search(r"\.(RetentionDays|MinimumBackupSizeMB)\.", p)}
    sections = {p for p in paths if any(key.startswith(p + ".") for key in keys)}
    assert paths - per_mode - sections == keys
    assert len(keys) == len(CONFIG_KEYS), "a key is mapped twice"
    assert len({entry.setting for entry in CONFIG_KEYS}) == len(CONFIG_KEYS), "a setting is fed by two keys"


def test_the_spec_example_is_valid_against_the_schema() -> None:
    assert not list(Draft7Validator(_config.schema()).iter_errors(_spec()))


# --- decoding -------------------------------------------------------------------------------------------------------

ENCODINGS = [
    ("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE), ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-32-le", codecs.BOM_UTF32_LE), ("utf-32-be", codecs.BOM_UTF32_BE),
]


@pytest.mark.parametrize(("encoding", "bom"), ENCODINGS, ids=[f"{e}{'+bom' if b else ''}" for e, b in ENCODINGS])
def test_encodings_with_a_byte_order_mark_or_utf8_without(encoding: str, bom: bytes) -> None:
    document = _minimal(LocalBackupPath="D:\\Sauvegardes\\Été")
    data = bom + json.dumps(document, ensure_ascii=False, indent=2).encode(encoding)
    assert load_config(data, SOURCE)["settings"]["local_path"] == "D:\\Sauvegardes\\Été"


def test_powershell_out_file_crlf_utf16() -> None:
    text = json.dumps(_minimal(DefaultBackupMode="ConfigOnly"), indent=4).replace("\n", "\r\n") + "\r\n"
    assert load_config(codecs.BOM_UTF16_LE + text.encode("utf-16-le"), SOURCE)["settings"]["mode"] == "ConfigOnly"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_utf16_or_utf32_without_a_mark_is_refused_with_a_hint(encoding: str) -> None:
    message = _refusal(json.dumps(_minimal()).encode(encoding))
    assert "(file): holds NUL bytes: it looks like UTF-16 or UTF-32 without a byte order mark" in message


def test_ansi_non_ascii_is_refused_naming_the_byte() -> None:
    data = json.dumps(_minimal(LocalBackupPath="D:\\Été"), ensure_ascii=False).encode("cp1252")
    message = _refusal(data)
    position = data.index("É".encode("cp1252"))
    assert f"(file): is not valid UTF-8 text (byte {position})" in message


def test_bom_then_invalid_utf16_is_refused() -> None:
    assert "is not valid UTF-16-LE text" in _refusal(codecs.BOM_UTF16_LE + b"{\x00\x00\xd8")


# --- JSON -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "kind"), [("[]", "array"), ('"x"', "string"), ("null", "null"), ("30", "number"),
                                            ("true", "boolean"), ('[{"BackupConfiguration": {}}]', "array")])
def test_non_object_json_is_refused(text: str, kind: str) -> None:
    message = _refusal(text.encode())
    assert f"(top level): is a JSON {kind}; the file must hold one JSON object" in message


@pytest.mark.parametrize("text", ["", "   \r\n", "\ufeff"])
def test_empty_file_is_refused(text: str) -> None:
    assert "(file): is empty" in _refusal(text.encode("utf-8"))


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused(constant: str) -> None:
    text = json.dumps(_minimal()).replace('"ServiceConfiguration": {}',
                                          f'"ServiceConfiguration": {{"MaxServiceWaitSeconds": {constant}}}')
    assert f"{constant} is not a JSON number" in _refusal(text.encode())


def test_single_backslash_gets_a_hint() -> None:
    message = _refusal(b'{"BackupConfiguration": {"LocalBackupPath": "D:\\Alteryx"}}')
    assert "not valid JSON: Invalid \\escape at line 1 column" in message
    assert "write every backslash of a Windows path twice" in message


def test_syntax_error_names_line_and_column() -> None:
    assert "not valid JSON: Expecting ',' delimiter at line 2 column" in _refusal(b'{"a": 1\n "b": 2}')


def test_too_large_a_file_is_refused() -> None:
    assert "a configuration file is at most" in _refusal(b" " * (_config.MAX_CONFIG_BYTES + 1))


def test_duplicate_keys_are_refused_at_every_level_with_their_path() -> None:
    text = ('{"BackupConfiguration": {"TempDirectory": "D:\\\\T", "LocalBackupPath": "D:\\\\A", '
            '"LocalBackupPath": "D:\\\\B", "LogDirectory": "D:\\\\L", "RetentionDays": {"Full": 1, "Full": 2}}, '
            '"ServiceConfiguration": {}, "ServiceConfiguration": {}, "MongoDBConfiguration": {}}')
    lines = _lines(_refusal(text.encode()))
    assert lines == [
        "BackupConfiguration.LocalBackupPath: duplicate key; the file gives it more than once, give it once",
        "BackupConfiguration.RetentionDays.Full: duplicate key; the file gives it more than once, give it once",
        "ServiceConfiguration: duplicate key; the file gives it more than once, give it once",
    ]


# --- schema errors, each naming the key path ------------------------------------------------------------------------

@pytest.mark.parametrize("path", [path for path, _ in _schema_objects()], ids=lambda p: p or "top")
def test_unknown_key_at_every_level_is_named_with_its_path(path: str) -> None:
    document = _spec()
    target = document
    for part in filter(None, path.split(".")):
        target = target[part]
    target["Bogus"] = 1
    lines = _lines(_refusal(document))
    assert len(lines) == 1
    assert lines[0].startswith(f"{path + '.' if path else ''}Bogus: unknown key; allowed: ")


def test_the_typo_of_the_issue() -> None:
    [line] = _lines(_refusal(_set(_minimal(), "BackupConfiguration.BackupMod", "ConfigOnly")))
    assert line.startswith("BackupConfiguration.BackupMod: unknown key (did you mean DefaultBackupMode?); allowed: "
                           "DefaultBackupMode, TempDirectory, LocalBackupPath")


def test_a_key_in_the_wrong_section_says_where_it_belongs() -> None:
    [line] = _lines(_refusal(_set(_minimal(), "BackupConfiguration.MaxServiceWaitSeconds", 60)))
    assert line.startswith("BackupConfiguration.MaxServiceWaitSeconds: unknown key here; it belongs in "
                           "ServiceConfiguration;")


def test_an_old_flat_key_inside_a_section_names_its_new_key() -> None:
    [line] = _lines(_refusal(_set(_minimal(), "BackupConfiguration.LogPath", "D:\\L")))
    assert "(an old flat key; the file calls it BackupConfiguration.LogDirectory)" in line


@pytest.mark.parametrize(("path", "node"), _leaves(), ids=[leaf for leaf, _ in _leaves()])
def test_wrong_type_at_every_key_is_named_with_its_path(path: str, node: dict[str, Any]) -> None:
    kinds = node["type"] if isinstance(node["type"], list) else [node["type"]]
    value, shown = next((value, shown) for value, shown, types in WRONG if not types & set(kinds))
    lines = _lines(_refusal(_set(_spec(), path, value)))
    assert lines == [f"{path}: {shown} is not of type {' or '.join(kinds)}"]


def test_the_type_error_of_the_issue() -> None:
    lines = _lines(_refusal(_set(_minimal(), "BackupConfiguration.RetentionDays", {"Full": "30"})))
    assert lines == ['BackupConfiguration.RetentionDays.Full: "30" is not of type integer']


@pytest.mark.parametrize(("path", "value"), [("BackupConfiguration.DefaultBackupMode", "DB"),
                                             ("BackupConfiguration.DefaultBackupMode", "full"),
                                             ("MongoDBConfiguration.Type", "Embedded")])
def test_enums_are_the_spec_ones(path: str, value: str) -> None:
    [line] = _lines(_refusal(_set(_minimal(), path, value)))
    assert line.startswith(f'{path}: "{value}" is not one of ')


def test_null_is_not_a_value() -> None:
    assert _lines(_refusal(_set(_minimal(), "BackupConfiguration.LocalBackupPath", None))) == [
        "BackupConfiguration.LocalBackupPath: null is not of type string"]


@pytest.mark.parametrize("path", ["BackupConfiguration.RetentionDays.Full", "BackupConfiguration.RetentionDays",
                                  "ValidationConfiguration.MinimumBackupSizeMB.ConfigOnly"])
def test_negative_days_and_sizes_are_refused(path: str) -> None:
    [line] = _lines(_refusal(_set(_minimal(), path, -1)))
    assert line == f"{path}: -1 is less than the minimum of 0"


def test_required_sections_and_keys_follow_the_spec() -> None:
    lines = _lines(_refusal({"BackupConfiguration": {"DefaultBackupMode": "ConfigOnly"}}))
    assert lines == [
        "BackupConfiguration.LocalBackupPath: required key missing",
        "BackupConfiguration.LogDirectory: required key missing",
        "BackupConfiguration.TempDirectory: required key missing",
        "MongoDBConfiguration: required section missing (an empty object {} will do: every key in it is optional)",
        "ServiceConfiguration: required section missing (an empty object {} will do: every key in it is optional)",
    ]
    assert _lines(_refusal({}))[0] == "BackupConfiguration: required section missing"


def test_every_problem_is_reported_together() -> None:
    document = _set(_spec(), "BackupConfiguration.BackupMod", 1)
    document = _set(document, "ServiceConfiguration.MaxServiceWaitSeconds", "600")
    document = _set(document, "NotificationConfiguration.ToAddresses", ["a@b", 5])
    document = _set(document, "BackupConfiguration.LocalBackupPath", "Backups")
    del document["MongoDBConfiguration"]
    message = _refusal(document)
    assert message.startswith(f"{SOURCE}: 5 problem(s) in the backup configuration file; nothing was done on the node")
    assert [line.split(":")[0] for line in _lines(message)] == [
        "BackupConfiguration.BackupMod", "BackupConfiguration.LocalBackupPath", "MongoDBConfiguration",
        "NotificationConfiguration.ToAddresses[1]", "ServiceConfiguration.MaxServiceWaitSeconds"]


# --- values checked with the role's rules ---------------------------------------------------------------------------

@pytest.mark.parametrize(("path", "value", "problem"), [
    ("BackupConfiguration.LocalBackupPath", "Backups", '"Backups" is not an absolute path'),
    ("BackupConfiguration.LogDirectory", "C:\\Windows\\Logs", '"C:\\\\Windows\\\\Logs" is inside C:\\Windows'),
    ("BackupConfiguration.TempDirectory", "\\\\nas\\temp", "is a network (UNC) path"),
    ("BackupConfiguration.NetworkBackupPaths", ["D:\\Copy"], "is a drive-letter path"),
    ("BackupConfiguration.RetentionDays", {"Full": 40000}, "Full is 40000, out of range"),
    ("ServiceConfiguration.MaxServiceWaitSeconds", 0, "0 is below the minimum 1"),
    ("ValidationConfiguration.MinimumBackupSizeMB", {"Full": 2e6}, "Full is above the maximum 1099511627776"),
])
def test_values_the_role_refuses_are_named_by_their_file_key(path: str, value: Any, problem: str) -> None:
    [line] = _lines(_refusal(_set(_minimal(), path, value)))
    assert line.startswith(f"{path}: ") and problem in line


def test_a_password_in_the_connection_string_is_refused_without_showing_it() -> None:
    document = _set(_minimal(), "MongoDBConfiguration.SelfManagedMongoDB.ConnectionString",
                    "mongodb://backup:S3cr3t!@mongo01:27017/AlteryxGallery")
    message = _refusal(document)
    assert "MongoDBConfiguration.SelfManagedMongoDB.ConnectionString: holds a password" in message
    assert "S3cr3t" not in message


def test_a_connection_string_without_password_is_accepted() -> None:
    value = "mongodb://mongo01:27017/AlteryxGallery?authSource=admin"
    document = _set(_minimal(), "MongoDBConfiguration.SelfManagedMongoDB.ConnectionString", value)
    assert _load(document)["settings"]["mongodb_connection_string"] == value


# --- the mapping ----------------------------------------------------------------------------------------------------

def test_the_spec_example_maps_every_key() -> None:
    loaded = load_config(SPEC_EXAMPLE.read_bytes(), SOURCE)
    assert loaded == {"settings": SPEC_SETTINGS, "warnings": [], "format": "nested"}
    # The secrets' encryption (issue 12) is beyond the spec: its two keys are absent from the spec's example.
    assert set(SPEC_SETTINGS) | {"secrets_recipient", "secrets_plaintext_allowed"} == {e.setting for e in CONFIG_KEYS}


def test_the_secrets_keys_map_to_their_settings() -> None:
    document = _set(_set(_minimal(), "FilesConfiguration.SecretsRecipientCertificate", "/etc/alteryx/secrets.crt"),
                    "FilesConfiguration.AllowPlaintextSecrets", True)
    settings = _load(document)["settings"]
    assert settings["secrets_recipient"] == "/etc/alteryx/secrets.crt"
    assert settings["secrets_plaintext_allowed"] is True


def test_only_keys_in_the_file_are_returned() -> None:
    assert _load(_minimal())["settings"] == {"temp_path": "D:\\Temp", "local_path": "D:\\B", "log_path": "D:\\L"}


@pytest.mark.parametrize(("value", "expected"), [(7, 7), (7.0, 7), ({"DatabaseOnly": 3}, {"DatabaseOnly": 3}),
                                                 ({"Full": 30.0}, {"Full": 30})])
def test_retention_days_as_one_integer_or_per_mode(value: Any, expected: Any) -> None:
    retention = _load(_minimal(RetentionDays=value))["settings"]["retention_days"]
    assert retention == expected and type(retention) is type(expected)


def test_whole_number_floats_become_ints() -> None:
    document = _set(_minimal(), "ServiceConfiguration.MaxServiceWaitSeconds", 600.0)
    value = _load(document)["settings"]["max_service_wait"]
    assert value == 600 and type(value) is int


def test_fractional_numbers_are_not_integers() -> None:
    [line] = _lines(_refusal(_set(_minimal(), "ServiceConfiguration.MaxServiceWaitSeconds", 600.5)))
    assert line == "ServiceConfiguration.MaxServiceWaitSeconds: 600.5 is not of type integer"


@pytest.mark.parametrize(("mb", "expected"), [({"Full": 1}, {"Full": 1048576}), ({"ConfigOnly": 0.1}, {"ConfigOnly": 104858}),
                                              ({"DatabaseOnly": 0}, {"DatabaseOnly": 0}),
                                              ({"Full": 2.5, "DatabaseOnly": 0.05}, {"Full": 2621440, "DatabaseOnly": 52429})])
def test_minimum_backup_size_mb_becomes_bytes(mb: dict[str, float], expected: dict[str, int]) -> None:
    document = _set(_minimal(), "ValidationConfiguration.MinimumBackupSizeMB", mb)
    assert _load(document)["settings"]["min_archive_bytes"] == expected


def test_keys_not_acted_on_warn_only_when_not_the_spec_default() -> None:
    document = _set(_minimal(), "FilesConfiguration.IncludeMetadata", False)
    document = _set(document, "ValidationConfiguration.VerifyArchiveIntegrity", True)
    document = _set(document, "NotificationConfiguration.Enabled", True)
    document = _set(document, "MongoDBConfiguration.Type", "self-managed")
    loaded = _load(document)
    assert loaded["settings"]["include_metadata"] is False and loaded["settings"]["verify_archive"] is True
    assert loaded["settings"]["notify_email_enabled"] is True and loaded["settings"]["mongodb_type"] == "self-managed"
    assert loaded["warnings"] == [
        f"{SOURCE}: FilesConfiguration.IncludeMetadata=false is accepted but not acted on yet: every archive holds "
        "BackupManifest.json with the node's system information.",
    ]


@pytest.mark.parametrize(("use_ssl", "security"), [(True, "starttls"), (False, "none")])
def test_use_ssl_becomes_the_smtp_security_of_send_mailmessage(use_ssl: bool, security: str) -> None:
    document = _set(_minimal(), "NotificationConfiguration.UseSSL", use_ssl)
    assert _load(document)["settings"]["notify_smtp_security"] == security


def test_mapping_table_statuses() -> None:
    assert {entry.status for entry in CONFIG_KEYS} == {USED, ACCEPTED}
    assert all(entry.note.endswith(".") for entry in CONFIG_KEYS)
    for entry in CONFIG_KEYS:
        assert (entry.variable == "") == (entry.status == ACCEPTED)


# --- the old flat format --------------------------------------------------------------------------------------------

OLD_FLAT = {"BackupMode": "ConfigOnly", "LocalBackupPath": "D:\\FromFile", "NetworkBackupPaths": ["\\\\nas\\b"],
            "LogPath": "D:\\Logs", "RetentionDays": {"Full": 30, "DB": 7}, "MinimumBackupsToKeep": 2,
            "MaxWorkflowWaitSeconds": 60, "ForceStopWorkflows": True, "MaxServiceWaitSeconds": 120,
            "NetworkCopyRetries": 5, "NetworkCopyRetryDelaySeconds": 1, "MinimumArchiveSizeBytes": {"Full": 5},
            "FreeSpaceFactor": 1.5, "KeysRequired": True, "ExportSecrets": False, "LockStaleSeconds": 60}


def test_the_old_flat_format_is_read_with_a_deprecation_warning() -> None:
    loaded = _load(OLD_FLAT)
    assert loaded["format"] == "flat"
    assert loaded["settings"] == {FLAT_KEYS[key]: value for key, value in OLD_FLAT.items()}
    [warning] = loaded["warnings"]
    assert warning.startswith(f"{SOURCE} uses the old flat format, read for this release only and refused from the next")
    for moved in ("BackupMode -> BackupConfiguration.DefaultBackupMode", "LogPath -> BackupConfiguration.LogDirectory",
                  "MinimumArchiveSizeBytes -> ValidationConfiguration.MinimumBackupSizeMB (in MB: bytes / 1048576)",
                  "KeysRequired -> FilesConfiguration.BackupKeys", "ExportSecrets -> FilesConfiguration.BackupMongoPasswords",
                  "MinimumBackupsToKeep -> role variable alteryx_backup_min_keep (no key in the file)"):
        assert moved in warning
    assert "docs/configuration.md" in warning


def test_the_flat_keys_are_the_old_role_defaults_lookups() -> None:
    """FLAT_KEYS lists what roles/backup/defaults/main.yml read from the flat file before the nested format."""
    assert set(FLAT_KEYS) == {
        "BackupMode", "LocalBackupPath", "NetworkBackupPaths", "LogPath", "RetentionDays", "MinimumBackupsToKeep",
        "MaxWorkflowWaitSeconds", "ForceStopWorkflows", "MaxServiceWaitSeconds", "NetworkCopyRetries",
        "NetworkCopyRetryDelaySeconds", "MinimumArchiveSizeBytes", "FreeSpaceFactor", "KeysRequired", "ExportSecrets",
        "LockStaleSeconds"}


def test_flat_file_problems_name_the_flat_key() -> None:
    lines = _lines(_refusal({"BackupMode": "Full", "LogPth": "D:\\L", "MinimumBackupsToKeep": 0, "LocalBackupPath": "B"}))
    assert lines[0].startswith('LocalBackupPath: "B" is not an absolute path')
    assert lines[1].startswith("LogPth: unknown key of the old flat format (did you mean LogPath?); allowed: BackupMode")
    assert lines[2].startswith("MinimumBackupsToKeep: 0 is below the minimum 1")


def test_a_file_mixing_both_formats_is_refused() -> None:
    [line] = _lines(_refusal({"BackupMode": "Full", **_minimal()}))
    assert line.startswith("(top level): mixes old flat keys (BackupMode) with sections of the nested format")


# --- the role reads every setting from the registered result ---------------------------------------------------------

def _role_defaults() -> dict[str, Any]:
    return yaml.safe_load((ROLE / "defaults" / "main.yml").read_text(encoding="utf-8"))


def test_role_defaults_read_each_setting_from_the_config_task() -> None:
    defaults = _role_defaults()
    options = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    settings = {entry.setting for entry in CONFIG_KEYS if entry.status != ACCEPTED} | set(FLAT_KEYS.values())
    for setting in settings:
        name = f"alteryx_backup_{setting}"
        assert name in options, f"{name} is not in the role's argument spec"
        assert re.search(rf"\b_alteryx_backup_config\.settings\.{setting} \| default\(", str(defaults[name])), name
    for name, value in defaults.items():
        found = re.findall(r"_alteryx_backup_config\.settings\.([a-z_]+)", str(value))
        assert found in ([], [name.removeprefix("alteryx_backup_")]), f"{name} reads {found}"
    assert "alteryx_backup_file_settings" not in defaults and "lookup(" not in json.dumps(defaults)


def test_documented_returned_settings_cover_every_mapped_name() -> None:
    import ast

    tree = ast.parse((REPO_ROOT / "plugins" / "modules" / "alteryx_backup_config.py").read_text(encoding="utf-8"))
    strings = {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
               if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)}
    contains = yaml.safe_load(strings["RETURN"])["settings"]["contains"]
    assert set(contains) == {entry.setting for entry in CONFIG_KEYS} | set(FLAT_KEYS.values())


# --- the docs table -------------------------------------------------------------------------------------------------

GENERATOR = REPO_ROOT / "tests" / "tools" / "gen_config_doc.py"


def test_configuration_doc_is_up_to_date() -> None:
    result = subprocess.run([sys.executable, str(GENERATOR), "--check"], capture_output=True, text=True, cwd=REPO_ROOT,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_configuration_doc_check_detects_a_stale_table(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "roles" / "backup" / "meta").mkdir(parents=True)
    (tmp_path / "roles" / "backup" / "meta" / "argument_specs.yml").write_text(
        (ROLE / "meta" / "argument_specs.yml").read_text(encoding="utf-8"), encoding="utf-8")
    link = tmp_path / ".build" / "collections" / "ansible_collections" / "alteryx" / "server"
    link.parent.mkdir(parents=True)
    link.symlink_to(REPO_ROOT, target_is_directory=True)
    doc = (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    stale = doc.replace("| `BackupConfiguration.DefaultBackupMode` |", "| `BackupConfiguration.DefaultBackupMod` |")
    assert stale != doc
    (tmp_path / "docs" / "configuration.md").write_text(stale, encoding="utf-8")

    def run(*args: str) -> int:
        return subprocess.run([sys.executable, str(GENERATOR), "--root", str(tmp_path), *args], capture_output=True,
                              text=True, check=False).returncode

    assert run("--check") == 1
    assert (tmp_path / "docs" / "configuration.md").read_text(encoding="utf-8") == stale, "--check must not write"
    assert run() == 0
    assert (tmp_path / "docs" / "configuration.md").read_text(encoding="utf-8") == doc
    assert run("--check") == 0


def test_doc_names_every_mapped_key_and_flat_key() -> None:
    doc = (REPO_ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for entry in CONFIG_KEYS:
        assert f"| `{entry.key}` |" in doc
    for key in FLAT_KEYS:
        assert f"| `{key}` |" in doc


# --- without jsonschema ---------------------------------------------------------------------------------------------

def test_missing_jsonschema_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_config, "Draft7Validator", None)
    with pytest.raises(AlteryxStepError) as info:
        _load(_minimal())
    assert "The Python package jsonschema is needed on the controller" in info.value.msg
    assert "pip install jsonschema" in info.value.msg


def test_jsonschema_is_a_declared_requirement() -> None:
    assert "jsonschema" in (REPO_ROOT / "requirements.txt").read_text().split()


# --- properties -----------------------------------------------------------------------------------------------------

_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=12)
_RESERVED = re.compile(r"(con|prn|aux|nul|com[1-9]|lpt[1-9])", re.IGNORECASE)  # device names Windows refuses
_FOLDER = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzÉé0123456789_ -", min_size=1, max_size=8)
                   .map(str.strip).filter(lambda name: bool(name) and not _RESERVED.fullmatch(name)),
                   min_size=1, max_size=3).map(lambda parts: "D:\\" + "\\".join(parts))

_ADDRESS = st.sampled_from(["ops@example.com", "Alteryx Backup <backup@example.com>", "dba@corp.example.org"])


def _leaf_values() -> dict[str, st.SearchStrategy[Any]]:
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    by_type = {"string": _TEXT, "integer": st.integers(0, 1000), "boolean": st.booleans(),
               "array": st.lists(_TEXT, max_size=2)}
    for path in (entry.key for entry in CONFIG_KEYS):
        node = _config.schema_node(path)
        kind = node["type"]
        if path in ("BackupConfiguration.TempDirectory", "BackupConfiguration.LocalBackupPath",
                    "BackupConfiguration.LogDirectory"):
            strategies[path] = _FOLDER
        elif path == "BackupConfiguration.NetworkBackupPaths":
            strategies[path] = st.lists(st.sampled_from(["\\\\nas\\a", "\\\\nas\\b\\c", "\\\\dr\\x"]), unique=True, max_size=3)
        elif path == "BackupConfiguration.RetentionDays":
            strategies[path] = st.one_of(st.integers(0, 36500), st.dictionaries(
                st.sampled_from(["Full", "DatabaseOnly", "ConfigOnly"]), st.integers(0, 36500)))
        elif path == "ValidationConfiguration.MinimumBackupSizeMB":
            strategies[path] = st.dictionaries(st.sampled_from(["Full", "DatabaseOnly", "ConfigOnly"]),
                                               st.floats(0, 1000, allow_nan=False))
        elif "enum" in node:
            strategies[path] = st.sampled_from(node["enum"])
        elif path == "NotificationConfiguration.SMTPServer":
            strategies[path] = st.sampled_from(["", "smtp.example.com"])
        elif path == "NotificationConfiguration.SMTPPort":
            strategies[path] = st.integers(1, 65535)
        elif path == "NotificationConfiguration.FromAddress":
            strategies[path] = _ADDRESS
        elif path == "NotificationConfiguration.ToAddresses":
            strategies[path] = st.lists(_ADDRESS, max_size=2)
        elif path.endswith("ConnectionString"):
            strategies[path] = st.sampled_from(["", "mongodb://h:27017/db"])
        elif path.endswith(("MaxServiceWaitSeconds",)):
            strategies[path] = st.integers(1, 604800)
        elif path.endswith("MaxWorkflowWaitSeconds"):
            strategies[path] = st.integers(0, 604800)
        else:
            strategies[path] = by_type[kind]
    return strategies


_STRATEGIES = _leaf_values()
_REQUIRED = ("BackupConfiguration.TempDirectory", "BackupConfiguration.LocalBackupPath", "BackupConfiguration.LogDirectory")


@st.composite
def _documents(draw: st.DrawFn) -> dict[str, Any]:
    optional = [path for path in _STRATEGIES if path not in _REQUIRED]
    chosen = list(_REQUIRED) + draw(st.lists(st.sampled_from(optional), unique=True))
    document: dict[str, Any] = {"ServiceConfiguration": {}, "MongoDBConfiguration": {}}
    for path in chosen:
        document = _set(document, path, draw(_STRATEGIES[path]))
    return document


@settings(max_examples=150, deadline=None)
@given(document=_documents(), encoding=st.sampled_from(ENCODINGS))
def test_round_trip_any_valid_file_in_any_encoding(document: dict[str, Any], encoding: tuple[str, bytes]) -> None:
    name, bom = encoding
    loaded = load_config(bom + json.dumps(document, ensure_ascii=False).encode(name), SOURCE)
    settings_ = loaded["settings"]
    present = {entry.key for entry in CONFIG_KEYS if _config._lookup(document, entry.key)[0]}
    assert set(settings_) == {entry.setting for entry in CONFIG_KEYS if entry.key in present}
    for entry in CONFIG_KEYS:
        if entry.key in present:
            given_value = _config._lookup(document, entry.key)[1]
            expected = entry.convert(given_value) if entry.convert else given_value
            assert settings_[entry.setting] == expected, entry.key


@settings(max_examples=100, deadline=None)
@given(document=_documents(), data=st.data(),
       key=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=10))
def test_any_unknown_key_anywhere_is_named_with_its_path(document: dict[str, Any], data: st.DataObject, key: str) -> None:
    objects = [path for path, _ in _schema_objects() if not path or _config._lookup(document, path)[0]]
    objects = [path for path in objects if not path or isinstance(_config._lookup(document, path)[1], dict)]
    path = data.draw(st.sampled_from(objects))
    node = document if not path else _config._lookup(document, path)[1]
    allowed = _config.schema_node(path)["properties"]
    if key in allowed or (not path and key in FLAT_KEYS):
        return
    node[key] = 1
    message = _refusal(document)
    assert any(line.startswith(f"{_config.key_path((*filter(None, path.split('.')), key))}: unknown key")
               for line in _lines(message))


# --- the action -----------------------------------------------------------------------------------------------------

def _step(tmp_path: Path, **args: Any) -> dict[str, Any]:
    validation = ArgumentSpecValidator(ActionModule.ARGUMENT_SPEC).validate(args)
    assert not validation.error_messages
    action = ActionModule.__new__(ActionModule)
    action._task = SimpleNamespace(check_mode=False, async_val=0)
    action._loader = SimpleNamespace(path_dwim=lambda path: str(tmp_path / "playbooks" / path))
    return action.step(validation.validated_parameters, {})


def _action_refusal(tmp_path: Path, **args: Any) -> str:
    with pytest.raises(AlteryxStepError) as info:
        _step(tmp_path, **args)
    assert info.value.failure_class == "validation"
    return info.value.msg


def test_action_reads_the_given_file(tmp_path: Path) -> None:
    result = _step(tmp_path, path=str(SPEC_EXAMPLE))
    assert result == {"changed": False, "settings": SPEC_SETTINGS, "source": str(SPEC_EXAMPLE), "warnings": []}


def test_action_resolves_a_relative_path_next_to_the_playbook_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "playbooks" / "config").mkdir(parents=True)
    (tmp_path / "config").mkdir()
    (tmp_path / "playbooks" / "config" / "backup-config.json").write_text(json.dumps(_minimal(DefaultBackupMode="DatabaseOnly")))
    (tmp_path / "config" / "backup-config.json").write_text(json.dumps(_minimal(DefaultBackupMode="ConfigOnly")))
    monkeypatch.chdir(tmp_path)
    result = _step(tmp_path, path="config/backup-config.json")
    assert result["settings"]["mode"] == "DatabaseOnly"
    (tmp_path / "playbooks" / "config" / "backup-config.json").unlink()
    result = _step(tmp_path, path="config/backup-config.json")
    assert result["settings"]["mode"] == "ConfigOnly"
    assert result["source"] == str(tmp_path / "config" / "backup-config.json")


def test_action_takes_the_first_default_path_that_exists(tmp_path: Path) -> None:
    second = tmp_path / "b.json"
    second.write_text(json.dumps(_minimal(DefaultBackupMode="ConfigOnly")))
    third = tmp_path / "c.json"
    third.write_text("not even JSON")
    result = _step(tmp_path, default_path=[str(tmp_path / "a.json"), str(second), str(third)])
    assert result["source"] == str(second) and result["settings"]["mode"] == "ConfigOnly"


def test_action_without_a_file_returns_nothing(tmp_path: Path) -> None:
    assert _step(tmp_path, default_path=[str(tmp_path / "none.json"), ""]) == {
        "changed": False, "settings": {}, "source": "", "warnings": []}
    assert _step(tmp_path)["source"] == ""


def test_action_path_wins_over_default_path(tmp_path: Path) -> None:
    given_file = tmp_path / "given.json"
    given_file.write_text(json.dumps(_minimal(DefaultBackupMode="DatabaseOnly")))
    result = _step(tmp_path, path=str(given_file), default_path=[str(SPEC_EXAMPLE)])
    assert result["source"] == str(given_file)


def test_action_refuses_a_missing_file_or_a_folder(tmp_path: Path) -> None:
    message = _action_refusal(tmp_path, path=str(tmp_path / "missing.json"))
    assert "missing.json was not found (looked for" in message
    assert "is a folder, not a file" in _action_refusal(tmp_path, path=str(tmp_path))


def test_action_reports_the_file_in_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(_set(_minimal(), "BackupConfiguration.BackupMod", "x")))
    message = _action_refusal(tmp_path, path=str(bad))
    assert message.startswith(f"{bad}: 1 problem(s)") and "BackupConfiguration.BackupMod: unknown key" in message


def test_action_needs_no_connection() -> None:
    assert ActionModule._requires_connection is False
