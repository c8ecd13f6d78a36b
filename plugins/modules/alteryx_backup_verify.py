#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: alteryx_backup_verify
short_description: Verify Alteryx Server backup archives offline, on the controller or any Linux host
version_added: 0.1.0
description:
  - Verifies one backup archive (C(ServerBackup_{Full|DB|Config}_YYYYMMDD_HHmmss.zip)) or every archive directly in a
    folder, reading each archive B(once), front to back, with memory independent of its size.
  - Compares the archive's SHA256 and name with its C(<archive>.sha256) sidecar, and its SHA256 and size with the
    published manifest copy C(<archive>.manifest.json), whose other values must equal the C(BackupManifest.json)
    inside the archive (only the values the archive step fills in may differ). A manifest edited inside the archive
    to match a changed file is caught there even when the sidecar was recomputed.
  - Checks every zip entry's local header against the central directory and its CRC32 and size; every file the
    manifest lists against its SHA256 and size, every listed folder against its file count, and that every file in
    the zip is listed.
  - Checks that the contents match the manifest's mode and node roles - a DatabaseOnly archive has no C(Config/) or
    C(Secrets/), a ConfigOnly archive no C(MongoDB/), a Full or ConfigOnly archive has C(Config/RuntimeSettings.xml),
    a Full archive of a controller with embedded MongoDB has the dump, C(Secrets/) only comes from controllers.
  - Decodes every BSON document of the MongoDB dump (C(.bson) and mongodump C(--gzip) C(.bson.gz)) and compares
    each collection's document count with the manifest (C(Extensions.MongoDB.Databases)) and with the
    C(done dumping) line of C(mongoDump.log), so a truncated dump, or one that lost documents and was re-zipped
    with consistent CRCs and checksums, fails.
  - "Runs where the archives are readable - normally the controller (C(delegate_to: localhost) or
    C(connection: local)); it never contacts an Alteryx node. Nothing is changed."
