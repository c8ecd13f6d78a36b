"""Twin of alteryx_stage_files.ps1 (critical files, hidden ones included, and secret export into staging)."""

from __future__ import annotations

import base64
import binascii
import re
from datetime import UTC, datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.serialization import pkcs7

from ..host import WinError
from . import ScriptFailure
from ._common import sha256
from ._invoke_native import invoke_native
from ._run_log import add_run_log
from ._step_error import StepError, failure_class_of

PEM_CERT = re.compile(r"-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----")
# .NET Framework's texts: MethodInvocationException around the FormatException / CryptographicException.
BASE64_ERROR = ('Exception calling "FromBase64String" with "1" argument(s): "The input is not a valid Base-64 string as '
                'it contains a non-base 64 character, more than two padding characters, or an illegal character among '
                'the padding characters. "')
CERT_ERROR = 'Exception calling ".ctor" with "1" argument(s): "Cannot find the requested object."'
# EnvelopedCms in .NET Framework does key transport (RSA) only: no key agreement for an EC certificate.
ALGORITHM_ERROR = 'Exception calling "Encrypt" with "1" argument(s): "Unknown cryptographic algorithm."'


def get_recipient(pem: str) -> x509.Certificate:
    """``Get-Recipient``: the certificate of RecipientPem, failing as the X509Certificate2 constructor does."""
    found = PEM_CERT.search(pem)
    if found is None:
        raise StepError("validation", "RecipientPem holds no PEM certificate (-----BEGIN CERTIFICATE-----).")
    try:
        # Convert.FromBase64String skips whitespace and refuses everything else outside the alphabet.
        der = base64.b64decode(re.sub(r"[ \t\r\n]", "", found.group(1)), validate=True)
    except (binascii.Error, ValueError):
        raise StepError("validation", f"RecipientPem is not a usable certificate: {BASE64_ERROR}") from None
    try:
        return x509.load_der_x509_certificate(der)
    except ValueError:
        raise StepError("validation", f"RecipientPem is not a usable certificate: {CERT_ERROR}") from None


def protect_secret(text: str, recipient: x509.Certificate) -> str:
    """``Protect-Secret``: EnvelopedCms (AES-256-CBC, RSA key transport, issuer and serial) as PEM with CRLF lines."""
    if not isinstance(recipient.public_key(), rsa.RSAPublicKey):
        raise StepError("validation", f"Cannot encrypt to the RecipientPem certificate: {ALGORITHM_ERROR}")
    der = (pkcs7.PKCS7EnvelopeBuilder().set_data(text.encode("utf-8"))
           .set_content_encryption_algorithm(algorithms.AES256).add_recipient(recipient)
           .encrypt(serialization.Encoding.DER, [pkcs7.PKCS7Options.Binary]))
    body = base64.b64encode(der).decode("ascii")
    # Base64FormattingOptions.InsertLineBreaks: 76 characters a line, CRLF between lines.
    lines = "\r\n".join(body[i:i + 76] for i in range(0, len(body), 76))
    return f"-----BEGIN CMS-----\r\n{lines}\r\n-----END CMS-----\r\n"


def run(host, p, ctx):
    add_run_log(host, p)
    staging = p["StagingPath"].rstrip("\\")
    files, directories, missing = [], [], []
    exported = {"server_secret_exported": False, "mongo_passwords_exported": False}

    def add_staged(source, dest, category):
        target = host.local_path(f"{staging}\\{dest}")
        target.parent.mkdir(parents=True, exist_ok=True)
        if source:
            host.copy_file(host.local_path(source), target)
            written = host.local_path(source).stat().st_mtime
        else:
            written = target.stat().st_mtime
        files.append({"archive_path": dest.replace("\\", "/"), "source_path": source, "size": target.stat().st_size,
                      "category": category, "sha256": sha256(target),
                      "last_modified": datetime.fromtimestamp(written, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")})

    def export_secret(verb, name, must_contain, recipient):
        out = invoke_native(host, p["ExePath"], verb)
        if not re.search(must_contain, out["stdout"], re.IGNORECASE):
            return False
        if recipient is not None:
            file_name, text = f"{name}.cms", protect_secret(out["stdout"].strip(), recipient)
        else:
            file_name, text = f"{name}.txt", out["stdout"].strip()
        host.write_bytes(host.local_path(f"{staging}\\Secrets\\{file_name}"), text.encode("utf-8"))
        add_staged("", f"Secrets\\{file_name}", "secret")
        return True

    try:
        for entry in p["Items"] or []:
            if not host.local_path(entry["source"]).exists():
                if entry.get("required"):
                    raise StepError("validation", f"Required item {entry['source']} is missing.")
                missing.append({"source": entry["source"], "required": False})
                continue
            item = host.local_path(entry["source"])
            if item.is_dir():
                full = host.win_path(item).rstrip("\\")
                count, total = 0, 0
                for f in host.get_child_items(entry["source"], recurse=True, force=True, files_only=True):
                    add_staged(host.win_path(f), f"{entry['dest']}\\{host.win_path(f)[len(full) + 1:]}", "config")
                    count, total = count + 1, total + f.stat().st_size
                directories.append({"archive_path": entry["dest"].replace("\\", "/"), "source_path": entry["source"],
                                    "file_count": count, "total_bytes": total})
            else:
                add_staged(entry["source"], entry["dest"], "config")
        if p["ExportSecrets"]:
            recipient = get_recipient(p["RecipientPem"]) if p.get("RecipientPem") else None
            host.local_path(f"{staging}\\Secrets").mkdir(parents=True, exist_ok=True)
            exported["server_secret_exported"] = export_secret("getserversecret", "ControllerToken", r"\S", recipient)
            exported["mongo_passwords_exported"] = export_secret("getemongopassword", "MongoPasswords", "Admin",
                                                                 recipient)
    except (WinError, OSError) as exc:
        raise ScriptFailure(f"Cannot stage critical files: {exc}", failure_class_of(exc, "storage"),
                            changed=True) from exc
    return {"changed": True, "result": {"files": files, "directories": directories, "missing": missing, **exported}}
