"""Tests for RuntimeSettings.xml layer merging and derived settings."""

from __future__ import annotations

import ast
import importlib
import json
import re
import sys
from pathlib import Path

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._runtime_settings import (
    DEFAULT_MONGODB_DATA_PATH,
    OVERRIDE_PATH,
    PRESENCE_ELEMENTS,
    REDACTED,
    VALUE_ELEMENTS,
    effective_settings,
    merge_layers,
    override_warnings,
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
        "persistence_type": "embedded",
        "persistence_path": "D:\\AlteryxData\\Persistence\\MongoDB",
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
        "<SystemSettings><Controller><ControllerEnabled>True</ControllerEnabled>"
        "<EmbeddedMongoDBEnabled>true</EmbeddedMongoDBEnabled>"
        "<EmbeddedMongoDBPort>27100</EmbeddedMongoDBPort></Controller></SystemSettings>"
    )
    result = effective_settings(DEFAULTS, override)
    assert result["mongodb_data_path"] == DEFAULT_MONGODB_DATA_PATH
    assert result["mongodb_port"] == 27100
    assert effective_settings(DEFAULTS, None)["roles"] == []


def test_only_a_controller_holds_persistence() -> None:
    """Embedded MongoDB switched on in a worker's layers (the defaults of some versions) is not the worker's."""
    override = ("<SystemSettings><Controller><EmbeddedMongoDBEnabled>True</EmbeddedMongoDBEnabled></Controller>"
                "<Environment><WorkerEnabled>True</WorkerEnabled></Environment></SystemSettings>")
    result = effective_settings(DEFAULTS, override)
    assert (result["roles"], result["mongodb_type"], result["persistence_type"]) == (["worker"], "none", "none")
    assert result["mongodb_data_path"] == result["persistence_path"] == ""


@pytest.mark.parametrize(("sqlite_path", "expected"), [
    ("", "C:\\ProgramData\\Alteryx\\Service\\Persistence"),
    ("E:\\Scheduler\\Persistence", "E:\\Scheduler\\Persistence"),
])
def test_scheduler_only_controller_is_sqlite(sqlite_path: str, expected: str) -> None:
    """The shape of a real Scheduler-only installation: neither MongoDB, so the controller persists in SQLite."""
    override = ("<SystemSettings><Controller><ControllerEnabled>True</ControllerEnabled>"
                "<EmbeddedMongoDBEnabled>False</EmbeddedMongoDBEnabled><MongoDBEnabled>False</MongoDBEnabled>"
                f"<SQLitePath>{sqlite_path}</SQLitePath></Controller>"
                "<Environment><SetupType>SchedulerOnly</SetupType></Environment></SystemSettings>")
    result = effective_settings(DEFAULTS, override)
    assert (result["mongodb_type"], result["persistence_type"], result["persistence_path"]) == (
        "none", "sqlite", expected)
    assert result["setup_type"] == "SchedulerOnly"


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


# --- Secrets are redacted on the host; the controller still derives everything it needs --------------------

REPO = Path(__file__).resolve().parents[4]
FACTS_SCRIPT = REPO / "plugins" / "plugin_utils" / "powershell" / "alteryx_facts.ps1"
WINSIM = REPO / "tests" / "winsim"
OVERRIDES = ["runtime_override_full_node.xml", "runtime_override_worker_only.xml", "runtime_override_self_managed.xml",
             "runtime_override_secrets_galore.xml"]


