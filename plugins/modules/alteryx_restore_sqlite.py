#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_restore_sqlite
short_description: Put the SQLite persistence of a Scheduler-only controller back from a checked backup archive
version_added: 0.1.0
description:
  - Writes every file of the archive's SQLite copy (taken by M(alteryx.server.alteryx_sqlite_backup); it sits under
    C(MongoDB/) in the archive, listed in C(Extensions.MongoDB.DumpFiles)) back into the SQLite folder, at the
    same place relative to it.
  - First a safety copy of every current file, C(<file>.pre-restore-<run_id>) (never overwriting an earlier one),
    then each file written and hashed after writing; a difference from the manifest fails with
    RV(failure_class=storage) and names the safety copies. Hidden files get their attributes back after the write.
  - The running service holds its SQLite databases open without sharing - stop it first (the C(restore) role does,
    and starts it again afterwards, also after a failure). On a running service the safety copy fails and nothing
    is written.
  - Run M(alteryx.server.alteryx_restore_check) first - it refuses a damaged archive and returns the manifest.
  - Makes one module round trip (C(ansible.windows.win_powershell)).
options:
  archive:
    description: Full path of the archive on the node, normally RV(alteryx.server.alteryx_restore_check#module:archive).
    type: str
    required: true
    version_added: 0.1.0
  manifest:
    description: The archive's manifest, RV(alteryx.server.alteryx_restore_check#module:manifest).
    type: dict
    required: true
    version_added: 0.1.0
  run_id:
    description: Identifier of this restore, part of the safety copies' names.
    type: str
    required: true
    version_added: 0.1.0
  sqlite_path:
    description: The SQLite persistence folder (the node's facts, C(alteryx_server.persistence.path)).
    type: str
    default: C:\ProgramData\Alteryx\Service\Persistence
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
    support: partial
    details:
      - Check mode does not contact the node. It returns the files it would write in RV(plan) and reports
        C(changed=true).
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_restore_check
  - module: alteryx.server.alteryx_sqlite_backup
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Check the archive
  alteryx.server.alteryx_restore_check:
    archive: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
    scope: DatabaseOnly
  register: restore_check

- name: Stop the service (it holds the SQLite files open)
  alteryx.server.alteryx_service_state:
    name: AlteryxService
    state: stopped

- name: Put the SQLite persistence back
  alteryx.server.alteryx_restore_sqlite:
    archive: "{{ restore_check.archive }}"
    manifest: "{{ restore_check.manifest }}"
    run_id: "20240131_093000"
    sqlite_path: "{{ alteryx_server.persistence.path }}"
"""

RETURN = r"""
plan:
  description: The files the restore writes.
  returned: always
  type: list
  elements: dict
  contains:
    entry:
      description: Zip entry name.
      returned: always
      type: str
      sample: MongoDB/AlteryxService.db
    path:
      description: Where it is written.
      returned: always
      type: str
      sample: C:\ProgramData\Alteryx\Service\Persistence\AlteryxService.db
    sha256:
      description: SHA256 the manifest records for it.
      returned: always
      type: str
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
files:
  description: The files as written; empty in check mode.
  returned: success
  type: list
  elements: dict
  contains:
    entry:
      description: Zip entry name.
      returned: success
      type: str
      sample: MongoDB/AlteryxService.db
    path:
      description: Where it was written.
      returned: success
      type: str
      sample: C:\ProgramData\Alteryx\Service\Persistence\AlteryxService.db
    size:
      description: Bytes written.
      returned: success
      type: int
      sample: 57344
    sha256:
      description: SHA256 of the file read back after writing.
      returned: success
      type: str
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    safety_copy:
      description: The copy of the previous file; empty when there was none.
      returned: success
      type: str
      sample: C:\ProgramData\Alteryx\Service\Persistence\AlteryxService.db.pre-restore-20240131_093000
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
      sample: "2024-01-31 09:31:05"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: success
      type: str
      sample: INFO
    message:
      description: What happened.
      returned: success
      type: str
      sample: Restored C:\ProgramData\Alteryx\Service\Persistence\AlteryxService.db (57344 bytes)
failure_class:
  description:
    - Kind of failure - C(validation) (the archive holds no SQLite copy, or an entry is missing from it; nothing was
      written) or C(storage) (a safety copy or a write failed - the service still holds the file open, or the disk
      - or a file differs after writing; the files written so far and every safety copy stay).
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
