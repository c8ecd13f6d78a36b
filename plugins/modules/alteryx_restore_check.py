#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_restore_check
short_description: Check a backup archive on an Alteryx Server node before restoring it
version_added: 0.1.0
description:
  - Reads the archive on the node itself (the copy the restore will use), read-only - its SHA256, its C(.sha256)
    sidecar, the SHA256 and size of every zip entry and the text of C(BackupManifest.json).
  - Judges on the controller, with the rules of offline verification (M(alteryx.server.alteryx_backup_verify)) - the
    sidecar must name the archive with its hash, every file the manifest lists (C(BackedUpFiles) and
    C(Extensions.MongoDB.DumpFiles)) must be in the archive with its SHA256 and size, and nothing unlisted may be in
    it. Any mismatch fails with RV(failure_class=validation) before anything is restored.
  - Picks the restore scope - O(scope), or the archive's own mode; a C(Full) archive can restore C(ConfigOnly) or
    C(DatabaseOnly) alone, a partial archive only its own part (else RV(failure_class=invalid_mode)).
  - Makes one module round trip (one C(ansible.windows.win_powershell) call). The service is not touched.
options:
  archive:
    description:
      - Full path of the archive on the node; a damaged one is refused.
      - Empty means the newest C(ServerBackup_<mode>_<timestamp>.zip) (by name) in O(backup_path) that verifies and
        whose mode holds O(scope) (a C(DB) archive cannot give C(ConfigOnly)); damaged archives are stepped over, up
        to 10, and named in RV(skipped) and a warning. Subfolders (such as the restore's C(PreRestore) safety
        backups) are not searched.
    type: str
    default: ""
    version_added: 0.1.0
  backup_path:
    description: Folder on the node searched for the newest archive when O(archive) is empty.
    type: str
    default: D:\Alteryx\Backups
    version_added: 0.1.0
  scope:
    description: What to restore; empty means the archive's own mode.
    type: str
    default: ""
    choices: ["", Full, DatabaseOnly, ConfigOnly]
    version_added: 0.1.0
  timestamp:
    description:
      - With O(archive) empty, only archives of this timestamp, as their names carry it (C(YYYYMMDD_HHmmss), e.g.
        C(20240131_020000)).
    type: str
    default: ""
    version_added: 0.1.0
  public_key:
    description:
      - The Ed25519 public key the archive's manifest must be signed with (the pair of the backup's
        C(signing_key), see M(alteryx.server.alteryx_manifest)) - a path to a PEM public key file on the
        B(controller), PEM text, or the base64 of the raw 32-byte key.
      - When given, an archive without C(BackupManifest.json.sig), with a signature by another key, or whose
        C(BackupManifest.json) does not match its signature is refused with RV(failure_class=validation) before
        anything is restored.
      - Empty (the default) - the signature is not checked here.
    type: str
    default: ""
    version_added: 0.1.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - The check is read-only and runs in check mode as well.
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_backup_verify
  - module: alteryx.server.alteryx_restore_config
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Check the newest archive in the node's backup folder
  alteryx.server.alteryx_restore_check:
    backup_path: D:\Alteryx\Backups
  register: restore_check

- name: Check one archive for a configuration restore
  alteryx.server.alteryx_restore_check:
    archive: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
    scope: ConfigOnly
"""

RETURN = r"""
archive:
  description: Full path of the archive that was checked on the node.
  returned: success
  type: str
  sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
archive_sha256:
  description: SHA256 of the archive, lower-case hex.
  returned: success
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
mode:
  description: The archive's C(BackupMetadata.BackupMode).
  returned: success
  type: str
  sample: Full
scope:
  description: The scope to restore - O(scope), or RV(mode) when O(scope) is empty.
  returned: success
  type: str
  sample: ConfigOnly
entries:
  description: Number of file entries in the archive, each hashed.
  returned: success
  type: int
  sample: 31
problems:
  description: What did not match; empty on success (the failed task lists them in its message).
  returned: success
  type: list
  elements: str
  sample: []
signed_by:
  description: KeyId of the pinned key whose valid signature the manifest carries; empty without O(public_key).
  returned: success
  type: str
  sample: 3f9a6c1e0b27d4e8
skipped:
  description: Newer archives the default choice found damaged and stepped over, newest first.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: File name of the archive.
      returned: always
      type: str
      sample: ServerBackup_Full_20240201_020000.zip
    archive:
      description: Full path of the archive.
      returned: always
      type: str
      sample: D:\Alteryx\Backups\ServerBackup_Full_20240201_020000.zip
    problems:
      description: The first problems found (at most 5).
      returned: always
      type: list
      elements: str
      sample: ["ServerBackup_Full_20240201_020000.zip.sha256 is missing - the archive's hash cannot be checked"]
warnings:
  description: The damaged archives stepped over, as one warning.
  returned: success
  type: list
  elements: str
  sample: ["the newest archive(s) did not verify and were skipped - D:\\Alteryx\\Backups\\ServerBackup_Full_20240201_020000.zip"]
manifest:
  description: The archive's C(BackupManifest.json), parsed - the input of the restore steps.
  returned: success
  type: dict
  sample: {"BackupMetadata": {"BackupMode": "Full"}, "BackedUpFiles": []}
log:
  description: Run log entries of this step.
  returned: success
  type: list
  elements: dict
  contains:
    time:
      description: Controller local time of the entry, C(yyyy-MM-dd HH:mm:ss).
      returned: success
      type: str
      sample: "2024-01-31 02:03:30"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: success
      type: str
      sample: INFO
    message:
      description: What happened.
      returned: success
      type: str
      sample: "Archive ServerBackup_Full_20240131_020000.zip (Full) is intact - sidecar and 31 entries match; restoring ConfigOnly"
failure_class:
  description:
    - Kind of failure - C(validation) (no archive, or a damaged one), C(invalid_mode) (the archive holds no such scope) or C(general).
    - Not set when the task arguments themselves are invalid.
  returned: failure
  type: str
  sample: validation
exit_code:
  description:
    - Exit code for wrappers, matching RV(failure_class) - 1 general, 2 service_timeout, 3 validation,
      4 storage, 5 mongodb, 6 invalid_mode.
  returned: failure
  type: int
  sample: 3
"""