def _script_secret_pattern() -> str:
    match = re.search(r"^\$SecretPattern = '([^']+)'$", FACTS_SCRIPT.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, "alteryx_facts.ps1 no longer sets $SecretPattern on a line of its own"
    return match.group(1)


def _is_secret(name: str) -> bool:
    # PowerShell's -match is case-insensitive.
    return re.search(_script_secret_pattern(), name, re.IGNORECASE) is not None


def _twin():
    if str(WINSIM) not in sys.path:
        sys.path.insert(0, str(WINSIM))
    return importlib.import_module("winsim_engine.scripts.alteryx_facts")


class _Host:
    """Just enough of winsim's Host for the twin's Read-Settings: [IO.File]::ReadAllText of one text."""

    def __init__(self, text: str) -> None:
        self.text = text

    def read_all_text(self, path: str) -> str:
        return self.text


def _redacted(xml: str) -> str:
    """What the host sends for ``xml`` (the twin of alteryx_facts.ps1's Read-Settings)."""
    return _twin().read_settings(_Host(xml.lstrip("\ufeff")), "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml")


def _element_names(xml: str) -> set[str]:
    return set(re.findall(r"<([A-Za-z_][\w.-]*)[\s/>]", xml)) - {"xml"}


def test_twin_uses_the_scripts_secret_pattern_and_marker() -> None:
    twin = _twin()
    assert _script_secret_pattern() == twin.SECRET_PATTERN
    assert twin.REDACTED == REDACTED
    assert f"$Redacted = '{REDACTED}'" in FACTS_SCRIPT.read_text(encoding="utf-8")


def test_script_parses_without_dtd_processing() -> None:
    script = FACTS_SCRIPT.read_text(encoding="utf-8")
    assert "$options.DtdProcessing = [Xml.DtdProcessing]::Prohibit" in script
    assert "$options.XmlResolver = $null" in script
    assert "[xml]" not in script.lower(), "an [xml] cast parses with DTD processing on: use Read-Settings"


@pytest.mark.parametrize("element", sorted({name for _, name in VALUE_ELEMENTS}))
def test_pattern_never_redacts_what_the_controller_reads(element: str) -> None:
    assert not _is_secret(element), f"{element} is read by effective_settings() but the host would redact it"


@pytest.mark.parametrize("element", sorted({name for _, name in PRESENCE_ELEMENTS}))
def test_pattern_redacts_the_secrets_the_controller_only_counts(element: str) -> None:
    assert _is_secret(element)


def test_effective_settings_reads_only_listed_elements() -> None:
    """Every _value/_flag lookup is in VALUE_ELEMENTS or PRESENCE_ELEMENTS, so the pattern tests above see it."""
    import ansible_collections.alteryx.server.plugins.plugin_utils._runtime_settings as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    lookups = {(call.args[1].value, call.args[2].value) for call in ast.walk(tree)
               if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in ("_value", "_flag")
               and len(call.args) == 3 and all(isinstance(a, ast.Constant) for a in call.args[1:])}
    assert len(lookups) > 10
    assert lookups <= set(VALUE_ELEMENTS) | set(PRESENCE_ELEMENTS), lookups - set(VALUE_ELEMENTS) - set(PRESENCE_ELEMENTS)


SECRET_NAMES = [
    # winsim's fleet (tests/winsim/winsim_engine/fleet.py) and the unit data files
    "ServerSecretEncrypted", "StorageKeysEncrypted", "MongoDBPasswordEncrypted", "AdvancedMongoConnectionEncrypted",
    "ExecutePasswordEncrypted",
    # other secret-bearing Alteryx settings and plain spellings an administrator or an older version may leave
    "ExecutePassword", "MongoDBPassword", "SmtpPassword", "SmtpPasswordEncrypted", "MongoDBWebPasswordEncrypted",
    "MongoDBSearchPasswordEncrypted", "EmbeddedMongoDBPassword", "EmbeddedMongoDBAdminPassword",
    "AdvancedMongoConnection", "MongoDBConnectionString", "SqlServerConnectionStringEncrypted", "DcmEncryptionKey",
    "ApiKey", "ClientSecret", "AccessToken", "SasToken", "LdapBindPwd", "ProxyPasswd", "CertificatePassphrase",
    "UserCredentials", "PasswordHash", "smtppassword",
]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_pattern_redacts_secret_names(name: str) -> None:
    assert _is_secret(name)


def test_every_secret_in_the_test_data_is_covered() -> None:
    """Each element of the data files that carries ciphertext or a canary has a secret name."""
    for name in OVERRIDES:
        text = _read(name)
        for element, value in re.findall(r"<(\w+)>([^<]*)</\1>", text):
            if CIPHERTEXT_MARKER in value or "CANARY" in value:
                assert _is_secret(element), f"{name}: {element} holds a secret the host would send"


@pytest.mark.parametrize("override", OVERRIDES)
def test_redacted_layers_give_the_same_facts(override: str) -> None:
    """The controller derives the same facts from what the host sends as from the raw files."""
    raw = effective_settings(DEFAULTS, _read(override))
    assert effective_settings(_redacted(DEFAULTS), _redacted(_read(override))) == raw


@pytest.mark.parametrize("override", OVERRIDES)
def test_redacted_layers_hold_no_secret(override: str) -> None:
    sent = _redacted(_read(override))
    assert CIPHERTEXT_MARKER not in sent and "CANARY" not in sent
    assert REDACTED in sent
    assert _element_names(sent) <= _element_names(_read(override)), "the host must not invent elements"


def test_redaction_keeps_blank_secrets_blank() -> None:
    """An empty secret element stays empty, so has_server_secret stays False for the shipped defaults."""
    assert "<ServerSecretEncrypted />" in _redacted(DEFAULTS)
    assert effective_settings(_redacted(DEFAULTS), None)["has_server_secret"] is False


def test_redaction_covers_attributes_nesting_comments_and_cdata() -> None:
    xml = (
        '<?xml version="1.0" encoding="utf-16"?>\r\n<!-- old SMTP password: CANARY-COMMENT -->\r\n'
        '<SystemSettings><?pi CANARY-PI?><Gallery><SmtpServer password="CANARY-ATTR" port="25">mail</SmtpServer>'
        "<SmtpCredentials><User>u</User><Pass>CANARY-NESTED</Pass></SmtpCredentials>"
        "<SmtpPassword><![CDATA[CANARY-CDATA]]></SmtpPassword><!-- CANARY-INNER --></Gallery>"
        "<Controller><ControllerEnabled>True</ControllerEnabled><TokenSecret>  </TokenSecret></Controller>"
        "</SystemSettings>"
    )
    sent = _redacted(xml)
    assert "CANARY" not in sent
    assert f'password="{REDACTED}"' in sent and 'port="25"' in sent and ">mail<" in sent
    assert f"<SmtpCredentials>{REDACTED}</SmtpCredentials>" in sent
    assert f"<SmtpPassword>{REDACTED}</SmtpPassword>" in sent
    assert merge_layers(DEFAULTS, sent)["Controller"]["ControllerEnabled"] == "True"
    assert merge_layers(DEFAULTS, sent)["Controller"]["TokenSecret"] == ""


def test_host_refuses_a_dtd_before_anything_is_sent() -> None:
    twin = _twin()
    with pytest.raises(twin.XmlException, match="DTD is prohibited"):
        _redacted(_read("runtime_billion_laughs.xml"))
    with pytest.raises(twin.XmlException, match="Line 1"):
        _redacted("<SystemSettings><a></SystemSettings>")


# --- An empty override is a warning -------------------------------------------------------------------------


@pytest.mark.parametrize(("exists", "empty"), [(False, False), (True, False), (False, True)])
def test_no_warning_for_a_missing_or_filled_override(exists: bool, empty: bool) -> None:
    assert override_warnings(OVERRIDE_PATH, exists, empty) == []


def test_empty_override_warns() -> None:
    [warning] = override_warnings("E:\\ProgramData\\Alteryx\\RuntimeSettings.xml", True, True)
    assert warning == ("E:\\ProgramData\\Alteryx\\RuntimeSettings.xml is empty: the node runs on the installer "
                       "defaults; check System Settings")
    assert override_warnings("", True, True)[0].startswith(f"{OVERRIDE_PATH} is empty")
