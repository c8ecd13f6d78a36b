#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_preflight
short_description: Check that a backup can run on a node, then take the host-side backup lock
version_added: 0.1.0
description:
  - Runs every check that can fail a backup before anything is stopped, in this order - the connection
    user is an administrator, every O(required_paths) entry exists, the drive of O(local_dir) (created here
    when missing) has O(free_space_factor) times the size of O(mongo_data_path) free, and every
    O(destinations) folder is writable (missing folders are created and a small probe file is written and
    removed).
  - Then takes the lock file O(lock_path), created atomically (of runs started together exactly one gets it) with
    its owner - run id, controller host, the ansible-playbook process id and start stamp, start time and staging
    folder. The lock file's modification time is its heartbeat, refreshed on the host while the run works.
  - A lock held by another run is taken over only when that run is provably gone (its controller is this same
    machine and its ansible-playbook process has ended) or, for a run from another controller, when its
    heartbeat is older than O(stale_seconds) - and never while its dump job is alive on the node (the marker
    O(window_path) names a running job process). Otherwise the task fails with RV(failure_class=general),
    saying who holds the lock and when it becomes stale; nothing was changed.
  - With the lock taken, leftovers of dead runs are removed and reported in RV(preflight.cleaned) and
    RV(warnings) - other runs' C(ServerBackup_*.staging) folders and C(ServerBackup_*.partial) files in
    O(local_dir) and O(destinations). Then the staging folder O(staging_path) is created.
  - Makes one module round trip (one C(ansible.windows.win_powershell) call), two when a lock is taken over.
    The service is not touched.
