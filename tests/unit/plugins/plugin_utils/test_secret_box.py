"""The secrets' encryption on the controller: recipient checks, CMS decryption, the safe-by-default policy."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from ansible_collections.alteryx.server.plugins.module_utils import _cms
from ansible_collections.alteryx.server.plugins.plugin_utils import _secret_box
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._settings import validate_settings

REPO = Path(__file__).resolve().parents[4]
FIXTURES = REPO / "tests" / "tools" / "fixtures" / "secrets"
CERT = (FIXTURES / "test-secrets.crt").read_bytes()
KEY = (FIXTURES / "test-secrets.key").read_bytes()
sys.path.insert(0, str(REPO / "tests" / "winsim"))
from winsim_engine.scripts.alteryx_stage_files import protect_secret  # noqa: E402

UTC = datetime.UTC
TOKEN = "A1B2C3D4" * 8


def _pair(key=None, days: int = 30, start: datetime.datetime | None = None,
          name: str = "alteryx-backup-secrets-other") -> tuple[x509.Certificate, bytes, bytes]:
    """A self-signed certificate and its key (PEM, unencrypted)."""
    key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
    start = start or datetime.datetime.now(UTC) - datetime.timedelta(days=1)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).serial_number(x509.random_serial_number())
            .public_key(key.public_key()).not_valid_before(start).not_valid_after(start + datetime.timedelta(days=days))
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert, cert.public_bytes(serialization.Encoding.PEM), key_pem


def _encrypted(text: str = TOKEN, cert_pem: bytes = CERT) -> bytes:
    return protect_secret(text, x509.load_pem_x509_certificate(cert_pem)).encode("ascii")


# --- recipient_info -------------------------------------------------------------------------------------------------

def test_recipient_info_names_the_certificate_as_windows_shows_it() -> None:
    info = _secret_box.recipient_info(CERT.decode())
    cert = x509.load_pem_x509_certificate(CERT)
    assert info == {"subject": "CN=alteryx-backup-secrets-test",
                    "thumbprint": cert.fingerprint(hashes.SHA1()).hex().upper(),
                    "not_after": cert.not_valid_after_utc.strftime("%Y-%m-%dT%H:%M:%SZ")}
    assert len(info["thumbprint"]) == 40 and info["thumbprint"] == info["thumbprint"].upper()


def test_a_non_rsa_certificate_is_refused_with_how_to_make_a_key_pair() -> None:
    _cert, pem, _key = _pair(key=ec.generate_private_key(ec.SECP256R1()))
    with pytest.raises(ValueError, match="non-RSA key") as info:
        _secret_box.recipient_info(pem)
    assert _secret_box.KEYPAIR_COMMAND in str(info.value)


def test_an_expired_certificate_is_refused() -> None:
    _cert, pem, _key = _pair(days=10, start=datetime.datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="expired on 2020-01-11") as info:
        _secret_box.recipient_info(pem)
    assert "keep the old key" in str(info.value)


def test_a_certificate_not_valid_yet_is_refused() -> None:
    _cert, pem, _key = _pair(start=datetime.datetime.now(UTC) + datetime.timedelta(days=5))
    with pytest.raises(ValueError, match="not valid before"):
        _secret_box.recipient_info(pem)


@pytest.mark.parametrize("text", ["not a certificate", KEY.decode(), "-----BEGIN CERTIFICATE-----\nAAAA\n"
                                  "-----END CERTIFICATE-----\n"])
def test_unparsable_text_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a PEM certificate") as info:
        _secret_box.recipient_info(text)
    assert "openssl req -x509" in str(info.value)


# --- decrypt_cms ----------------------------------------------------------------------------------------------------

def test_the_twins_cms_decrypts_with_the_key() -> None:
    encrypted = _encrypted()
    assert encrypted.startswith(b"-----BEGIN CMS-----\r\n") and encrypted.endswith(b"\r\n-----END CMS-----\r\n")
    assert TOKEN.encode() not in encrypted
    assert _secret_box.decrypt_cms(encrypted, KEY, None) == TOKEN.encode()


def test_der_decrypts_too_and_names_the_recipient_by_issuer_and_serial() -> None:
    der = _cms.cms_der(_encrypted())
    cert = x509.load_pem_x509_certificate(CERT)
    assert _cms.recipients(der) == [(cert.issuer.public_bytes(), cert.serial_number)]
    assert _secret_box.decrypt_cms(der, KEY) == TOKEN.encode()


def test_the_content_is_aes_256_cbc() -> None:
    # contentEncryptionAlgorithm aes256-CBC, 2.16.840.1.101.3.4.1.42, DER-encoded.
    assert bytes.fromhex("060960864801650304012a") in _cms.cms_der(_encrypted())


def test_a_wrong_key_fails_clearly_naming_the_recipient() -> None:
    _cert, _pem, other_key = _pair()
    with pytest.raises(ValueError) as info:
        _secret_box.decrypt_cms(_encrypted(), other_key, None, recipient="CN=alteryx-backup-secrets-test (thumbprint X)")
    message = str(info.value)
    assert message.startswith("this archive's secrets were encrypted to CN=alteryx-backup-secrets-test (thumbprint X);")
    assert "does not decrypt it" in message and TOKEN not in message


def test_a_passphrase_protected_key_decrypts_and_a_wrong_passphrase_fails() -> None:
    key = serialization.load_pem_private_key(KEY, None)
    locked = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.BestAvailableEncryption(b"vault-pass"))
    assert _secret_box.decrypt_cms(_encrypted(), locked, b"vault-pass") == TOKEN.encode()
    with pytest.raises(ValueError, match="passphrase is wrong"):
        _secret_box.decrypt_cms(_encrypted(), locked, b"nope")
    with pytest.raises(ValueError, match="passphrase"):
        _secret_box.decrypt_cms(_encrypted(), locked, None)


def test_an_ec_private_key_is_refused() -> None:
    key = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(ValueError, match="not an RSA key"):
        _secret_box.decrypt_cms(_encrypted(), key)


@pytest.mark.parametrize(("data", "reason"), [
    (b"\x04\x03abc", "is not CMS EnvelopedData"),
    (b"plain text token", "is truncated"),
    (b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "not a CMS message"),
    (b"-----BEGIN CMS-----\n!!!!\n-----END CMS-----\n", "not base64"),
    (b"0\x03\x02\x01\x00", "is not CMS EnvelopedData"),
    (b"0\x82\x10\x00", "is truncated"),
])
def test_what_is_not_a_cms_message_is_refused(data: bytes, reason: str) -> None:
    with pytest.raises(ValueError, match=reason) as info:
        _secret_box.decrypt_cms(data, KEY)
    assert str(info.value).startswith("the encrypted secret ")


def test_signed_data_is_not_enveloped_data() -> None:
    # ContentInfo with the signedData type (1.2.840.113549.1.7.2).
    data = bytes.fromhex("300f06092a864886f70d010702a0023000")
    with pytest.raises(ValueError, match="not EnvelopedData"):
        _secret_box.decrypt_cms(data, KEY)


# --- load_recipient, the policy and the settings --------------------------------------------------------------------

def test_load_recipient_reads_a_path_and_passes_pem_text_through(tmp_path: Path) -> None:
    (tmp_path / "r.crt").write_bytes(CERT)
    assert _secret_box.load_recipient(str(tmp_path / "r.crt"), lambda p: Path(p).read_bytes()) == CERT.decode()
    assert _secret_box.load_recipient(CERT.decode(), lambda p: pytest.fail("read")) == CERT.decode().strip()
    assert _secret_box.load_recipient("  ", lambda p: pytest.fail("read")) == ""


def test_load_recipient_names_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"cannot read the certificate .*missing\.crt: No such file") as info:
        _secret_box.load_recipient(str(tmp_path / "missing.crt"), lambda p: Path(p).read_bytes())
    assert "openssl req" in str(info.value)


def test_load_recipient_refuses_a_huge_file(tmp_path: Path) -> None:
    (tmp_path / "big").write_bytes(b"x" * (_secret_box.MAX_CERTIFICATE_BYTES + 1))
    with pytest.raises(ValueError, match="too large for a certificate"):
        _secret_box.load_recipient(str(tmp_path / "big"), lambda p: Path(p).read_bytes())


@pytest.mark.parametrize(("mode_exports", "export", "recipient", "allowed", "refused"), [
    (True, True, "", False, True),
    (True, True, "", True, False),
    (True, True, "pem", False, False),
    (True, False, "", False, False),
    (False, True, "", False, False),
])
def test_plaintext_refusal(mode_exports: bool, export: bool, recipient: str, allowed: bool, refused: bool) -> None:
    message = _secret_box.plaintext_refusal(mode_exports, export, recipient, allowed)
    assert bool(message) == refused
    if refused:
        assert _secret_box.KEYPAIR_COMMAND in message and "Ansible Vault" in message
        assert "alteryx_backup_secrets_plaintext_allowed=true" in message and "Nothing was stopped" in message


def test_secrets_plan_encrypts_with_a_recipient() -> None:
    plan = _secret_box.secrets_plan(mode_exports=True, export_secrets=True, recipient_pem=CERT.decode(),
                                    plaintext_allowed=False)
    assert plan["encrypted"] is True and plan["refusal"] == "" and plan["warning"] == ""
    assert plan["recipient"]["subject"] == "CN=alteryx-backup-secrets-test"


def test_secrets_plan_warns_about_plaintext_by_choice() -> None:
    plan = _secret_box.secrets_plan(mode_exports=True, export_secrets=True, recipient_pem="", plaintext_allowed=True)
    assert plan["encrypted"] is False and plan["recipient"] is None and plan["refusal"] == ""
    assert "plaintext" in plan["warning"]


def test_secrets_plan_refuses_a_bad_recipient_as_validation() -> None:
    _cert, pem, _key = _pair(days=1, start=datetime.datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(AlteryxStepError) as info:
        _secret_box.secrets_plan(mode_exports=True, export_secrets=True, recipient_pem=pem.decode(),
                                 plaintext_allowed=False)
    assert info.value.failure_class == "validation" and "expired" in info.value.msg


def test_settings_refuse_a_private_key_as_recipient() -> None:
    with pytest.raises(AlteryxStepError) as info:
        validate_settings({"secrets_recipient": KEY.decode()})
    assert "alteryx_backup_secrets_recipient='(hidden)'" in info.value.msg  # a pasted key is never echoed
    assert "PRIVATE KEY" not in info.value.msg and KEY.decode().splitlines()[1] not in info.value.msg
    assert "a private key must never be given to the backup" in info.value.msg


def test_settings_take_a_path_and_the_plaintext_switch() -> None:
    settings = validate_settings({"secrets_recipient": " /etc/alteryx/a.crt ", "secrets_plaintext_allowed": "yes"})
    assert settings == {"secrets_recipient": "/etc/alteryx/a.crt", "secrets_plaintext_allowed": True}
