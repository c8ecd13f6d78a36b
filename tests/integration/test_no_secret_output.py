"""Host files that may carry secrets are never printed, at any verbosity, ANSIBLE_DEBUG=1 included.

With ``ANSIBLE_DEBUG=1`` ansible-core prints every raw module reply (``_low_level_execute_command() done:
rc=0, stdout=...``) whatever ``no_log`` says, so a secret must never be in a reply: the facts script redacts
RuntimeSettings.xml on the host, and the controller token and MongoDB passwords go from AlteryxService.exe
straight into staging files. Canaries (unique strings) are planted in both RuntimeSettings.xml layers and in
what the simulated AlteryxService.exe returns for getserversecret / getemongopassword.
"""

from __future__ import annotations

import json
import re
import zipfile

import pytest
from conftest import SECRETS_KEY

from ansible_collections.alteryx.server.plugins.plugin_utils._secret_box import decrypt_cms

CONTROLLER_SECRETS = {"server_secret": "CANARYTOKEN" + "5" * 53, "emongo_password": "CanaryEmongoUserPw4412",
                      "emongo_admin_password": "CanaryEmongoAdminPw9087"}
XML_CANARIES = {
    "ServerSecretEncrypted": "CANARYXMLSERVERSECRET0001",
    "StorageKeysEncrypted": "CANARYXMLSTORAGEKEYS0002",
    "ExecutePasswordEncrypted": "CANARYXMLRUNASPASSWORD0003",
    "MongoDBPasswordEncrypted": "CANARYXMLMONGOPASSWORD0004",
    "SmtpPasswordEncrypted": "CANARYXMLSMTPPASSWORD0005",
    "AdvancedMongoConnection": "mongodb://alteryx:CANARYXMLURIPASSWORD0006@db01:27017/",
    "comment": "CANARYXMLCOMMENT0007",
    "SmtpPassword": "CANARYXMLDEFAULTSSMTP0008",  # in the defaults layer
}
CANARIES = [*CONTROLLER_SECRETS.values(), *XML_CANARIES.values(), "CANARYXMLURIPASSWORD0006"]
PLAYBOOKS = {"Full": "playbooks/backup_full.yml", "ConfigOnly": "playbooks/backup_config.yml"}
OUTPUTS = {"vvvv": {"verbosity": 4}, "ansible_debug": {"env": {"ANSIBLE_DEBUG": "1"}}}
EMPTY_WARNING = ("C:\\ProgramData\\Alteryx\\RuntimeSettings.xml is empty: the node runs on the installer defaults; "
                 "check System Settings")


def _override(fleet):
    return fleet.host() / "drives" / "C" / "ProgramData" / "Alteryx" / "RuntimeSettings.xml"


def _defaults(fleet):
    return fleet.host() / "drives" / "C" / "Program Files" / "Alteryx" / "bin" / "RuntimeData" / "RuntimeSettings.xml"


def _plant_canaries(fleet) -> None:
    fleet.set_state(secrets=CONTROLLER_SECRETS)
    raw = _override(fleet).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "winsim writes the override UTF-8 with BOM by default"
    text = raw[3:].decode("utf-8")
    for name in ("ServerSecretEncrypted", "StorageKeysEncrypted", "ExecutePasswordEncrypted"):
        text, count = re.subn(rf"<{name}>[^<]*</{name}>", f"<{name}>{XML_CANARIES[name]}</{name}>", text)
        assert count == 1, name
    extra = "".join(f"<{n}>{XML_CANARIES[n]}</{n}>" for n in ("MongoDBPasswordEncrypted", "AdvancedMongoConnection"))
    text = text.replace("</Controller>", f"  {extra}\r\n  </Controller>", 1)
    text = text.replace("</SystemSettings>", f"  <!-- old SMTP password {XML_CANARIES['comment']} -->\r\n"
                        f"  <Gallery><SmtpPasswordEncrypted>{XML_CANARIES['SmtpPasswordEncrypted']}"
                        "</SmtpPasswordEncrypted></Gallery>\r\n</SystemSettings>")
    _override(fleet).write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    defaults = _defaults(fleet).read_text()
    _defaults(fleet).write_text(defaults.replace(
        "</Gallery>", f"  <SmtpPassword>{XML_CANARIES['SmtpPassword']}</SmtpPassword>\n  </Gallery>", 1))
    assert all(value in _override(fleet).read_text(encoding="utf-8-sig") + _defaults(fleet).read_text()
               for key, value in XML_CANARIES.items())


