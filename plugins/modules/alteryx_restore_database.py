#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_restore_database
short_description: Restore the embedded MongoDB of an Alteryx Server controller from a checked backup archive
version_added: 0.1.0
description:
  - Restores the archive's C(MongoDB/) dump with C(AlteryxService.exe emongorestore=<dump>,<new folder>) into a new
    empty folder next to the live data folder (C(<data>_RESTORE_<run_id>)), never into the live folder.
  - Two short downtime windows, each one host job that starts the service again in its own C(finally). First the
    dump is extracted to C(<data>_DUMP_<run_id>) while the service runs, then the service is stopped, emongorestore
    runs and the service is started again. The controller then judges C(mongoRestore.log) - exactly one line
    C(N document(s) restored successfully. M document(s) failed to restore.) with N equal to the manifest's document
    total and M = 0, and no line naming error, critical, fatal or failed (emongorestore can say it completed with
    failed documents). Only a sound restore is switched in, in the second window - the live folder renamed to
    C(<data>_OLD_<run_id>), the restored one put in its place.
  - On any doubt the live data is kept, the C(_RESTORE_) folder removed, the service started again, and the task
    fails with RV(failure_class=mongodb) saying why. Running it again is safe (each run has its own folders).
  - Run M(alteryx.server.alteryx_restore_check) first - it refuses a damaged archive and returns the manifest.
    Between the two windows the service runs for a moment on the old data; stop the Gallery's users first.
  - Makes two or three module round trips (C(ansible.windows.win_powershell); the restore as an async job).
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
    description: Identifier of this restore, part of the new folders' names.
    type: str
    required: true
    version_added: 0.1.0
  data_path:
    description:
      - The live embedded MongoDB data folder (the node's facts, C(alteryx_server.mongodb.data_path)).
      - Empty means the folder the manifest recorded (C(Extensions.MongoDB.DataPath)).
    type: str
    default: ""
    version_added: 0.1.0
  exe_path:
    description: Path of C(AlteryxService.exe) on the node.
    type: str
    default: C:\Program Files\Alteryx\bin\AlteryxService.exe
    version_added: 0.1.0
  service_name:
    description: Name of the Alteryx Windows service.
    type: str
    default: AlteryxService
    version_added: 0.1.0
  max_service_wait:
    description: Seconds to wait for the service to stop or start.
    type: int
    default: 7200
    version_added: 0.1.0
  job_timeout:
    description: Seconds the restore job (extract, stop, emongorestore, start) may take before it is given up.
    type: int
    default: 21600
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
      - Check mode does not contact the node. It returns the folders and the document total in RV(plan) and reports
        C(changed=true).
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_restore_check
  - module: alteryx.server.alteryx_restore_config
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Check the archive
  alteryx.server.alteryx_restore_check:
    archive: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
    scope: DatabaseOnly
  register: restore_check

- name: Restore the embedded MongoDB into a new folder and switch to it when sound
  alteryx.server.alteryx_restore_database:
    archive: "{{ restore_check.archive }}"
    manifest: "{{ restore_check.manifest }}"
    run_id: "20240131_093000"
    data_path: "{{ alteryx_server.mongodb.data_path }}"
    exe_path: "{{ alteryx_server.exe_path }}"
"""

RETURN = r"""
plan:
  description: Where the restore goes and what it must restore.
  returned: always
  type: dict
  contains:
    data_path:
      description: The live data folder.
      returned: always
      type: str
      sample: C:\ProgramData\Alteryx\Service\Persistence\MongoDB
    restore_path:
      description: The new folder emongorestore writes into.
      returned: always
      type: str
      sample: C:\ProgramData\Alteryx\Service\Persistence\MongoDB_RESTORE_20240131_093000
    old_path:
      description: Where the previous data is kept after the switch.
      returned: always
      type: str
      sample: C:\ProgramData\Alteryx\Service\Persistence\MongoDB_OLD_20240131_093000
    staging_path:
      description: Where the dump is extracted to (removed after the restore).
      returned: always
      type: str
      sample: C:\ProgramData\Alteryx\Service\Persistence\MongoDB_DUMP_20240131_093000
    expected_documents:
      description: Document total of the manifest (C(Extensions.MongoDB.Databases)).
      returned: always
      type: int
      sample: 180
    dump_files:
      description: Dump files the manifest lists.
      returned: always
      type: int
      sample: 18
restored_documents:
  description: Documents mongoRestore.log says were restored; null when it has no single summary line.
  returned: success
  type: int
  sample: 180
failed_documents:
  description: Documents mongoRestore.log says failed to restore; null when it has no single summary line.
  returned: success
  type: int
  sample: 0
problems:
  description: Why the restore was not sound; empty on success.
  returned: success
  type: list
  elements: str
  sample: []
restore_log:
  description: The text of mongoRestore.log; null when it was not written.
  returned: success
  type: str
  sample: "2024-01-31T09:31:02.120+0000\t180 document(s) restored successfully. 0 document(s) failed to restore.\n"
final_state:
  description: State of the service after the switch.
  returned: success
  type: str
  sample: Running
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
      sample: Restored 180 document(s) into C:\ProgramData\Alteryx\Service\Persistence\MongoDB
failure_class:
  description:
    - Kind of failure - C(validation) (the manifest has no dump or no data folder), C(mongodb) (the dump could not be
      extracted, emongorestore could not run, its log is not sound, or the switch failed - the live data is kept),
      C(service_timeout) (the service did not stop or start in time) or C(general).
    - Not set when the task arguments themselves are invalid.
  returned: failure
  type: str
  sample: mongodb
exit_code:
  description:
    - Exit code for wrappers, matching RV(failure_class) - 1 general, 2 service_timeout, 3 validation,
      4 storage, 5 mongodb, 6 invalid_mode.
  returned: failure
  type: int
  sample: 5
"""
