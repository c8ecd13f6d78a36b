"""Make the key pair the backup encrypts the controller secrets to (``make demo``; the same as the openssl one-liner).

    python tests/tools/make_keypair.py FOLDER [COMMON_NAME]

Writes FOLDER/alteryx-secrets.crt (the certificate, public: give it to the backup as
alteryx_backup_secrets_recipient) and FOLDER/alteryx-secrets.key (the private key, mode 0600: keep it away from the
Alteryx servers and the backup shares; verify and restore need it). RSA 3072, valid for 10 years.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

VALID_DAYS = 3650


def make_keypair(folder: Path, common_name: str = "alteryx-backup-secrets") -> tuple[Path, Path]:
    """Write the certificate and the private key into ``folder``; returns (certificate, key) paths."""
    folder.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).serial_number(x509.random_serial_number())
            .public_key(key.public_key()).not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=VALID_DAYS)).sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "alteryx-secrets.crt", folder / "alteryx-secrets.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.NoEncryption()))
    return cert_path, key_path


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    certificate, private_key = make_keypair(Path(sys.argv[1]), *sys.argv[2:])
    print(f"certificate (give it to the backup): {certificate}\nprivate key (keep it apart): {private_key}")