@pytest.mark.parametrize("output", list(OUTPUTS))
@pytest.mark.parametrize("mode", list(PLAYBOOKS))
def test_no_canary_reaches_the_output_while_the_archive_keeps_the_secrets(fleet, mode, output):
    _plant_canaries(fleet)
    override_bytes = _override(fleet).read_bytes()
    run = fleet.playbook(PLAYBOOKS[mode], **OUTPUTS[output])
    assert run.rc == 0, run.output[-3000:]
    if output == "ansible_debug":
        # The raw replies are printed - the facts reply among them, with the values redacted on the host.
        assert "_low_level_execute_command() done: rc=0, stdout=" in run.output
        assert "[redacted on host]" in run.output
    else:
        assert "alteryx_server" in run.output and "has_storage_keys" in run.output
    places = {"ansible-playbook stdout": run.stdout, "ansible-playbook stderr": run.stderr}
    for log in fleet.logs_dir().glob("*.log"):
        places[f"host log {log.name}"] = log.read_text(encoding="utf-8-sig", errors="replace")
    [archive] = fleet.archives()
    with zipfile.ZipFile(archive) as zf:
        manifest = zf.read("BackupManifest.json").decode("utf-8-sig")
        places["BackupManifest.json"] = manifest
        secret_files = {n: zf.read(n) for n in zf.namelist() if n.startswith("Secrets/")}
        settings_copy = zf.read("Config/RuntimeSettings.xml")
    leaks = [f"{canary!r} in {where}" for where, text in places.items() for canary in CANARIES if canary in text]
    assert not leaks, "secrets leaked: " + "; ".join(leaks)
    # The backup itself keeps every secret where it belongs: the settings file byte for byte, the exports in Secrets/.
    assert settings_copy == override_bytes
    # The exports are encrypted to the test certificate (conftest's SECRETS_CERT): its key opens them.
    key = SECRETS_KEY.read_bytes()
    token = decrypt_cms(secret_files["Secrets/ControllerToken.cms"], key).decode()
    passwords = decrypt_cms(secret_files["Secrets/MongoPasswords.cms"], key).decode()
    assert CONTROLLER_SECRETS["server_secret"] in token
    assert CONTROLLER_SECRETS["emongo_password"] in passwords and CONTROLLER_SECRETS["emongo_admin_password"] in passwords
    assert not any(c.encode() in data for c in CONTROLLER_SECRETS.values() for data in secret_files.values())
    parsed = json.loads(manifest)
    assert parsed["ControllerSettings"]["ControllerTokenExported"] is True
    assert parsed["Extensions"]["StorageKeysPresent"] is True, "presence of a redacted secret must survive"


def test_an_empty_override_warns_in_the_result_and_the_host_log(fleet):
    _override(fleet).write_bytes(b"\xef\xbb\xbf\r\n  \r\n")  # a BOM and whitespace only
    run = fleet.playbook(PLAYBOOKS["ConfigOnly"])
    assert run.rc == 0, run.output[-3000:]
    assert f"[WARNING]: {EMPTY_WARNING}" in run.output
    [log] = fleet.logs_dir().glob("*.log")
    assert f"[WARNING] {EMPTY_WARNING}" in log.read_text(encoding="utf-8-sig")


BAD_OVERRIDES = {
    "dtd": ('<?xml version="1.0"?>\n<!DOCTYPE SystemSettings [<!ENTITY lol "CANARYDTDENTITY">]>\n<SystemSettings><Controller>'
            "<MongoDBServerName>&lol;</MongoDBServerName></Controller></SystemSettings>\n", "declares a DTD"),
    # .NET's XmlException text would quote 'CANARYFRAGMENT' (the start tag it cannot match): only the position is sent.
    "malformed": ("<SystemSettings>\n  <Gallery><SmtpPassword>pa<CANARYFRAGMENT</SmtpPassword></Gallery>\n"
                  "</SystemSettings>\n", "is not well-formed XML (line "),
}


@pytest.mark.parametrize("kind", list(BAD_OVERRIDES))
def test_a_bad_override_fails_validation_on_the_host_and_quotes_nothing(fleet, kind):
    text, reason = BAD_OVERRIDES[kind]
    _override(fleet).write_text(text)
    run = fleet.playbook(PLAYBOOKS["ConfigOnly"], env={"ANSIBLE_DEBUG": "1"})
    assert run.rc != 0
    assert "failure_class=validation, exit_code=3" in run.output
    assert "Cannot read RuntimeSettings.xml layer C:\\ProgramData\\Alteryx\\RuntimeSettings.xml safely" in run.output
    assert reason in run.output
    assert "CANARY" not in run.output
    assert not fleet.archives()
