# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The exported secrets' encryption, on the controller (pure logic).

The controller token and the MongoDB passwords are encrypted on the Windows host, in memory, to a recipient
certificate (CMS EnvelopedData, AES-256-CBC, RSA key transport). Only the certificate - public - is handed to the
backup; its private key stays with the user (Ansible Vault, a file, an AWX credential) and is needed by verify
(optional) and restore only. Restore and verify import ``recipient_info`` and ``decrypt_cms`` from here.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from ansible_collections.alteryx.server.plugins.module_utils._cms import CMS_FORMAT
from ansible_collections.alteryx.server.plugins.module_utils._cms import decrypt_cms as _decrypt_cms
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
except ImportError:  # pragma: no cover - exercised by the import guard test
    x509 = None  # type: ignore[assignment]

__all__ = ["CMS_FORMAT", "KEYPAIR_COMMAND", "decrypt_cms", "load_recipient", "plaintext_refusal", "recipient_info",
           "secrets_plan"]

VARIABLE = "alteryx_backup_secrets_recipient"
PLAINTEXT_VARIABLE = "alteryx_backup_secrets_plaintext_allowed"
KEYPAIR_COMMAND = ('openssl req -x509 -newkey rsa:3072 -nodes -keyout alteryx-secrets.key -out alteryx-secrets.crt '
                   '-days 3650 -subj "/CN=alteryx-backup-secrets"')
KEY_CUSTODY = ("keep alteryx-secrets.key away from the Alteryx servers and the backup shares - in Ansible Vault, an "
               "AWX credential or an offline password vault; restore needs it, the backup never does")
MAKE_KEYPAIR = (f"make a key pair on the controller with: {KEYPAIR_COMMAND}; set {VARIABLE} to alteryx-secrets.crt "
                f"(the certificate, public) and {KEY_CUSTODY}")
PEM_MARKER = "-----BEGIN CERTIFICATE-----"
MAX_CERTIFICATE_BYTES = 64 * 1024


def _need_cryptography() -> None:
    if x509 is None:
        raise ValueError("the Python package 'cryptography' is needed on the controller to encrypt the secrets "
                         "(pip install cryptography, see requirements.txt)")


def recipient_info(cert_pem: str | bytes, *, now: datetime.datetime | None = None) -> dict[str, str]:
    """Who the secrets are encrypted to. Returned keys: ``subject`` (RFC 4514 text), ``thumbprint`` (SHA-1 of the
    certificate, upper-case hex, as Windows shows it), ``not_after`` (UTC, ``YYYY-MM-DDTHH:MM:SSZ``).

    Raises ValueError saying what to do when the text is not a PEM certificate, its key is not RSA (.NET
    Framework's EnvelopedCms has no key agreement) or it has expired (or is not valid yet).
    """
    _need_cryptography()
    data = cert_pem.encode("utf-8") if isinstance(cert_pem, str) else bytes(cert_pem)
    try:
        cert = x509.load_pem_x509_certificate(data)
    except ValueError as exc:
        raise ValueError(f"the secrets recipient is not a PEM certificate ({exc}); {MAKE_KEYPAIR}") from None
    if not isinstance(cert.public_key(), rsa.RSAPublicKey):
        raise ValueError("the secrets recipient certificate has a non-RSA key: Windows PowerShell 5.1 (.NET "
                         f"Framework EnvelopedCms) encrypts to RSA certificates only; {MAKE_KEYPAIR}")
    now = now or datetime.datetime.now(datetime.UTC)
    not_after = cert.not_valid_after_utc
    if not_after <= now:
        raise ValueError(f"the secrets recipient certificate expired on {not_after:%Y-%m-%d}: make a new key pair "
                         f"(keep the old key for the archives made before) - {MAKE_KEYPAIR}")
    if cert.not_valid_before_utc > now:
        raise ValueError(f"the secrets recipient certificate is not valid before {cert.not_valid_before_utc:%Y-%m-%d}"
                         " (check the controller's clock)")
    return {"subject": cert.subject.rfc4514_string(), "thumbprint": cert.fingerprint(hashes.SHA1()).hex().upper(),
            "not_after": not_after.strftime("%Y-%m-%dT%H:%M:%SZ")}


