# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Decrypt the backup's exported secrets: CMS EnvelopedData (RFC 5652) with RSA key transport.

The backup encrypts ``Secrets/*.cms`` on the Windows host with .NET's ``EnvelopedCms`` to a recipient certificate
(AES-256-CBC, RSA PKCS#1 v1.5 key transport, recipient named by issuer and serial number). Only the private key is
needed to read them back: ``decrypt_cms`` finds the recipient's issuer and serial in the message, makes a throwaway
certificate with that identity around the given key (cryptography's ``pkcs7_decrypt_der`` picks the recipient by
the certificate's issuer and serial) and lets cryptography decrypt. It lives in module_utils so the offline verify
module can use it; ``plugin_utils/_secret_box.py`` re-exports it for restore.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import re

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs7
except ImportError as exc:  # pragma: no cover - exercised by the import guard test
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR: ImportError | None = exc
else:
    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR = None

CMS_FORMAT = "CMS EnvelopedData (AES-256-CBC, RSA key transport)"
ENVELOPED_DATA_OID = "1.2.840.113549.1.7.3"
PEM_LABELS = ("CMS", "PKCS7")
_PEM = re.compile(rb"-----BEGIN (CMS|PKCS7)-----(.*?)-----END \1-----", re.DOTALL)
_SEQUENCE, _SET, _INTEGER, _OID = 0x30, 0x31, 0x02, 0x06
_CONTEXT_0 = 0xA0


def _need_cryptography() -> None:
    if not HAS_CRYPTOGRAPHY:
        raise ValueError("the Python package 'cryptography' is needed to decrypt the archive's secrets "
                         "(pip install cryptography)") from CRYPTOGRAPHY_IMPORT_ERROR


def cms_der(pem_or_der: bytes) -> bytes:
    """The DER bytes of a ``-----BEGIN CMS-----`` (or PKCS7) PEM text, or ``pem_or_der`` itself when it is DER.

    Raises ValueError when the PEM body is not base64."""
    found = _PEM.search(pem_or_der)
    if found is None:
        if pem_or_der.lstrip()[:5] == b"-----":
            raise ValueError(f"is PEM but not a CMS message (expected -----BEGIN {PEM_LABELS[0]}-----)")
        return pem_or_der
    try:
        return base64.b64decode(re.sub(rb"\s+", b"", found.group(2)), validate=True)
    except binascii.Error as exc:
        raise ValueError(f"is a CMS PEM whose body is not base64: {exc}") from None


def _read(data: bytes, at: int) -> tuple[int, int, int, int]:
    """One DER TLV at ``at``: (tag, start of the value, end of the value, end of the TLV)."""
    if at + 2 > len(data):
        raise ValueError("is truncated")
    tag, length = data[at], data[at + 1]
    start = at + 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or start + count > len(data):
            raise ValueError("has an unsupported or truncated DER length")
        length = int.from_bytes(data[start:start + count], "big")
        start += count
    end = start + length
    if end > len(data):
        raise ValueError("is truncated")
    return tag, start, end, end


def _expect(data: bytes, at: int, tag: int, what: str) -> tuple[int, int]:
    found, start, end, _after = _read(data, at)
    if found != tag:
        raise ValueError(f"is not CMS EnvelopedData ({what}: tag 0x{found:02x}, expected 0x{tag:02x})")
    return start, end


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    """(tag, offset of the TLV, end of the TLV) of each element inside a constructed value."""
    items, at = [], start
    while at < end:
        tag, _value, _value_end, after = _read(data, at)
        items.append((tag, at, after))
        at = after
    return items


def _oid_text(raw: bytes) -> str:
    first = raw[0]
    parts, value = [str(min(first // 40, 2)), str(first - 40 * min(first // 40, 2))], 0
    for byte in raw[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(str(value))
            value = 0
    return ".".join(parts)


def recipients(der: bytes) -> list[tuple[bytes, int]]:
    """(issuer Name DER, serial number) of every key-transport recipient of a CMS EnvelopedData message.

    Raises ValueError (its text completes "the message ...") when ``der`` is not such a message."""
    start, end = _expect(der, 0, _SEQUENCE, "ContentInfo")
    oid_start, oid_end = _expect(der, start, _OID, "content type")
    if _oid_text(der[oid_start:oid_end]) != ENVELOPED_DATA_OID:
        raise ValueError(f"is CMS {_oid_text(der[oid_start:oid_end])}, not EnvelopedData ({ENVELOPED_DATA_OID})")
    explicit_start, _explicit_end = _expect(der, oid_end, _CONTEXT_0, "content")
    env_start, env_end = _expect(der, explicit_start, _SEQUENCE, "EnvelopedData")
    parts = _children(der, env_start, env_end)
    infos = next((p for p in parts[1:3] if p[0] == _SET), None)  # after the version and an optional originatorInfo
    if infos is None:
        raise ValueError("is not CMS EnvelopedData (no recipientInfos)")
    found = []
    _tag, set_start, set_end, _after = _read(der, infos[1])
    for tag, at, _end in _children(der, set_start, set_end):
        if tag != _SEQUENCE:
            continue  # a key agreement or KEK recipient: not ours
        _t, info_start, info_end, _a = _read(der, at)
        fields = _children(der, info_start, info_end)
        if len(fields) < 2 or fields[1][0] != _SEQUENCE:
            continue  # a recipient named by subject key identifier
        _t, rid_start, rid_end, _a = _read(der, fields[1][1])
        issuer, serial = _children(der, rid_start, rid_end)[:2]
        _t, serial_start, serial_end, _a = _read(der, serial[1])
        found.append((der[issuer[1]:issuer[2]], int.from_bytes(der[serial_start:serial_end], "big", signed=True)))
    if not found:
        raise ValueError("names no recipient by issuer and serial number")
    return found


def _private_key(private_key_pem: bytes, passphrase: bytes | None) -> rsa.RSAPrivateKey:
    try:
        key = serialization.load_pem_private_key(private_key_pem, password=passphrase or None)
    except TypeError as exc:
        # cryptography says whether a passphrase was missing or not needed.
        raise ValueError(f"the private key cannot be read: {exc} - check the key's passphrase setting") from None
    except ValueError:
        raise ValueError("the private key cannot be read: it is not a PEM private key, or the passphrase is "
                         "wrong") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the private key is not an RSA key: the secrets are encrypted to an RSA certificate")
    return key


def key_id(private_key_pem: bytes, passphrase: bytes | None = None) -> str:
    """SHA-1 (upper-case hex) of the key's public key bits, as Windows shows a certificate's Subject Key Identifier."""
    _need_cryptography()
    public = _private_key(private_key_pem, passphrase).public_key()
    return _public_key_id(public)


def _public_key_id(public: rsa.RSAPublicKey) -> str:
    bits = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    return hashlib.sha1(bits).hexdigest().upper()  # noqa: S324 - an identifier, as certificates use it


def _stand_in_certificate(key: rsa.RSAPrivateKey, issuer: bytes, serial: int) -> x509.Certificate:
    """A certificate with the recipient's issuer and serial around ``key``: only its identity is read."""
    name = x509.Name.from_bytes(issuer)
    now = datetime.datetime.now(datetime.timezone.utc)  # noqa: UP017 - module_utils also run on older Pythons
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name).serial_number(serial)
            .public_key(key.public_key()).not_valid_before(now).not_valid_after(now + datetime.timedelta(days=1))
            .sign(key, hashes.SHA256()))


def decrypt_cms(pem_or_der: bytes, private_key_pem: bytes, passphrase: bytes | None = None, *,
                recipient: str = "") -> bytes:
    """The plaintext of a CMS EnvelopedData message (PEM or DER) encrypted to the certificate of ``private_key_pem``.

    ``recipient`` names the certificate the message was encrypted to (the manifest's thumbprint) in the message of
    a wrong key. Raises ValueError saying what is wrong: not a CMS message, an unreadable key or passphrase, or a key
    that does not decrypt it.
    """
    _need_cryptography()
    try:
        der = cms_der(pem_or_der)
        identities = recipients(der)
    except ValueError as exc:
        raise ValueError(f"the encrypted secret {exc}") from None
    key = _private_key(private_key_pem, passphrase)
    for issuer, serial in identities:
        try:
            return pkcs7.pkcs7_decrypt_der(der, _stand_in_certificate(key, issuer, serial), key, [])
        except ValueError:
            continue
    target = recipient or f"the certificate with serial number {identities[0][1]:X}"
    raise ValueError(f"this archive's secrets were encrypted to {target}; the key given (public key id "
                     f"{_public_key_id(key.public_key())}) does not decrypt it - give the private key of that "
                     "certificate")
