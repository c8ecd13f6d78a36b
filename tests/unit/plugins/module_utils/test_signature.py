"""Ed25519 manifest signatures: the .sig format, key loading, and what offline verification makes of them."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key
from verify_archives import Built, failed_kinds, read_entries, rewrite, verify

from ansible_collections.alteryx.server.plugins.module_utils._signature import (
    SIGNATURE_NAME,
    SignatureError,
    check_signature,
    key_id,
    load_private_key,
    load_public_key,
    raw_public,
    sign,
    signature_json,
)

MANIFEST = b'{\n  "BackupMetadata": {"BackupMode": "Full"}\n}\n'


def _pem(key: Ed25519PrivateKey, passphrase: bytes | None = None) -> bytes:
    encryption = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def _public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@pytest.fixture(scope="module")
def key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def _sig(data: bytes, key: Ed25519PrivateKey) -> bytes:
    return signature_json(sign(data, key)).encode()


def test_signature_record_has_the_documented_shape(key: Ed25519PrivateKey) -> None:
    record = json.loads(_sig(MANIFEST, key))
    raw = raw_public(key)
    assert set(record) == {"Algorithm", "PublicKey", "KeyId", "Signature"}
    assert record["Algorithm"] == "Ed25519"
    assert base64.b64decode(record["PublicKey"]) == raw and len(raw) == 32
    assert record["KeyId"] == key_id(raw) and len(record["KeyId"]) == 16
    assert len(base64.b64decode(record["Signature"])) == 64
    key.public_key().verify(base64.b64decode(record["Signature"]), MANIFEST)


def test_valid_signature_pinned_and_unpinned(key: Ed25519PrivateKey) -> None:
    sig = _sig(MANIFEST, key)
    pinned = check_signature(MANIFEST, sig, key.public_key())
    assert pinned["passed"] and pinned["status"] == "valid" and pinned["pinned"]
    assert pinned["key_id"] == key_id(raw_public(key))
    loose = check_signature(MANIFEST, sig)
    assert loose["passed"] and not loose["pinned"] and "not pinned" in loose["found"]


def test_one_changed_byte_fails_as_bad_signature(key: Ed25519PrivateKey) -> None:
    changed = MANIFEST.replace(b"Full", b"Fulm")
    for pinned in (key.public_key(), None):
        verdict = check_signature(changed, _sig(MANIFEST, key), pinned)
        assert verdict["status"] == "bad_signature" and not verdict["passed"]


def test_wrong_key_fails_even_when_its_signature_is_valid(key: Ed25519PrivateKey) -> None:
    other = Ed25519PrivateKey.generate()
    verdict = check_signature(MANIFEST, _sig(MANIFEST, other), key.public_key())
    assert verdict["status"] == "wrong_key" and verdict["key_id"] == key_id(raw_public(other))
    assert key_id(raw_public(key)) in verdict["expected"]


def test_missing_signature_and_missing_manifest(key: Ed25519PrivateKey) -> None:
    assert check_signature(MANIFEST, None, key.public_key())["status"] == "missing"
    assert check_signature(None, _sig(MANIFEST, key), key.public_key())["status"] == "missing"


@pytest.mark.parametrize("mangle", [
    lambda r: b"not json",
    lambda r: json.dumps({**r, "Algorithm": "RSA"}).encode(),
    lambda r: json.dumps({**r, "Signature": "%%%"}).encode(),
    lambda r: json.dumps({**r, "PublicKey": base64.b64encode(b"short").decode()}).encode(),
    lambda r: json.dumps({**r, "KeyId": "0000000000000000"}).encode(),
    lambda r: json.dumps([r]).encode(),
    lambda r: b" " * 5000,
], ids=["not-json", "algorithm", "base64", "key-length", "key-id", "not-object", "too-large"])
def test_malformed_signature_files(key: Ed25519PrivateKey, mangle) -> None:
    record = sign(MANIFEST, key)
    verdict = check_signature(MANIFEST, mangle(record), key.public_key())
    assert verdict["status"] == "malformed" and not verdict["passed"]


def test_private_key_loading(key: Ed25519PrivateKey) -> None:
    assert raw_public(load_private_key(_pem(key))) == raw_public(key)
    encrypted = _pem(key, b"s3cret")
    assert raw_public(load_private_key(encrypted, "s3cret")) == raw_public(key)
    with pytest.raises(SignatureError, match="set the passphrase"):
        load_private_key(encrypted)
    with pytest.raises(SignatureError, match="passphrase is wrong") as wrong:
        load_private_key(encrypted, "guess")
    assert "guess" not in str(wrong.value)
    with pytest.raises(SignatureError, match="drop the passphrase"):
        load_private_key(_pem(key), "s3cret")
    with pytest.raises(SignatureError, match="not a PEM private key"):
        load_private_key(b"garbage")
    rsa = generate_private_key(public_exponent=65537, key_size=2048)
    rsa_pem = rsa.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    with pytest.raises(SignatureError, match="not an Ed25519 key"):
        load_private_key(rsa_pem)


def test_public_key_loading(key: Ed25519PrivateKey) -> None:
    raw = raw_public(key)
    assert raw_public(load_public_key(_public_pem(key))) == raw
    assert raw_public(load_public_key(_public_pem(key).decode())) == raw
    assert raw_public(load_public_key(base64.b64encode(raw).decode() + "\n")) == raw
    with pytest.raises(SignatureError, match="32"):
        load_public_key(base64.b64encode(raw[:31]).decode())
    with pytest.raises(SignatureError, match="base64"):
        load_public_key("not base64 at all!")
    with pytest.raises(SignatureError, match="PEM"):
        load_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")
    rsa = generate_private_key(public_exponent=65537, key_size=2048).public_key()
    rsa_pem = rsa.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    with pytest.raises(SignatureError, match="not an Ed25519 key"):
        load_public_key(rsa_pem)


# --- offline verification of archives -------------------------------------------------------------------------

def _signed(built: Built, key: Ed25519PrivateKey) -> None:
    """Add BackupManifest.json.sig to the archive as the manifest step does, and publish it again."""
    def add(entries: dict[str, bytes]) -> None:
        entries[SIGNATURE_NAME] = _sig(entries["BackupManifest.json"], key)
    rewrite(built.archive, add, fix_manifest=False, fix_sidecar=True, fix_copy=True)


def _signature_check(report: dict) -> dict:
    return next(c for c in report["checks"] if c["check"] == "manifest_signature")


def test_signed_archive_passes_pinned_and_unpinned(full: Built, key: Ed25519PrivateKey) -> None:
    _signed(full, key)
    pinned = verify(full.archive, public_key=key.public_key())
    assert pinned["passed"], pinned["problems"]
    assert pinned["signature"] == {"signed": True, "status": "valid", "key_id": key_id(raw_public(key)),
                                   "pinned": True}
    loose = verify(full.archive)
    assert loose["passed"] and loose["signature"]["pinned"] is False
    assert _signature_check(loose)["passed"]


def test_unsigned_archive_passes_without_a_key_and_fails_with_one(full: Built, key: Ed25519PrivateKey) -> None:
    loose = verify(full.archive)
    assert loose["passed"] and not any(c["check"] == "manifest_signature" for c in loose["checks"])
    assert loose["signature"]["signed"] is False
    pinned = verify(full.archive, public_key=key.public_key())
    assert failed_kinds(pinned) == {"manifest_signature"}
    assert "no BackupManifest.json.sig" in _signature_check(pinned)["found"]


def test_manifest_edited_to_match_changed_files_is_caught_by_the_signature(full: Built, key: Ed25519PrivateKey) -> None:
    _signed(full, key)

    def tamper(entries: dict[str, bytes]) -> None:
        entries["Config/RuntimeSettings.xml"] = entries["Config/RuntimeSettings.xml"].replace(b"True", b"Fals")
    # Hashes in the manifest, the sidecar and the manifest copy are all recomputed: only the signature can tell.
    rewrite(full.archive, tamper, fix_manifest=True, fix_sidecar=True, fix_copy=True)
    for pinned in (key.public_key(), None):
        report = verify(full.archive, public_key=pinned)
        assert failed_kinds(report) == {"manifest_signature"}, report["problems"]
        assert report["signature"]["status"] == "bad_signature"


def test_one_changed_byte_in_the_manifest_fails_the_signature(full: Built, key: Ed25519PrivateKey) -> None:
    _signed(full, key)

    def one_byte(entries: dict[str, bytes]) -> None:
        entries["BackupManifest.json"] = entries["BackupManifest.json"].replace(b'"Full"', b'"Full" ', 1)
    rewrite(full.archive, one_byte, fix_manifest=False, fix_sidecar=True, fix_copy=True)
    report = verify(full.archive, public_key=key.public_key())
    assert failed_kinds(report) == {"manifest_signature"}


def test_archive_signed_by_another_key_fails_pinned(full: Built, key: Ed25519PrivateKey) -> None:
    _signed(full, Ed25519PrivateKey.generate())
    report = verify(full.archive, public_key=key.public_key())
    assert failed_kinds(report) == {"manifest_signature"} and report["signature"]["status"] == "wrong_key"
    assert verify(full.archive)["passed"]  # unpinned it is a valid signature - by someone else's key


def test_oversized_signature_entry_is_malformed_not_missing(full: Built, key: Ed25519PrivateKey) -> None:
    rewrite(full.archive, lambda e: e.__setitem__(SIGNATURE_NAME, b"{" + b" " * 10000 + b"}"), fix_manifest=False,
            fix_sidecar=True, fix_copy=True)
    report = verify(full.archive)
    assert failed_kinds(report) == {"manifest_signature"} and report["signature"]["status"] == "malformed"


def test_signature_entry_is_not_reported_as_unlisted(full: Built, key: Ed25519PrivateKey) -> None:
    _signed(full, key)
    assert SIGNATURE_NAME in read_entries(full.archive)
    report = verify(full.archive)
    listed = next(c for c in report["checks"] if c["check"] == "listed")
    assert listed["passed"] and "listed" not in failed_kinds(report)