options:
  path:
    description:
      - An archive, or a folder whose C(ServerBackup_*.zip) archives (directly in it, by name) are all verified.
      - The sidecar and the manifest copy are looked for beside each archive.
    type: path
    required: true
    version_added: 0.1.0
  fail_on_error:
    description:
      - Fail the task when any archive fails a check.
      - With V(false) the task succeeds and RV(archives) and RV(failed_archives) say which archives failed.
      - A path that does not exist or holds no archive fails the task either way.
    type: bool
    default: true
    version_added: 0.1.0
  require_sidecar:
    description:
      - A missing C(<archive>.sha256) sidecar fails the archive; with V(false) it is reported and passes.
    type: bool
    default: true
    version_added: 0.1.0
  require_manifest_copy:
    description:
      - A missing C(<archive>.manifest.json) copy fails the archive; with V(false) it is reported and passes
        (archives published before the copy existed).
    type: bool
    default: true
    version_added: 0.1.0
  public_key:
    description:
      - The Ed25519 public key the archives must be signed with (see M(alteryx.server.alteryx_manifest)'s
        C(signing_key)) - a path to a PEM public key file (C(openssl pkey -in signing.pem -pubout)), PEM text, or
        the base64 of the raw 32-byte key (C(PublicKey) of a C(BackupManifest.json.sig)).
      - When given, an archive fails the C(manifest_signature) check unless C(BackupManifest.json.sig) holds a valid
        signature of the archive's C(BackupManifest.json) by this key - a missing, unreadable, wrong-key or bad
        signature fails. A manifest edited to match changed files (hashes, sidecar and manifest copy recomputed)
        fails here.
      - When empty, a C(.sig) present is still checked against the public key it names (tamper evidence, but
        anyone could have signed - the module warns that the key is not pinned) and an unsigned archive passes.
    type: str
    default: ""
    version_added: 0.1.0
  secrets_key:
    description:
      - Path to the PEM private key of the certificate the archives' secrets are encrypted to (the backup role's
        C(alteryx_backup_secrets_recipient)). When given, every encrypted C(Secrets/*.cms) entry must decrypt with it
        (check C(secrets_decrypt)); a wrong key or passphrase fails the archive and names the certificate the secrets
        were encrypted to. The plaintext is never returned.
      - When empty, encrypted secrets are checked like any other file (hash and size) only.
    type: path
    version_added: 0.1.0
  secrets_key_passphrase:
    description: Passphrase of O(secrets_key), when the key is encrypted.
    type: str
    version_added: 0.1.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - The module only reads; check mode verifies as a normal run does.
  diff_mode:
    support: none
  platform:
    platforms: posix
requirements:
  - pymongo (its C(bson) package decodes the dump)
  - cryptography (Ed25519 signatures; installed with ansible-core)
notes:
  - Throughput and how it is measured are in C(docs/verify.md).
seealso:
  - module: alteryx.server.alteryx_archive
  - module: alteryx.server.alteryx_manifest
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Verify every archive in the backup folder on the controller
  alteryx.server.alteryx_backup_verify:
    path: /mnt/alteryx-backups/controller
  delegate_to: localhost

- name: Verify one archive and report instead of failing
  alteryx.server.alteryx_backup_verify:
    path: /mnt/alteryx-backups/controller/ServerBackup_Full_20260114_020015.zip
    fail_on_error: false
  delegate_to: localhost
  register: verified

- name: Verify archives signed by the controller's key
  alteryx.server.alteryx_backup_verify:
    path: /mnt/alteryx-backups/controller
    public_key: /etc/alteryx-backup/manifest-signing.pub.pem
  delegate_to: localhost

- name: Show the verdict of each archive
  ansible.builtin.debug:
    msg: "{{ verified.archives | map(attribute='summary') | list }}"
"""

RETURN = r"""
archives:
  description: One report per archive verified, in name order.
  returned: success, and when an archive failed
  type: list
  elements: dict
  contains:
    archive:
      description: Path of the archive.
      returned: always
      type: str
      sample: /mnt/alteryx-backups/controller/ServerBackup_Full_20260114_020015.zip
    name:
      description: File name of the archive.
      returned: always
      type: str
      sample: ServerBackup_Full_20260114_020015.zip
    mode:
      description: C(BackupMetadata.BackupMode) of its manifest; empty when the manifest could not be read.
      returned: always
      type: str
      sample: Full
    passed:
      description: Whether every check passed.
      returned: always
      type: bool
      sample: true
    verdict:
      description: C(passed) or C(failed).
      returned: always
      type: str
      sample: passed
    summary:
      description: One line - the verdict with the counts, or the number of failed checks and their kinds.
      returned: always
      type: str
      sample: "ServerBackup_Full_20260114_020015.zip: PASSED - 139 checks, 31 entries, 488 BSON documents, 150155 bytes in 0.03 s"
    checks:
      description:
        - Every check made, in order. C(check) names the comparison - C(archive_name), C(sidecar),
          C(zip_structure), C(crc), C(manifest), C(manifest_copy), C(copy_sha256), C(copy_size),
          C(copy_matches_manifest), C(sha256), C(size), C(directory), C(listed), C(mode), C(manifest_name),
          C(contents), C(manifest_signature), C(secrets_decrypt), C(bson), C(documents), C(dump_log); an archive that cannot be read at all has the one check
          C(readable).
      returned: always
      type: list
      elements: dict
      contains:
        check:
          description: What was compared.
          returned: always
          type: str
          sample: documents
        file:
          description: The zip entry, folder or published file the check is about.
          returned: always
          type: str
          sample: MongoDB/AlteryxGallery/users.bson
        expected:
          description: What the manifest, sidecar, copy or log says, as text.
          returned: always
          type: str
          sample: "60"
        found:
          description: What the archive holds, as text.
          returned: always
          type: str
          sample: "59"
        passed:
          description: Whether the two agree.
          returned: always
          type: bool
          sample: false
    failed_checks:
      description: The failed checks only, shaped as RV(archives[].checks).
      returned: always
      type: list
      elements: dict
      sample: []
    problems:
      description: "One line per failed check - C(<check> <file>: expected <expected>, found <found>)."
      returned: always
      type: list
      elements: str
      sample:
        - "documents MongoDB/AlteryxGallery/users.bson: expected 60, found 59"
    size:
      description: Size of the archive in bytes.
      returned: always
      type: int
      sample: 150155
    sha256:
      description: SHA256 of the archive, lower-case hex.
      returned: always
      type: str
      sample: d44dd4a58f61d755d892e8f5f08092a98db0e6ce2803cf6007562d68d3198408
    entries:
      description: Zip entries read.
      returned: always
      type: int
      sample: 31
    documents:
      description: BSON documents decoded.
      returned: always
      type: int
      sample: 488
    seconds:
      description: Time the verification of this archive took.
      returned: always
      type: float
      sample: 0.027
    signature:
      description: The archive's C(BackupManifest.json.sig), as checked.
      returned: always
      type: dict
      contains:
        signed:
          description: Whether the archive holds C(BackupManifest.json.sig).
          returned: always
          type: bool
          sample: true
        status:
          description: C(valid), C(missing), C(malformed), C(wrong_key) or C(bad_signature).
          returned: always
          type: str
          sample: valid
        key_id:
          description: KeyId of the key that signed (first 16 hex digits of its SHA256); empty when unknown.
          returned: always
          type: str
          sample: 3f9a6c1e0b27d4e8
        pinned:
          description: Whether O(public_key) was given, so the signer was checked and not only the signature.
          returned: always
          type: bool
          sample: true
passed_archives:
  description: Number of archives that passed.
  returned: success, and when an archive failed
  type: int
  sample: 3
failed_archives:
  description:
    - Number of archives that failed.
    - Not named C(failed), which Ansible reads as the task's own outcome.
  returned: success, and when an archive failed
  type: int
  sample: 0
msg:
  description: What was verified and the outcome.
  returned: always
  type: str
  sample: 3 archive(s) verified under /mnt/alteryx-backups/controller, all passed
"""

# Imports follow the documentation, as in every Ansible module.
import os  # noqa: E402

from ansible.module_utils.basic import AnsibleModule, missing_required_lib  # noqa: E402

from ansible_collections.alteryx.server.plugins.module_utils._archive_verify import (  # noqa: E402
    VerifyError,
    verify_path,
)
from ansible_collections.alteryx.server.plugins.module_utils._bson_stream import (  # noqa: E402
    BSON_IMPORT_ERROR,
    HAS_BSON,
)
from ansible_collections.alteryx.server.plugins.module_utils._signature import (  # noqa: E402
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
    SignatureError,
    load_public_key,
)

ARGUMENT_SPEC = {
    "path": {"type": "path", "required": True},
    "fail_on_error": {"type": "bool", "default": True},
    "require_sidecar": {"type": "bool", "default": True},
    "require_manifest_copy": {"type": "bool", "default": True},
    "public_key": {"type": "str", "default": ""},
    "secrets_key": {"type": "path"},
    "secrets_key_passphrase": {"type": "str", "no_log": True},
}


def _pinned_key(module: AnsibleModule) -> object:
    """The public key of O(public_key): a file's contents when it names a file, else the text itself."""
    value = module.params["public_key"]
    if not value:
        return None
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_IMPORT_ERROR)
    path = os.path.expanduser(value)
    try:
        if os.path.isfile(path):
            with open(path, "rb") as handle:
                return load_public_key(handle.read(64 * 1024))
        return load_public_key(value)
    except OSError as exc:
        module.fail_json(msg=f"Cannot read the public key {value}: {exc.strerror or exc}")
    except SignatureError as exc:
        module.fail_json(msg=f"public_key {value if os.path.isfile(path) else '(text)'}: {exc}")
    return None


def _secrets_key(module: AnsibleModule) -> tuple[bytes | None, bytes | None]:
    """The private key PEM of O(secrets_key) and its passphrase as bytes, or (None, None)."""
    path = module.params["secrets_key"]
    if not path:
        return None, None
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(msg=missing_required_lib("cryptography"), exception=CRYPTOGRAPHY_IMPORT_ERROR)
    try:
        with open(path, "rb") as handle:
            key = handle.read(64 * 1024)
    except OSError as exc:
        module.fail_json(msg=f"Cannot read the secrets key {path}: {exc.strerror or exc}")
    passphrase = module.params["secrets_key_passphrase"]
    return key, passphrase.encode("utf-8") if passphrase else None


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    if not HAS_BSON:
        module.fail_json(msg=missing_required_lib("pymongo"), exception=BSON_IMPORT_ERROR)
    path = module.params["path"]
    pinned = _pinned_key(module)
    secrets_key, secrets_passphrase = _secrets_key(module)
    try:
        reports = verify_path(path, require_sidecar=module.params["require_sidecar"],
                              require_manifest_copy=module.params["require_manifest_copy"], public_key=pinned,
                              secrets_key=secrets_key, secrets_key_passphrase=secrets_passphrase)
    except VerifyError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg=f"Cannot read {exc.filename or path}: {exc.strerror or exc}")
    for report in reports:
        if report["signature"]["signed"] and not report["signature"]["pinned"]:
            module.warn(f"{report['name']} is signed by key {report['signature']['key_id'] or '(unknown)'}, which "
                        "was not checked against a trusted key: set public_key to pin the signer")
    failed = [r for r in reports if not r["passed"]]
    outcome = "all passed" if not failed else f"{len(failed)} failed: " + ", ".join(r["name"] for r in failed)
    result = {"changed": False, "archives": reports, "passed_archives": len(reports) - len(failed),
              "failed_archives": len(failed),
              "msg": f"{len(reports)} archive(s) verified under {path}, {outcome}"}
    if failed and module.params["fail_on_error"]:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