def decrypt_cms(pem_or_der: bytes, private_key_pem: bytes, passphrase: bytes | None = None, *,
                recipient: str = "") -> bytes:
    """The plaintext of a ``Secrets/*.cms`` file. ``recipient`` (the manifest's
    ``Extensions.SecretsEncryption.Recipient.Thumbprint``) is named when the key does not decrypt it.

    Raises ValueError: not a CMS message, an unreadable key or wrong passphrase, or "this archive's secrets were
    encrypted to <recipient>; the key given ... does not decrypt it".
    """
    return _decrypt_cms(pem_or_der, private_key_pem, passphrase, recipient=recipient)


def load_recipient(value: str, read: Callable[[str], bytes]) -> str:
    """The recipient's PEM text from the setting: the PEM text itself, or a path that ``read`` reads ('' for none).

    Raises ValueError naming the path when it cannot be read (the text of ``read``'s OSError)."""
    text = (value or "").strip()
    if not text or PEM_MARKER in text:
        return text
    try:
        data = read(text)
    except OSError as exc:
        raise ValueError(f"{VARIABLE}: cannot read the certificate {text}: {exc.strerror or exc}; {MAKE_KEYPAIR}") \
            from None
    if len(data) > MAX_CERTIFICATE_BYTES:
        raise ValueError(f"{VARIABLE}: {text} is {len(data)} bytes, too large for a certificate; give the .crt file")
    return data.decode("ascii", errors="replace")


def plaintext_refusal(mode_exports: bool, export_secrets: bool, recipient: str, plaintext_allowed: bool) -> str:
    """Why this run must not export secrets, or ''. ``mode_exports``: the mode holds files (Full, ConfigOnly)."""
    if not (mode_exports and export_secrets) or recipient or plaintext_allowed:
        return ""
    return ("Exporting the controller token and the MongoDB passwords needs a certificate to encrypt them to, and "
            f"{VARIABLE} is not set: {MAKE_KEYPAIR}. To keep them in plaintext instead (anyone who can read an "
            f"archive can then take over the controller) set {PLAINTEXT_VARIABLE}=true; to back up without them, "
            "alteryx_backup_export_secrets=false. Nothing was stopped.")


def secrets_plan(*, mode_exports: bool, export_secrets: bool, recipient_pem: str, plaintext_allowed: bool,
                 now: datetime.datetime | None = None) -> dict[str, Any]:
    """How this run treats the exported secrets. Returned keys: ``encrypted`` (bool), ``recipient``
    ({subject, thumbprint, not_after} or None), ``plaintext_allowed`` (bool), ``refusal`` (the validation message
    for a controller that would export secrets unencrypted, else ''), ``warning`` (for plaintext by choice, else '').

    Raises AlteryxStepError(validation) when a recipient is given but is not usable (see ``recipient_info``).
    """
    recipient = None
    if recipient_pem:
        try:
            recipient = recipient_info(recipient_pem, now=now)
        except ValueError as exc:
            raise AlteryxStepError(f"{VARIABLE}: {exc}. Nothing was done on the node.", "validation") from None
    warning = ""
    if mode_exports and export_secrets and recipient is None and plaintext_allowed:
        warning = (f"{PLAINTEXT_VARIABLE} is true: the controller token and the MongoDB passwords go into the archive "
                   f"in plaintext (Secrets/*.txt); anyone who can read the archive can take over the controller. "
                   f"Set {VARIABLE} to encrypt them instead.")
    return {"encrypted": recipient is not None, "recipient": recipient, "plaintext_allowed": bool(plaintext_allowed),
            "refusal": plaintext_refusal(mode_exports, export_secrets, recipient_pem, plaintext_allowed),
            "warning": warning}
