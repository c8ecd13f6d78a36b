"""Controller-side signing of BackupManifest.json and the restore check's signature verdict."""

from __future__ import annotations

import base64
import hashlib
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ansible_collections.alteryx.server.plugins.plugin_utils._manifest_signature import (
    SIGNATURE_NAME,
    SignatureError,
    restore_signature_problems,
    sign_manifest,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._restore import judge_archive

TEXT = '{\n  "BackupMetadata": {"BackupMode": "Full", "Note": "caf\u00e9"},\n  "BackedUpFiles": []\n}\n'


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _public_b64(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def _public_pem(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def test_sign_manifest_signs_the_utf8_bytes_written(key: Ed25519PrivateKey) -> None:
    signed = sign_manifest(TEXT, _pem(key))
    data = TEXT.encode("utf-8")
    assert signed["manifest_sha256"] == hashlib.sha256(data).hexdigest()
    record = json.loads(signed["content"])
    key.public_key().verify(base64.b64decode(record["Signature"]), data)
    assert record["KeyId"] == signed["key_id"]
    assert "PRIVATE" not in signed["content"]


def test_sign_manifest_refuses_an_unusable_key() -> None:
    with pytest.raises(SignatureError):
        sign_manifest(TEXT, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_restore_accepts_a_valid_signature_by_the_pinned_key(key: Ed25519PrivateKey) -> None:
    sig = sign_manifest(TEXT, _pem(key))["content"]
    for public in (_public_b64(key), _public_pem(key)):
        problems, signer = restore_signature_problems(TEXT, _sha(TEXT), sig, public)
        assert problems == [] and signer == sign_manifest(TEXT, _pem(key))["key_id"]


def test_restore_refuses_missing_wrong_key_and_changed_manifest(key: Ed25519PrivateKey) -> None:
    pinned = _public_b64(key)
    sig = sign_manifest(TEXT, _pem(key))["content"]
    missing, _ = restore_signature_problems(TEXT, _sha(TEXT), None, pinned)
    assert missing and "(missing)" in missing[0]
    other = sign_manifest(TEXT, _pem(Ed25519PrivateKey.generate()))["content"]
    wrong, signer = restore_signature_problems(TEXT, _sha(TEXT), other, pinned)
    assert wrong and "(wrong_key)" in wrong[0] and signer
    changed = TEXT.replace("Full", "Fulm")
    bad, _ = restore_signature_problems(changed, _sha(changed), sig, pinned)
    assert bad and "(bad_signature)" in bad[0]


def test_restore_refuses_text_that_is_not_the_signed_bytes(key: Ed25519PrivateKey) -> None:
    # The node's StreamReader drops a byte order mark: the text then re-encodes to other bytes than the entry's.
    sig = sign_manifest(TEXT, _pem(key))["content"]
    bom_sha = hashlib.sha256(b"\xef\xbb\xbf" + TEXT.encode()).hexdigest()
    problems, _ = restore_signature_problems(TEXT, bom_sha, sig, _public_b64(key))
    assert problems and "not plain UTF-8" in problems[0]


def test_restore_refuses_an_unusable_public_key() -> None:
    with pytest.raises(SignatureError):
        restore_signature_problems(TEXT, _sha(TEXT), None, "not a key")


def test_judge_archive_does_not_count_the_signature_as_unlisted() -> None:
    manifest = json.dumps({"BackupMetadata": {"BackupMode": "Full"}, "BackedUpFiles": []})
    sha = hashlib.sha256(b"archive").hexdigest()
    raw = {"archive": "D:\\B\\ServerBackup_Full_20240131_020000.zip", "archive_sha256": sha,
           "sidecar": f"{sha}  ServerBackup_Full_20240131_020000.zip\n", "manifest": manifest,
           "entries": [{"name": "BackupManifest.json", "size": 1, "sha256": "x"},
                       {"name": SIGNATURE_NAME, "size": 1, "sha256": "y"}]}
    assert judge_archive(raw)["ok"], judge_archive(raw)["problems"]
    raw["entries"].append({"name": "Extra.txt", "size": 1, "sha256": "z"})
    assert judge_archive(raw)["problems"] == ["Extra.txt is in the archive but not listed in BackupManifest.json"]
