# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Ed25519 signatures of BackupManifest.json: the ``BackupManifest.json.sig`` format, signing and checking.

Shared by the controller's manifest step (plugin_utils/_manifest_signature.py signs), offline verification
(_archive_verify.py) and the restore check. The signature covers the exact bytes of BackupManifest.json as written
into the archive; the ``.sig`` file next to it is JSON::

    {"Algorithm": "Ed25519", "PublicKey": "<base64 of the raw 32-byte key>",
     "KeyId": "<first 16 hex digits of sha256(raw public key)>", "Signature": "<base64 of the 64-byte signature>"}

The private key never leaves the controller; the public key in the file only says which key signed. Trust comes
from a pinned public key given to verify/restore: without one, a valid signature proves only that the manifest
was not changed after signing by whoever holds the key it names.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import traceback
from typing import Any

try:
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR: str | None = None
except ImportError:  # pragma: no cover - cryptography ships with ansible-core
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = traceback.format_exc()

SIGNATURE_NAME = "BackupManifest.json.sig"
ALGORITHM = "Ed25519"
SIGNATURE_LIMIT = 4096
# Outcomes of check_signature; only VALID passes.
VALID = "valid"
MISSING = "missing"
MALFORMED = "malformed"
WRONG_KEY = "wrong_key"
BAD_SIGNATURE = "bad_signature"


class SignatureError(Exception):
    """A key or signature file that cannot be used, with a message that says how to fix it."""


def _require() -> None:
    if not HAS_CRYPTOGRAPHY:
        raise SignatureError("the Python 'cryptography' package is needed for Ed25519 manifest signatures")


def key_id(raw_public: bytes) -> str:
    """The short name of a public key: the first 16 hex digits of the SHA256 of its 32 raw bytes."""
    return hashlib.sha256(raw_public).hexdigest()[:16]


def load_private_key(pem: bytes, passphrase: str | None = None) -> Any:
    """An Ed25519 private key from PEM (PKCS#8, optionally encrypted with ``passphrase``).

    Raises SignatureError when the text is no PEM private key, the passphrase is wrong or missing, or the key is
    not Ed25519. The messages never quote the key or passphrase."""
    _require()
    password = passphrase.encode("utf-8") if passphrase else None
    try:
        key = serialization.load_pem_private_key(pem, password=password)
    except TypeError as exc:
        # cryptography raises TypeError for "encrypted but no password" and "password but not encrypted".
        hint = "it is encrypted: set the passphrase" if password is None else "it is not encrypted: drop the passphrase"
        raise SignatureError(f"cannot read the signing key: {hint}") from exc
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SignatureError("cannot read the signing key: not a PEM private key, or the passphrase is wrong") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise SignatureError(f"the signing key is a {type(key).__name__.lstrip('_')}, not an Ed25519 key "
                             "(make one with: openssl genpkey -algorithm ed25519 -out signing.pem)")
    return key


def load_public_key(text: str | bytes) -> Any:
    """An Ed25519 public key from PEM (SubjectPublicKeyInfo) or from the base64 of its 32 raw bytes.

    Raises SignatureError when it is neither, or not Ed25519."""
    _require()
    data = text.encode("ascii", errors="replace") if isinstance(text, str) else bytes(text)
    if b"-----BEGIN" in data:
        try:
            key = serialization.load_pem_public_key(data)
        except (ValueError, UnsupportedAlgorithm) as exc:
            raise SignatureError(f"the public key is not a readable PEM public key: {exc}") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise SignatureError(f"the public key is a {type(key).__name__.lstrip('_')}, not an Ed25519 key")
        return key
    raw = _b64(data.strip(), "the public key")
    if len(raw) != 32:
        raise SignatureError(f"the public key is {len(raw)} bytes of base64, an Ed25519 key is 32")
    return Ed25519PublicKey.from_public_bytes(raw)


