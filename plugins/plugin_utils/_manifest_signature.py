# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller-side manifest signing and the restore check's signature verdict (pure logic).

The private key is read on the controller and never sent to a node: the manifest step signs the exact bytes it
asks the node to write as BackupManifest.json and writes only the ``.sig`` record (module_utils/_signature.py)
next to it. The restore check judges the signature from the texts the node read out of the archive.
"""

from __future__ import annotations

import hashlib
from typing import Any

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

__all__ = ["SIGNATURE_NAME", "SignatureError", "restore_signature_problems", "sign_manifest", "signing_key_id"]
# A PEM Ed25519 private key is a few hundred bytes; read no more than this of whatever the setting names.
SIGNING_KEY_READ_LIMIT = 64 * 1024


def signing_key_id(key_pem: bytes, passphrase: str | None = None) -> str:
    """Load the signing key exactly as ``sign_manifest`` will and return its key id (16 hex digits), so that a run
    with an unusable key fails before anything on a node is touched. Raises SignatureError (wrong or missing
    passphrase, not PEM, not Ed25519); the message never quotes the key or passphrase."""
    return key_id(raw_public(load_private_key(key_pem, passphrase)))


def sign_manifest(manifest_text: str, key_pem: bytes, passphrase: str | None = None) -> dict[str, Any]:
    """Sign the UTF-8 bytes of ``manifest_text`` (exactly as alteryx_write_file writes them: no BOM).

    Returned keys: ``content`` (the text of BackupManifest.json.sig), ``key_id``, ``manifest_sha256`` (of the
    signed bytes; the node's reported hash of the written file must equal it). Raises SignatureError when the key
    cannot be used."""
    data = manifest_text.encode("utf-8")
    record = sign(data, load_private_key(key_pem, passphrase))
    return {"content": signature_json(record), "key_id": record["KeyId"],
            "manifest_sha256": hashlib.sha256(data).hexdigest()}


def restore_signature_problems(manifest_text: str | None, manifest_sha256: str | None, signature_text: str | None,
                               public_key: str) -> tuple[list[str], str]:
    """Problems with an archive's signature for a restore pinned to ``public_key`` (PEM or base64 raw key).

    ``manifest_text`` is BackupManifest.json as the node decoded it (UTF-8), ``manifest_sha256`` the hash of its
    raw bytes in the archive: the text is re-encoded and must hash the same, else it is not the signed byte
    sequence (a byte order mark or bytes that are not UTF-8). Returns (problems, key_id of the signer or '').
    Raises SignatureError when ``public_key`` itself is unusable."""
    pinned = load_public_key(public_key)
    data = manifest_text.encode("utf-8") if manifest_text is not None else None
    if data is not None and manifest_sha256 is not None \
            and hashlib.sha256(data).hexdigest() != str(manifest_sha256).lower():
        return [f"{SIGNATURE_NAME}: BackupManifest.json is not plain UTF-8 text as it was written, so its signature "
                "cannot hold"], ""
    signature = signature_text.encode("utf-8") if signature_text is not None else None
    verdict = check_signature(data, signature, pinned)
    if verdict["passed"]:
        return [], verdict["key_id"]
    return [f"{SIGNATURE_NAME} ({verdict['status']}): expected {verdict['expected']}, found {verdict['found']}"], \
        verdict["key_id"]
