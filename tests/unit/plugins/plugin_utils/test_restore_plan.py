"""Restore decisions: the controller token's source, the logon accounts, disaster recovery and the host rename."""

from __future__ import annotations

import datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

from ansible_collections.alteryx.server.plugins.action.alteryx_restore_secret import decrypt_token
from ansible_collections.alteryx.server.plugins.plugin_utils._host_rename import (
    check_name,
    leftover_warnings,
    rename_edits,
    rewrite,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._restore_plan import (
    TOKEN_CMS,
    TOKEN_PLAINTEXT,
    account_warnings,
    recovery_plan,
    token_source,
)


def _manifest(*entries: str, **extra) -> dict:
    return {"BackupMetadata": {"BackupMode": "Full"},
            "BackedUpFiles": [{"RelativePathInArchive": e, "SHA256": "aa" * 32, "SizeBytes": 1} for e in entries],
            **extra}


def test_token_source_prefers_the_encrypted_token_and_needs_a_key() -> None:
    both = _manifest(TOKEN_CMS, TOKEN_PLAINTEXT)
    assert token_source(both, "Full", "/k.pem") == {"kind": "cms", "entry": TOKEN_CMS}
    with pytest.raises(ValueError, match="alteryx_restore_secrets_key"):
        token_source(both, "ConfigOnly", "")
    assert token_source(_manifest(TOKEN_PLAINTEXT), "Full", "") == {"kind": "plaintext", "entry": TOKEN_PLAINTEXT}
    # A database restore sets no token, and an archive without one has none to set.
    assert token_source(both, "DatabaseOnly", "")["kind"] == ""
    assert token_source(_manifest("Config/RuntimeSettings.xml"), "Full", "")["kind"] == ""


def test_account_warnings_name_each_difference_and_stay_quiet_on_a_match() -> None:
    manifest = _manifest(Extensions={"ServiceLogonAccount": "CORP\\svc-alteryx", "RunAsUser": "CORP\\svc-runas"})
    same = {"service_logon_account": "corp\\SVC-alteryx", "run_as_user": "CORP\\svc-runas"}
    assert account_warnings(manifest, same, "Full") == []
    other = {"service_logon_account": "LocalSystem", "run_as_user": ""}
    warnings = account_warnings(manifest, other, "ConfigOnly")
    assert len(warnings) == 2
    assert "logs on as LocalSystem here, the archive recorded CORP\\svc-alteryx" in warnings[0]
    assert "Run As user is not set here, the archive recorded CORP\\svc-runas" in warnings[1]
    # An older manifest that never recorded the Run As user is not a difference.
    assert account_warnings(_manifest(), other, "Full") == []


def test_recovery_plan_defaults_to_the_manifest_and_the_computer_name() -> None:
    manifest = _manifest(SystemInformation={"ServerHostname": "ALTERYX01"})
    same = recovery_plan(manifest, {"computer_name": "ALTERYX01"})
    assert same["disaster_recovery"] is False and same["warnings"] == []
    moved = recovery_plan(manifest, {"computer_name": "DR01"})
    assert moved["source_host"] == "ALTERYX01" and moved["target_host"] == "dr01" and moved["disaster_recovery"]
    assert any("DPAPI" in w for w in moved["warnings"]) and any("Encryption Key Transfer" in w for w in moved["warnings"])
    assert recovery_plan(manifest, {"computer_name": "x"}, source_host="x.corp.example")["disaster_recovery"] is False


@pytest.mark.parametrize(("value", "expected"), [
    ("http://alteryx01/gallery/", "http://dr01/gallery/"),
    ("https://ALTERYX01.corp.example:8443/gallery/", "https://dr01.corp.example:8443/gallery/"),
    ("http://alteryx01:80/AlteryxService/", "http://dr01:80/AlteryxService/"),
    ("alteryx01:27017", "dr01:27017"),
    ("http://alteryx010/gallery/", "http://alteryx010/gallery/"),
    ("http://other/alteryx01-docs/", "http://other/alteryx01-docs/"),
])
def test_rewrite_replaces_only_the_old_host(value: str, expected: str) -> None:
    assert rewrite(value, "alteryx01", "dr01") == expected


def test_rewrite_writes_a_fully_qualified_target_as_given() -> None:
    assert rewrite("https://alteryx01.corp.example/gallery/", "ALTERYX01", "dr01.dr.example") == \
        "https://dr01.dr.example/gallery/"
    assert rewrite("http://alteryx01:80/AlteryxService/", "alteryx01.corp.example", "dr01.corp.example") == \
        "http://dr01.corp.example:80/AlteryxService/"


def test_rename_edits_leave_absent_and_unrelated_elements_alone() -> None:
    values = [{"name": "Gallery/BaseAddress", "value": "http://alteryx01/gallery/"},
              {"name": "Worker/ServerName", "value": "http://controller:80/AlteryxService/"},
              {"name": "Controller/MongoDBServerName", "value": None}]
    edits = rename_edits(values, "alteryx01", "dr01")
    assert edits == [{"name": "Gallery/BaseAddress", "old": "http://alteryx01/gallery/", "new": "http://dr01/gallery/"}]
    assert leftover_warnings(["BaseAddress", "SmtpServer"], ["Gallery/BaseAddress"], "alteryx01") == [
        "RuntimeSettings.xml still names alteryx01 in SmtpServer: check these in System Settings"]
    assert leftover_warnings(["BaseAddress"], ["Gallery/BaseAddress"], "alteryx01") == []


@pytest.mark.parametrize("bad", ["", "a b", "host/x", "<x>", "a&b"])
def test_check_name_refuses_what_is_no_host_name(bad: str) -> None:
    with pytest.raises(ValueError, match="is not a host name"):
        check_name(bad, "target_host")


def _cms_pair(token: bytes, passphrase: bytes | None) -> tuple[bytes, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "alteryx-backup-secrets")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30)).sign(key, hashes.SHA256()))
    envelope = (pkcs7.PKCS7EnvelopeBuilder().set_data(token).add_recipient(cert)
                .set_content_encryption_algorithm(algorithms.AES256)
                .encrypt(serialization.Encoding.DER, []))
    encryption = (serialization.BestAvailableEncryption(passphrase) if passphrase
                  else serialization.NoEncryption())
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    return envelope, key_pem


def test_decrypt_token_reads_a_cms_envelope_with_its_key_and_passphrase() -> None:
    envelope, key_pem = _cms_pair(b"A" * 64 + b"\r\n", b"s3cret")
    assert decrypt_token(envelope, key_pem, "s3cret") == "A" * 64
    with pytest.raises(ValueError):
        decrypt_token(envelope, key_pem, "wrong")
    _other, other_key = _cms_pair(b"B" * 64, None)
    with pytest.raises(ValueError):
        decrypt_token(envelope, other_key, "")
    blank, blank_key = _cms_pair(b"two words", None)
    with pytest.raises(ValueError, match="not one word"):
        decrypt_token(blank, blank_key, "")
