"""alteryx_stage_files.ps1 through the win_powershell fake: the secrets encrypted in memory to a recipient (CMS)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible_collections.alteryx.server.plugins.module_utils._cms import decrypt_cms
from ansible_collections.alteryx.server.plugins.plugin_utils._host import RESULT_DEPTH, script_text
from winsim_engine import argspec, fakes
from winsim_engine.fleet import new_fleet
from winsim_engine.host import Host

SCRIPT = script_text("alteryx_stage_files")
STAGING = "D:\\Temp\\run.staging"
EXE = "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe"
FIXTURES = Path(__file__).resolve().parents[2] / "tools" / "fixtures" / "secrets"
CERT = (FIXTURES / "test-secrets.crt").read_text()
KEY = (FIXTURES / "test-secrets.key").read_bytes()


@pytest.fixture
def sim(tmp_path) -> Host:
    inventory = new_fleet(tmp_path / "fleet")
    return Host(inventory.parent / "hosts" / "controller")


def stage(host: Host, recipient: str) -> dict:
    parameters: dict[str, Any] = {"StagingPath": STAGING, "Items": [], "ExportSecrets": True, "ExePath": EXE,
                                  "RecipientPem": recipient}
    module_args = {"script": SCRIPT, "parameters": parameters, "depth": RESULT_DEPTH}
    params, error = argspec.validate("ansible.windows.win_powershell", module_args)
    assert error is None, error
    return fakes.REGISTRY["ansible.windows.win_powershell"](host, params, fakes.Context(host=host, key="t"))


def _secrets(host: Host) -> dict[str, Any]:
    with host.locked_state() as state:
        return dict(state["secrets"])


def _staged(host: Host) -> dict[str, bytes]:
    folder = host.local_path(STAGING + "\\Secrets")
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.is_dir() else {}


def test_secrets_are_written_encrypted_only_and_decrypt_with_the_key(sim: Host) -> None:
    reply = stage(sim, CERT)
    assert reply["failed"] is False, reply
    result = reply["result"]
    assert result["server_secret_exported"] is True and result["mongo_passwords_exported"] is True
    assert [f["archive_path"] for f in result["files"]] == ["Secrets/ControllerToken.cms", "Secrets/MongoPasswords.cms"]
    staged = _staged(sim)
    assert set(staged) == {"ControllerToken.cms", "MongoPasswords.cms"}
    secrets = _secrets(sim)
    for value in secrets.values():
        assert all(value.encode() not in data for data in staged.values())
    assert decrypt_cms(staged["ControllerToken.cms"], KEY) == secrets["server_secret"].encode()
    passwords = decrypt_cms(staged["MongoPasswords.cms"], KEY).decode()
    assert passwords == f"Non-Admin: {secrets['emongo_password']}\nAdmin: {secrets['emongo_admin_password']}"
    assert all(data.startswith(b"-----BEGIN CMS-----\r\n") for data in staged.values())


def test_without_a_recipient_the_plaintext_files_stay(sim: Host) -> None:
    reply = stage(sim, "")
    assert reply["failed"] is False
    assert _staged(sim)["ControllerToken.txt"] == _secrets(sim)["server_secret"].encode()


def _ec_certificate() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ec")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).serial_number(1).public_key(key.public_key())
            .not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


@pytest.mark.parametrize(("recipient", "message"), [
    ("no pem here", "RecipientPem holds no PEM certificate (-----BEGIN CERTIFICATE-----)."),
    ("-----BEGIN CERTIFICATE-----\n*notbase64*\n-----END CERTIFICATE-----",
     'RecipientPem is not a usable certificate: Exception calling "FromBase64String"'),
    ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
     'RecipientPem is not a usable certificate: Exception calling ".ctor" with "1" argument(s): "Cannot find the '
     'requested object."'),
    (None, 'Cannot encrypt to the RecipientPem certificate: Exception calling "Encrypt" with "1" argument(s): '
           '"Unknown cryptographic algorithm."'),
])
def test_an_unusable_certificate_fails_validation_before_any_secret_is_written(sim: Host, recipient, message) -> None:
    reply = stage(sim, recipient if recipient is not None else _ec_certificate())
    assert reply["failed"] is True and reply["result"]["failure_class"] == "validation"
    assert reply["result"]["message"].startswith(f"Cannot stage critical files: {message}")
    assert _staged(sim) == {}, "no secret, encrypted or not, may be left behind"
