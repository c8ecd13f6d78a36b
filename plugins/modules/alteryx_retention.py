#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_retention
short_description: Delete backup archives older than the retention of their mode, never the last good one
version_added: 0.1.0
description:
  - Lists the backup archives in every O(folders) entry and deletes, per folder and mode, those older than
    O(retention_days) that are not protected, together with their C(.sha256) sidecars.
  - Per folder and mode, the newest O(min_keep) B(good) archives that are not dated in the future are protected;
    archives dated in the future are always kept. An archive is good when it is in O(verified), or when its
    C(.sha256) sidecar is well-formed (64 hex digits, then optionally its file name, as
    M(alteryx.server.alteryx_archive) writes it), it is at least O(min_bytes) for its mode, its zip directory
    holds C(BackupManifest.json) and its SHA256 on the node equals the sidecar's.
  - A bad archive never counts towards O(min_keep), so a truncated or corrupt newer file cannot cost the last
    good backup its protection. A bad archive that is kept (within the retention) is reported in RV(warnings);
    one older than the retention is deleted like any other unprotected archive.
  - Only file names of this collection are considered - C(ServerBackup_{Full|DB|Config}_YYYYMMDD_HHmmss.zip)
    and C(.zip.sha256), case-sensitively. Anything else (a copy Windows Explorer renamed, a C(.zip.partial),
    a sidecar without its archive) is never deleted; the node checks the name pattern again
    before deleting.
  - The age of an archive comes from the timestamp in its name (not the file time, which copies reset),
    compared with O(now).
  - Hashing multi-GB archives is expensive, so only archives whose SHA256 decides a deletion are hashed. When no
    archive is older than the retention, or the newest archive is one this run verified and O(min_keep) is 1,
    nothing is hashed.
  - Module round trips - one C(ansible.windows.win_powershell) call lists the folders (sidecar text and zip
    directory included); only when a SHA256 decides a deletion, one call hashes those archives (one more call
    for each of them that turns out bad, to check the next older candidate); one call deletes, only when
    something is to be deleted. The service is not touched.
