#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_backup_plan
short_description: Validate the backup mode and name everything a backup run creates
version_added: 0.1.0
description:
  - Validates the backup mode and computes, before anything happens on the node, every name and path one
    backup run uses - run id, archive name, staging folder, MongoDB dump folder, lock file, host log file
    and the network destinations - plus what the mode includes and the smallest plausible archive size.
  - Runs entirely on the controller and needs no connection to the node; it makes B(no) module round trips
    and never touches the node or C(AlteryxService).
  - Names embed the B(controller's) local wall-clock time as C(YYYYMMDD_HHmmss), for example
    C(ServerBackup_Full_20240131_020000.zip). M(alteryx.server.alteryx_retention) parses these names back.
  - An unknown O(mode) fails with RV(failure_class=invalid_mode) and RV(exit_code=6).
options:
  mode:
    description:
      - What to back up. One of C(Full) (MongoDB dump and critical files), C(DatabaseOnly) (MongoDB dump only)
        or C(ConfigOnly) (critical files only; the service keeps running).
      - The short forms C(DB) and C(Config) are accepted too; case and surrounding blanks are ignored.
      - The result's RV(mode) is always the canonical name.
    type: str
    required: true
    version_added: 0.1.0
  local_dir:
    description:
      - Folder on the node where archives are written and kept, for example C(D:\Alteryx\Backups).
      - The staging folder, the lock file C(.alteryx_backup.lock) and, unless O(log_dir) is set, the C(Logs)
        folder are placed in it.
    type: str
    required: true
    version_added: 0.1.0
  network_paths:
    description:
      - UNC folders that receive a copy of the archive.
      - Each becomes one entry of RV(destinations) with O(host_folder) appended, so nodes of a fleet never
        write into the same folder.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  log_dir:
    description:
      - Folder on the node for the host log file C(BackupLog_{Mode}_YYYYMMDD_HHmmss.log).
      - An empty string means C(Logs) under O(local_dir).
    type: str
    default: ""
    version_added: 0.1.0
  host_folder:
    description:
      - Name of the sub-folder created under every entry of O(network_paths) for this node.
      - The C(alteryx.server.backup) role passes C(inventory_hostname).
    type: str
    required: true
    version_added: 0.1.0
  min_bytes:
    description:
      - Smallest plausible archive size in bytes per mode; a smaller archive is treated as incomplete by
        M(alteryx.server.alteryx_archive).
      - Keys are modes or their short forms (C(Full), C(DatabaseOnly) or C(DB), C(ConfigOnly) or C(Config)),
        values integers. Given keys are merged over the built-in thresholds C(Full=102400),
        C(DatabaseOnly=51200) and C(ConfigOnly=1024).
      - An unknown key fails with RV(failure_class=invalid_mode).
    type: dict
    default: {}
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
      - The plan is pure computation on the controller, so check mode returns the same keys as a normal run
        (with a fresh RV(run_id) each time) and reports C(changed=false) in both.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - The result does not include a C(log) list; nothing is written to the node.
seealso:
  - module: alteryx.server.alteryx_preflight
  - module: alteryx.server.alteryx_archive
  - module: alteryx.server.alteryx_retention
  - module: alteryx.server.alteryx_finalize
author:
  - alteryx.server maintainers
"""

EXAMPLES = r"""
- name: Plan a Full backup of this node
  alteryx.server.alteryx_backup_plan:
    mode: Full
    local_dir: D:\Alteryx\Backups
    network_paths:
      - \\nas01\backups\alteryx
    host_folder: "{{ inventory_hostname }}"
  register: backup_plan

- name: Plan a database-only backup with a custom log folder and size threshold
  alteryx.server.alteryx_backup_plan:
    mode: DB
    local_dir: D:\Alteryx\Backups
    log_dir: D:\Alteryx\Logs
    host_folder: "{{ inventory_hostname }}"
    min_bytes:
      DatabaseOnly: 1048576
  register: backup_plan

- name: Show where the archive will be written
  ansible.builtin.debug:
    msg: "{{ backup_plan.local_dir }}\\{{ backup_plan.archive_name }}"
"""

RETURN = r"""
mode:
  description: Canonical backup mode.
  returned: success
  type: str
  sample: Full
run_id:
  description: Unique id of this run, C(YYYYMMDDHHmmss-<8 hex digits>); the lock file records it.
  returned: success
  type: str
  sample: 20240131020000-d9b08da2
started:
  description: Start time of the run (controller local time, ISO 8601 without offset).
  returned: success
  type: str
  sample: "2024-01-31T02:00:00"
archive_name:
  description: File name of the archive, C(ServerBackup_{Full|DB|Config}_YYYYMMDD_HHmmss.zip).
  returned: success
  type: str
  sample: ServerBackup_Full_20240131_020000.zip
staging_path:
  description: Work folder on the node that is zipped into the archive (removed by M(alteryx.server.alteryx_finalize)).
  returned: success
  type: str
  sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging
dump_path:
  description: Folder under RV(staging_path) for the MongoDB dump; empty when the mode has no dump (C(ConfigOnly)).
  returned: success
  type: str
  sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\MongoDB
lock_path:
  description: Host-side lock file that keeps two runs on the same node apart.
  returned: success
  type: str
  sample: D:\Alteryx\Backups\.alteryx_backup.lock
window_path:
  description: Marker file that exists while the run's dump window job runs on the host.
  returned: success
  type: str
  sample: D:\Alteryx\Backups\.alteryx_backup.lock.window
log_path:
  description: Host log file written by M(alteryx.server.alteryx_finalize).
  returned: success
  type: str
  sample: D:\Alteryx\Backups\Logs\BackupLog_Full_20240131_020000.log
local_dir:
  description: The O(local_dir) given.
  returned: success
  type: str
  sample: D:\Alteryx\Backups
destinations:
  description: Network folders that receive a copy, one per O(network_paths) entry with O(host_folder) appended.
  returned: success
  type: list
  elements: str
  sample:
    - \\nas01\backups\alteryx\controller1
archive_paths:
  description:
    - Every file the archive step may publish - the archive and its C(.sha256) sidecar in RV(local_dir) and in
      each of RV(destinations). A failed run removes them when the archive step's result never arrived.
  returned: success
  type: list
  elements: str
  sample:
    - D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
    - D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip.sha256
includes_dump:
  description: Whether the mode includes a MongoDB dump (C(Full) and C(DatabaseOnly)).
  returned: success
  type: bool
  sample: true
includes_files:
  description: Whether the mode includes the critical files (C(Full) and C(ConfigOnly)).
  returned: success
  type: bool
  sample: true
stops_service:
  description: Whether the run stops C(AlteryxService) for the dump (same as RV(includes_dump)).
  returned: success
  type: bool
  sample: true
min_bytes:
  description: Smallest plausible archive size in bytes for this mode, after merging O(min_bytes) over the defaults.
  returned: success
  type: int
  sample: 102400
failure_class:
  description:
    - Kind of failure. This module only fails with C(invalid_mode) (unknown O(mode) or O(min_bytes) key).
    - Not set when the task arguments themselves are invalid.
  returned: failure
  type: str
  sample: invalid_mode
exit_code:
  description:
    - Exit code for wrappers, matching RV(failure_class) - 1 general, 2 service_timeout, 3 validation,
      4 storage, 5 mongodb, 6 invalid_mode.
  returned: failure
  type: int
  sample: 6
"""
