"""Offline verify with the secrets key: every encrypted Secrets/*.cms entry must decrypt (check secrets_decrypt)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from verify_archives import CONFIG_FILES, build_archive, failed_files, rewrite, verify

from ansible_collections.alteryx.server.plugins.module_utils._cms import CMS_FORMAT
from ansible_collections.alteryx.server.plugins.plugin_utils._secret_box import recipient_info

REPO = Path(__file__).resolve().parents[4]
FIXTURES = REPO / "tests" / "tools" / "fixtures" / "secrets"
CERT = (FIXTURES / "test-secrets.crt").read_bytes()
KEY = (FIXTURES / "test-secrets.key").read_bytes()
sys.path.insert(0, str(REPO / "tests" / "winsim"))
from winsim_engine.scripts.alteryx_stage_files import protect_secret  # noqa: E402

TOKEN = "C0FFEE" * 10 + "ABCD"
ENCRYPTED = {"Secrets/ControllerToken.cms": protect_secret(TOKEN, x509.load_pem_x509_certificate(CERT)).encode(),
             "Secrets/MongoPasswords.cms": protect_secret("Non-Admin: a\nAdmin: b",
                                                          x509.load_pem_x509_certificate(CERT)).encode()}


def _encryption() -> dict:
    info = recipient_info(CERT)
    return {"Format": CMS_FORMAT, "Recipient": {"Subject": info["subject"], "Thumbprint": info["thumbprint"],
                                                "NotAfter": info["not_after"]}, "Files": sorted(ENCRYPTED)}


def _archive(tmp_path: Path, extra: dict[str, bytes] | None = None):
    files = {**CONFIG_FILES, **ENCRYPTED, **(extra or {})}
    return build_archive(tmp_path / "backups", files={p: (lambda d=d: [d]) for p, d in files.items()},
                         encryption=_encryption())


def _other_key(tmp_path: Path) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def test_the_right_key_decrypts_every_encrypted_secret(tmp_path: Path) -> None:
    report = verify(_archive(tmp_path).archive, secrets_key=KEY)
    assert report["passed"], report["problems"]
    rows = [c for c in report["checks"] if c["check"] == "secrets_decrypt"]
    assert [(r["file"], r["found"], r["passed"]) for r in rows] == [
        ("Secrets/ControllerToken.cms", "decrypts", True), ("Secrets/MongoPasswords.cms", "decrypts", True)]
    assert TOKEN not in str(report)


def test_without_a_key_the_encrypted_secrets_are_checked_by_hash_only(tmp_path: Path) -> None:
    report = verify(_archive(tmp_path).archive)
    assert report["passed"], report["problems"]
    assert not [c for c in report["checks"] if c["check"] == "secrets_decrypt"]


def test_a_wrong_key_fails_clearly_naming_the_certificate(tmp_path: Path) -> None:
    report = verify(_archive(tmp_path).archive, secrets_key=_other_key(tmp_path))
    assert not report["passed"]
    assert failed_files(report, "secrets_decrypt") == set(ENCRYPTED)
    thumbprint = recipient_info(CERT)["thumbprint"]
    problem = next(p for p in report["problems"] if p.startswith("secrets_decrypt Secrets/ControllerToken.cms"))
    assert f"this archive's secrets were encrypted to CN=alteryx-backup-secrets-test (thumbprint {thumbprint})" in problem
    assert "does not decrypt it" in problem


def test_a_wrong_passphrase_fails_every_secret(tmp_path: Path) -> None:
    locked = serialization.load_pem_private_key(KEY, None).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.BestAvailableEncryption(b"right"))
    archive = _archive(tmp_path).archive
    assert verify(archive, secrets_key=locked, secrets_key_passphrase=b"right")["passed"]
    report = verify(archive, secrets_key=locked, secrets_key_passphrase=b"wrong")
    assert failed_files(report, "secrets_decrypt") == set(ENCRYPTED)
    assert "passphrase is wrong" in report["problems"][0]


def test_a_corrupted_cms_entry_fails_even_with_consistent_hashes(tmp_path: Path) -> None:
    built = _archive(tmp_path)
    rewrite(built.archive, lambda e: e.update({"Secrets/ControllerToken.cms": b"-----BEGIN CMS-----\nAAAA\n"
                                                                             b"-----END CMS-----\n"}), fix_copy=True)
    report = verify(built.archive, secrets_key=KEY)
    assert failed_files(report, "secrets_decrypt") == {"Secrets/ControllerToken.cms"}


def test_a_plaintext_secret_beside_encrypted_ones_fails_contents(tmp_path: Path) -> None:
    report = verify(_archive(tmp_path, {"Secrets/ControllerToken.txt": TOKEN.encode()}).archive)
    assert "Secrets/ControllerToken.txt" in failed_files(report, "contents")


@pytest.mark.parametrize("missing", ["Secrets/ControllerToken.cms"])
def test_a_missing_encrypted_token_fails_contents(tmp_path: Path, missing: str) -> None:
    built = _archive(tmp_path)
    rewrite(built.archive, lambda e: e.pop(missing), fix_copy=True)
    assert failed_files(verify(built.archive), "contents") == {missing}