options:
  folders:
    description:
      - Folders to clean up, for example the local folder and the network destinations of
        M(alteryx.server.alteryx_backup_plan). A folder that does not exist has no archives.
      - Each folder is judged on its own; every folder keeps its own newest good archives.
    type: list
    elements: str
    required: true
    version_added: 0.1.0
  retention_days:
    description:
      - Days to keep archives. Either one non-negative integer for every mode, or a dict per mode whose keys are
        modes or their short forms (C(Full), C(DatabaseOnly) or C(DB), C(ConfigOnly) or C(Config)).
      - Keys of a dict are merged over the defaults C(Full=30), C(DatabaseOnly=7) and C(ConfigOnly=14).
      - An unknown key fails with RV(failure_class=invalid_mode), a negative or non-integer value (a string such as
        C("30") included) with RV(failure_class=validation).
    type: raw
    default: {}
    version_added: 0.1.0
  min_keep:
    description:
      - Newest good archives of each mode (per folder) that are always kept; values below 1 count as 1, negative
        values are an error.
    type: int
    default: 1
    version_added: 0.1.0
  modes:
    description:
      - Modes to apply retention to (modes or short forms); archives of other modes are kept untouched and not
        checked. A backup run passes its own mode.
      - When not set, all modes.
    type: list
    elements: str
    version_added: 0.1.0
  min_bytes:
    description:
      - Minimum size of a good archive, per mode; keys as in O(retention_days), values in bytes.
      - Keys are merged over the defaults of M(alteryx.server.alteryx_backup_plan) (C(Full=102400),
        C(DatabaseOnly=51200), C(ConfigOnly=1024)). A backup run passes the same sizes as its archive step.
    type: dict
    default: {}
    version_added: 0.1.0
  verified:
    description:
      - Full paths of archives this run created and verified, for example
        RV(alteryx.server.alteryx_archive#module:published). They count as good without being hashed again.
      - Paths are compared as Windows compares them (case-insensitive); sidecar paths in the list are ignored.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  now:
    description:
      - Reference time, ISO 8601, for example RV(alteryx.server.alteryx_backup_plan#module:started).
        Archive names carry local wall-clock time, so a time zone offset is ignored.
      - When not set, the controller's current local time.
    type: str
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
      - Check mode lists the folders and hashes what decides a deletion, exactly as a normal run, but deletes
        nothing. What would be deleted is returned in RV(would_delete); C(changed) is V(true) when that is not
        empty.
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_backup_plan
  - module: alteryx.server.alteryx_archive
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Delete backups older than the retention of their mode, keeping the newest good one of each
  alteryx.server.alteryx_retention:
    folders: "{{ [backup_plan.local_dir] + backup_plan.destinations }}"
    now: "{{ backup_plan.started }}"

- name: After a backup - apply retention to this run's mode; its archive is good without hashing it again
  alteryx.server.alteryx_retention:
    folders: "{{ [backup_plan.local_dir] + backup_plan.destinations }}"
    modes:
      - "{{ backup_plan.mode }}"
    verified: "{{ backup_archive.published }}"
    min_bytes:
      Full: 102400
      DatabaseOnly: 51200
      ConfigOnly: 1024
    retention_days: 30
    now: "{{ backup_plan.started }}"

- name: Keep database-only backups for 3 days but always the newest 5 good ones; leave other modes alone
  alteryx.server.alteryx_retention:
    folders:
      - D:\Alteryx\Backups
      - \\nas01\backups\alteryx\controller1
    retention_days:
      DB: 3
    min_keep: 5
    modes:
      - DatabaseOnly

- name: Show what retention would delete
  alteryx.server.alteryx_retention:
    folders:
      - D:\Alteryx\Backups
  check_mode: true
  register: retention_preview
"""

RETURN = r"""
deleted:
  description: Full paths of the archives and sidecars deleted; empty in check mode.
  returned: success
  type: list
  elements: str
  sample:
    - D:\Alteryx\Backups\ServerBackup_DB_20240120_020000.zip
    - D:\Alteryx\Backups\ServerBackup_DB_20240120_020000.zip.sha256
would_delete:
  description: Full paths of the archives and sidecars that would be deleted; in check mode only, empty otherwise.
  returned: success
  type: list
  elements: str
  sample:
    - D:\Alteryx\Backups\ServerBackup_DB_20240120_020000.zip
    - D:\Alteryx\Backups\ServerBackup_DB_20240120_020000.zip.sha256
kept:
  description: Full paths of the archives kept, good or not (sidecars not listed).
  returned: success
  type: list
  elements: str
  sample:
    - D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
hashed:
  description:
    - Full paths of the archives whose SHA256 was computed on the node to decide a deletion, in the order checked.
    - Empty when nothing older than the retention depended on it (for example when the newest archive is in
      O(verified) and O(min_keep) is 1).
  returned: success
  type: list
  elements: str
  sample:
    - D:\Alteryx\Backups\ServerBackup_Full_20240130_020000.zip
warnings:
  description:
    - One message per kept archive that does not verify, shown as a warning by Ansible and written to the run
      log. Such an archive is not counted as a good backup.
  returned: success
  type: list
  elements: str
  sample:
    - "D:\\Alteryx\\Backups\\ServerBackup_Full_20240130_020000.zip does not verify: it is 0 bytes, below the minimum of
      102400 for Full; its zip directory has no BackupManifest.json (or cannot be read); not counted as a good backup"
log:
  description:
    - Run log entries of this step; M(alteryx.server.alteryx_finalize) writes them to the host log file.
    - One C(WARNING) entry per archive in RV(warnings), one summary, and one entry per deleted (or in check mode
      would-be deleted) archive with the reason.
  returned: success
  type: list
  elements: dict
  contains:
    time:
      description: Controller local time of the entry, C(yyyy-MM-dd HH:mm:ss).
      returned: success
      type: str
      sample: "2024-01-31 02:04:12"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: success
      type: str
      sample: INFO
    message:
      description: What happened.
      returned: success
      type: str
      sample: "Deleted D:\\Alteryx\\Backups\\ServerBackup_DB_20240120_020000.zip: older than 7-day DatabaseOnly retention (age 11d 0h); deleted"
failure_class:
  description:
    - Kind of failure - C(invalid_mode) (unknown mode in O(retention_days), O(min_bytes) or O(modes)), C(validation)
      (a negative or non-integer number, or a bad O(now)), C(storage) (a folder or sidecar could not be read or a
      file not deleted) or C(general).
    - Not set when the task arguments themselves are invalid.
  returned: failure
  type: str
  sample: storage
exit_code:
  description:
    - Exit code for wrappers, matching RV(failure_class) - 1 general, 2 service_timeout, 3 validation,
      4 storage, 5 mongodb, 6 invalid_mode.
  returned: failure
  type: int
  sample: 4
"""