def raw_public(key: Any) -> bytes:
    """The 32 raw bytes of an Ed25519 public key (or of a private key's public half)."""
    public = key.public_key() if hasattr(key, "sign") else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def sign(data: bytes, private_key: Any) -> dict[str, str]:
    """The signature record of ``data``: keys ``Algorithm``, ``PublicKey``, ``KeyId``, ``Signature``."""
    raw = raw_public(private_key)
    return {"Algorithm": ALGORITHM, "PublicKey": base64.b64encode(raw).decode("ascii"), "KeyId": key_id(raw),
            "Signature": base64.b64encode(private_key.sign(data)).decode("ascii")}


def signature_json(record: dict[str, str]) -> str:
    """The text of ``BackupManifest.json.sig``: indented JSON with a trailing newline."""
    return json.dumps(record, indent=2) + "\n"


def _b64(data: bytes, what: str) -> bytes:
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError(f"{what} is not valid base64") from exc


def check_signature(manifest: bytes | None, signature: bytes | None, pinned: Any = None) -> dict[str, Any]:
    """Check the ``.sig`` bytes against the manifest bytes, and against ``pinned`` (a public key) when given.

    Returned keys: ``status`` (``valid``, ``missing``, ``malformed``, ``wrong_key``, ``bad_signature``),
    ``passed`` (status is valid), ``key_id`` (the KeyId of the key that signed, '' when unknown), ``pinned``
    (whether a key was given), ``expected`` and ``found`` (texts for a report). Without ``pinned`` a signature is
    checked against the public key it carries itself (tamper evidence without trust: see the module docstring)."""
    _require()
    pinned_id = key_id(raw_public(pinned)) if pinned is not None else ""
    expected = f"a valid Ed25519 signature by key {pinned_id}" if pinned is not None \
        else "a valid Ed25519 signature (key not pinned)"

    def outcome(status: str, found: str, signer: str = "") -> dict[str, Any]:
        return {"status": status, "passed": status == VALID, "key_id": signer, "pinned": pinned is not None,
                "expected": expected, "found": found}

    if signature is None:
        return outcome(MISSING, f"no {SIGNATURE_NAME}")
    if manifest is None:
        return outcome(MISSING, "no BackupManifest.json to check the signature against")
    try:
        record = json.loads(signature[: SIGNATURE_LIMIT + 1].decode("utf-8-sig"))
        if len(signature) > SIGNATURE_LIMIT or not isinstance(record, dict):
            raise ValueError("not a small JSON object")
        if record.get("Algorithm") != ALGORITHM:
            raise ValueError(f"Algorithm is {record.get('Algorithm')!r}, not {ALGORITHM}")
        raw = _b64(str(record.get("PublicKey") or "").encode("ascii", errors="replace"), "PublicKey")
        value = _b64(str(record.get("Signature") or "").encode("ascii", errors="replace"), "Signature")
        if len(raw) != 32 or len(value) != 64:
            raise ValueError("PublicKey must be 32 bytes and Signature 64")
        public = Ed25519PublicKey.from_public_bytes(raw)
    except (ValueError, SignatureError) as exc:
        return outcome(MALFORMED, f"unreadable {SIGNATURE_NAME}: {exc}")
    signer = key_id(raw)
    if str(record.get("KeyId") or "") != signer:
        return outcome(MALFORMED, f"KeyId {record.get('KeyId')!r} does not name the key in the file ({signer})",
                       signer)
    if pinned is not None and raw != raw_public(pinned):
        return outcome(WRONG_KEY, f"signed by key {signer}", signer)
    try:
        public.verify(value, manifest)
    except InvalidSignature:
        return outcome(BAD_SIGNATURE, f"signature by key {signer} does not match BackupManifest.json "
                                      "(the manifest changed after it was signed)", signer)
    return outcome(VALID, f"valid signature by key {signer}" + ("" if pinned is not None else " (not pinned)"),
                   signer)