options:
  run_id:
    description:
      - Id of this run, normally RV(alteryx.server.alteryx_backup_plan#module:run_id); recorded in the lock.
    type: str
    required: true
    version_added: 0.1.0
  local_dir:
    description:
      - Folder on the node where archives are written; created when missing.
      - Its drive must have enough free space, and left-over C(*.partial) files of an interrupted run in it
        are removed.
    type: str
    required: true
    version_added: 0.1.0
  destinations:
    description:
      - Network folders that must be writable, normally RV(alteryx.server.alteryx_backup_plan#module:destinations).
      - WinRM does not delegate credentials, so a share usually needs become, CredSSP, Kerberos delegation
        or access for the node's computer account.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  lock_path:
    description:
      - Lock file that keeps two backup runs on the same node apart.
    type: str
    required: true
    version_added: 0.1.0
  staging_path:
    description:
      - Work folder of this run; created once the lock is taken and recorded in the lock so a later run can
        clean it up if this one is interrupted.
    type: str
    required: true
    version_added: 0.1.0
  mongo_data_path:
    description:
      - Data folder of the embedded MongoDB; its size times O(free_space_factor) must be free on the drive of
        O(local_dir).
      - An empty string means the run makes no dump and only needs the folder to be creatable.
    type: str
    default: ""
    version_added: 0.1.0
  required_paths:
    description:
      - Files or folders that must exist on the node, for example C(C:\ProgramData\Alteryx\RuntimeSettings.xml).
      - A missing entry fails with RV(failure_class=validation) before anything is stopped.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  free_space_factor:
    description:
      - Free space needed on the drive of O(local_dir), as a multiple of the size of O(mongo_data_path).
    type: float
    default: 2.0
    version_added: 0.1.0
  stale_seconds:
    description:
      - A lock of a run from another controller whose heartbeat is older than this many seconds belongs to an
        interrupted run and is taken over; a younger one makes the task fail.
      - The dump window and the archive job refresh the heartbeat while they work.
    type: int
    default: 900
    version_added: 0.1.0
  temp_dir:
    description:
      - Parent folder of O(staging_path) (the spec's C(TempDirectory)); empty means O(local_dir). Created when
        missing; the free space for the dump is checked on its drive, and leftovers of dead runs are removed there too.
    type: str
    default: ""
    version_added: 0.1.0
  log_dir:
    description:
      - Folder of the host log; empty means C(Logs) under O(local_dir). Checked like O(local_dir).
    type: str
    default: ""
    version_added: 0.1.0
  install_dir:
    description:
      - The Alteryx installation folder (RV(alteryx.server.alteryx_facts#module:alteryx_server.install_dir)).
        Before any host call, O(local_dir) and O(log_dir) are refused with RV(failure_class=validation) when they
        lie inside it or inside one of O(protected_paths).
    type: str
    default: ""
    version_added: 0.1.0
  protected_paths:
    description:
      - Data folders of the node that must never receive a backup or a log, such as the MongoDB data folder.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  window_path:
    description:
      - The dump window marker (RV(alteryx.server.alteryx_backup_plan#module:window_path)); while it names a live
        job, no run takes the lock.
    type: str
    default: ""
    version_added: 0.1.0
  restrict_acls:
    description:
      - Limit access to Administrators, SYSTEM and the account the run uses (protected ACL, nothing inherited) - the
        host log (created restricted before its first line is written), the staging folder, and O(local_dir),
        O(temp_dir) and the log folder when this step creates them (an existing folder keeps its ACL). When the ACL
        cannot be set (a FAT32 or exFAT volume) the step fails with RV(failure_class=storage).
      - Network destinations are never changed - their copies inherit the share's permissions.
      - See C(docs/security.md).
    type: bool
    default: true
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
      - The host script runs under C(-WhatIf) - every check runs, but no lock is taken, no stale run is cleaned
        up, and neither O(local_dir) nor O(staging_path) is created; RV(preflight.lock_taken) and C(changed) are
        V(false).
      - The writability check of O(destinations) still creates missing destination folders and writes a probe
        file, because writability cannot be checked otherwise.
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_backup_plan
  - module: alteryx.server.alteryx_finalize
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Check the host and take the backup lock
  alteryx.server.alteryx_preflight:
    run_id: "{{ backup_plan.run_id }}"
    local_dir: "{{ backup_plan.local_dir }}"
    destinations: "{{ backup_plan.destinations }}"
    lock_path: "{{ backup_plan.lock_path }}"
    staging_path: "{{ backup_plan.staging_path }}"
    mongo_data_path: "{{ alteryx_server.mongodb.data_path }}"
    required_paths:
      - C:\ProgramData\Alteryx\RuntimeSettings.xml
  register: preflight

- name: Check a config-only run with a custom lock timeout
  alteryx.server.alteryx_preflight:
    run_id: 20240131020000-d9b08da2
    local_dir: D:\Alteryx\Backups
    lock_path: D:\Alteryx\Backups\.alteryx_backup.lock
    staging_path: D:\Alteryx\Backups\ServerBackup_Config_20240131_020000.staging
    free_space_factor: 1.5
    stale_seconds: 1800
"""

RETURN = r"""
preflight:
  description: What the checks found.
  returned: success
  type: dict
  contains:
    is_admin:
      description: Whether the connection user is an administrator (always V(true) on success).
      returned: success
      type: bool
      sample: true
    mongo_data_bytes:
      description: Size in bytes of O(mongo_data_path); 0 when it is empty.
      returned: success
      type: int
      sample: 1048605
    required_bytes:
      description: Free space needed on the drive of O(local_dir), RV(preflight.mongo_data_bytes) times O(free_space_factor).
      returned: success
      type: int
      sample: 2097210
    free_bytes:
      description: Free space in bytes on the drive of O(local_dir).
      returned: success
      type: int
      sample: 214748364800
    destinations:
      description: Result of the writability check of each O(destinations) entry.
      returned: success
      type: list
      elements: dict
      contains:
        path:
          description: The destination folder.
          returned: success
          type: str
          sample: \\nas01\backups\alteryx\controller1
        writable:
          description: Whether a probe file could be written (always V(true) on success).
          returned: success
          type: bool
          sample: true
        error:
          description: Why the folder is not writable; empty when it is.
          returned: success
          type: str
          sample: ""
    lock_taken:
      description: Whether this run now holds the lock (V(false) in check mode).
      returned: success
      type: bool
      sample: true
    holder_run_id:
      description: Run id of another run's lock found in check mode; empty when there was none.
      returned: success
      type: str
      sample: ""
    holder_controller_host:
      description: Controller of that run; empty when there was none.
      returned: success
      type: str
      sample: ""
    holder_controller_pid:
      description: Its ansible-playbook process id; empty when there was none.
      returned: success
      type: str
      sample: ""
    holder_controller_started:
      description: Start stamp of that process; empty when unknown.
      returned: success
      type: str
      sample: ""
    holder_started_utc:
      description: When that run took the lock, UTC, ISO 8601; empty when there was none.
      returned: success
      type: str
      sample: ""
    holder_age_seconds:
      description: Seconds since that lock's last heartbeat; C(-1) when there was no lock.
      returned: success
      type: int
      sample: -1
    job_alive:
      description: Whether a dump job was running on the node (always V(false) on success outside check mode).
      returned: success
      type: bool
      sample: false
    job_run_id:
      description: Run id of that dump job; empty when none runs.
      returned: success
      type: str
      sample: ""
    job_expires_utc:
      description: When that dump job ends at the latest; empty when none runs.
      returned: success
      type: str
      sample: ""
    stale_run_id:
      description:
        - Id of an interrupted run whose lock was taken over; empty when there was none.
      returned: success
      type: str
      sample: 20240130020000-5f0c2a1b
    stale_started_utc:
      description: When the interrupted run started, UTC, ISO 8601; empty when there was none.
      returned: success
      type: str
      sample: "2024-01-30T02:00:03.1234567Z"
    stale_controller:
      description: Who ran the interrupted run; empty when there was none.
      returned: success
      type: str
      sample: ansible01 (pid 4711)
    cleaned:
      description: Left-overs of interrupted runs that were removed (staging folders and C(*.partial) files).
      returned: success
      type: list
      elements: str
      sample: [D:\Alteryx\Backups\ServerBackup_Full_20240130_020000.20240130020000-5f0c2a1b.staging]
warnings:
  description:
    - Warnings for the backup manifest, for example an interrupted run that was cleaned up.
    - Ansible also displays them as task warnings.
  returned: success
  type: list
  elements: str
  sample:
    - "Took over the lock of an interrupted run 20240130020000-5f0c2a1b (started 2024-01-30T02:00:03.1234567Z from
      ansible01 (pid 4711))"
log:
  description: Run log entries of this step; M(alteryx.server.alteryx_finalize) writes them to the host log file.
  returned: success
  type: list
  elements: dict
  contains:
    time:
      description: Controller local time of the entry, C(yyyy-MM-dd HH:mm:ss).
      returned: success
      type: str
      sample: "2024-01-31 02:00:02"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: success
      type: str
      sample: INFO
    message:
      description: What happened.
      returned: success
      type: str
      sample: "Preflight passed: 214748364800 bytes free, 2097210 needed; 1 network destination(s) writable"
failure_class:
  description:
    - Kind of failure - C(validation) (not an administrator, a required path is missing), C(storage) (not enough
      free space, a destination is not writable) or C(general) (another live run holds the lock).
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
