#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_sqlite_backup
short_description: Copy the SQLite persistence of a Scheduler-only Alteryx Server controller inside one service downtime window
version_added: 0.1.0
description:
  - Backs up the B(SQLite) persistence of a Scheduler-only controller
    (RV(alteryx.server.alteryx_facts#module:alteryx_server.persistence.type) is C(sqlite)) - every file of
    O(source_path), hidden ones included - as B(one detached job) that waits for workflows, stops
    C(AlteryxService), copies and starts it again - the same window and result as
    M(alteryx.server.alteryx_emongodump).
  - The running service holds its SQLite databases open without sharing, so the copy is only consistent (and
    only possible) while it is stopped; O(stop_service=false) makes the copy fail on a running service
    (RV(failure_class=mongodb), "being used by another process").
  - Every copied file is hashed with SHA256 and listed in RV(files); RV(databases) is empty. A folder without
    files fails with RV(failure_class=mongodb).
  - Module round trips - one C(ansible.windows.win_powershell) call starts the job, then one
    C(ansible.windows.async_status) call every O(poll_interval) seconds until it finishes, plus one to clean
    up the job.
options:
  source_path:
    description:
      - The SQLite persistence folder, normally RV(alteryx.server.alteryx_facts#module:alteryx_server.persistence.path)
        (C(Controller/SQLitePath) of RuntimeSettings.xml).
    type: str
    default: C:\ProgramData\Alteryx\Service\Persistence
    version_added: 0.1.0
  stop_service:
    description:
      - Stop the service for the copy and start it again afterwards.
      - With V(false) the copy runs against a running service, which holds the databases open - it fails.
    type: bool
    default: true
    version_added: 0.1.0
  dump_path:
    description:
      - Folder the dump is written to, normally RV(alteryx.server.alteryx_backup_plan#module:dump_path).
    type: str
    required: true
    version_added: 0.1.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - alteryx.server.service
  - alteryx.server.service.waits
  - alteryx.server.job
  - alteryx.server.job.window
attributes:
  action:
    support: full
  async:
    support: none
    details:
      - The task keyword C(async) is rejected; the module already runs its host work as a detached job, bounded
        by O(timeout).
  bypass_host_loop:
    support: none
  check_mode:
    support: partial
    details:
      - Check mode does not contact the node - the service is not stopped and nothing is dumped. The task
        reports C(changed=true) and in RV(msg) what would run; RV(databases), RV(files) and RV(transitions)
        are empty.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - Connection loss during the job does not leave the service stopped; the task then fails with
    RV(failure_class=general) and the job finishes on the node by itself.
  - Only the controller has a persistence; workers and UI nodes have nothing to copy.
seealso:
  - module: alteryx.server.alteryx_emongodump
  - module: alteryx.server.alteryx_mongodump
  - module: alteryx.server.alteryx_facts
  - module: alteryx.server.alteryx_service_state
  - module: alteryx.server.alteryx_manifest
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Stop the service, copy the SQLite persistence and start the service again
  alteryx.server.alteryx_sqlite_backup:
    source_path: "{{ alteryx_server.persistence.path }}"
    dump_path: "{{ backup_plan.dump_path }}"
    lock_path: "{{ backup_plan.lock_path }}"
    run_id: "{{ backup_plan.run_id }}"
    window_path: "{{ backup_plan.window_path }}"
  register: dump
"""

RETURN = r"""
dump_path:
  description: The O(dump_path) written to.
  returned: success, and on a C(mongodb) failure
  type: str
  sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\MongoDB
databases:
  description: Always empty - the SQLite databases are files, listed in RV(files).
  returned: success, and on a C(mongodb) failure
  type: list
  elements: dict
  contains:
    name:
      description: Database name.
      returned: always
      type: str
      sample: AlteryxGallery
    collections:
      description: Collections dumped.
      returned: always
      type: list
      elements: dict
      contains:
        name:
          description: Collection name.
          returned: always
          type: str
          sample: users
        documents:
          description: Documents dumped.
          returned: always
          type: int
          sample: 60
        bytes:
          description: Size of the collection's C(.bson) file.
          returned: always
          type: int
          sample: 30092
files:
  description: Every file copied from O(source_path); empty in check mode.
  returned: success, and on a C(mongodb) failure
  type: list
  elements: dict
  contains:
    path:
      description: Path relative to O(dump_path).
      returned: always
      type: str
      sample: AlteryxService.db
    size:
      description: Size in bytes.
      returned: always
      type: int
      sample: 30092
    sha256:
      description: SHA256 of the file, lower-case hex.
      returned: always
      type: str
      sample: 394b4a6d0de9d5fe422d6af16b4df2dbf7c6acd137036a3d716d91f015ec943e
transitions:
  description: Service state changes made by the job, in order; empty when the service was not stopped.
  returned: success, on a C(mongodb) or C(service_timeout) failure
  type: list
  elements: dict
  contains:
    service:
      description: The service name.
      returned: always
      type: str
      sample: AlteryxService
    state:
      description: State reached, C(stopped) or C(running).
      returned: always
      type: str
      sample: stopped
    at_utc:
      description: When it was reached, UTC, ISO 8601.
      returned: always
      type: str
      sample: "2024-01-31T02:00:19.2042660Z"
downtime_seconds:
  description: Seconds between stopping and starting the service; 0 when it was not stopped and started again.
  returned: success, and on a C(mongodb) failure
  type: float
  sample: 184.7
initial_state:
  description: Service state before the job, for example C(running), C(stopped) or C(stop_pending).
  returned: success, and on a C(mongodb) failure (not in check mode)
  type: str
  sample: running
final_state:
  description: Service state after the job, for example C(running), C(stopped) or C(start_pending).
  returned: success, and on a C(mongodb) failure (not in check mode)
  type: str
  sample: running
workflows_waited_seconds:
  description: Seconds spent waiting for running workflows.
  returned: success, on a C(mongodb) or C(service_timeout) failure (not in check mode)
  type: int
  sample: 0
workflows_running:
  description: Workflows still running when the wait for them ended (killed when O(force_stop_workflows) is set).
  returned: success, on a C(mongodb) or C(service_timeout) failure (not in check mode)
  type: int
  sample: 0
workflows_killed:
  description: Workflows killed because O(force_stop_workflows) was set.
  returned: success, and on a C(mongodb) failure (not in check mode)
  type: int
  sample: 0
warnings:
  description:
    - Warnings of the host job and of polls of the job that failed and were retried.
    - Each is also in RV(log) as a C(WARNING) entry, and Ansible displays them as task warnings.
  returned: success, not in check mode
  type: list
  elements: str
  sample:
    - "poll of job j518412376512.4711 failed and was retried: WinRM operation timed out"
msg:
  description: What would run; with O(wait=false), that the job started and its id.
  returned: check mode, and with O(wait=false)
  type: str
  sample: >-
    Would stop AlteryxService, copy the SQLite persistence C:\ProgramData\Alteryx\Service\Persistence into
    D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\MongoDB, then start it again
ansible_job_id:
  description: Id of the detached job that did not finish within O(timeout), or that the controller lost track of.
  returned: when the job timed out or could not be polled
  type: str
  sample: j518412376512.4711
job:
  description:
    - Handle of the started job, for the O(alteryx.server.alteryx_dump_wait#module:job) option of
      M(alteryx.server.alteryx_dump_wait), which waits for it and returns this step's result. Holds nothing secret.
    - In check mode no job starts; the handle then carries only what the wait says in check mode.
  returned: with O(wait=false)
  type: dict
  contains:
    ansible_job_id:
      description: Id of the detached job on the host.
      returned: not in check mode
      type: str
      sample: j518412376512.4711
    script:
      description: The host script the job runs.
      returned: not in check mode
      type: str
      sample: alteryx_dump_window
    step:
      description: The step the job is, in messages.
      returned: not in check mode
      type: str
      sample: dump window
    started:
      description: When the job started, seconds since the epoch on the controller's clock.
      returned: not in check mode
      type: float
      sample: 1706666400.25
    timeout:
      description: The job's O(timeout) in seconds.
      returned: not in check mode
      type: int
      sample: 21600
    poll_interval:
      description: The O(poll_interval) the wait polls with.
      returned: not in check mode
      type: float
      sample: 60.0
    no_log:
      description: Whether the job's calls carry a secret (its polls are then no_log too).
      returned: not in check mode
      type: bool
      sample: false
    log_pending:
      description: Run log lines the job appends to the host log first (C(-1) outside the backup role).
      returned: not in check mode
      type: int
      sample: 12
    method:
      description: The dump method.
      returned: always
      type: str
      sample: copy
    dump_path:
      description: The O(dump_path).
      returned: always
      type: str
      sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\MongoDB
    host:
      description: Inventory name of the host whose job it is; the wait refuses the handle on another host.
      returned: always
      type: str
      sample: alteryx01
    check_mode:
      description: Whether the handle comes from check mode (no job started).
      returned: always
      type: bool
      sample: false
    msg:
      description: What the step would do, said again by the wait.
      returned: check mode
      type: str
      sample: Would stop AlteryxService, run emongodump=D:\B\x.staging\MongoDB, then start it again
log:
  description:
    - Run log entries of this step; M(alteryx.server.alteryx_finalize) writes them to the host log file.
    - One C(WARNING) entry per RV(warnings) item, one C(INFO) entry per service transition and a C(SUCCESS)
      summary; on failure a single C(ERROR) entry.
  returned: always, but not by a start with O(wait=false) that succeeded (the wait returns them)
  type: list
  elements: dict
  contains:
    time:
      description: Controller local time of the entry, C(yyyy-MM-dd HH:mm:ss).
      returned: always
      type: str
      sample: "2024-01-31 02:03:25"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: always
      type: str
      sample: SUCCESS
    message:
      description: What happened.
      returned: always
      type: str
      sample: "SQLite copy wrote 2 files; service down 184.7 s"
failure_class:
  description:
    - Kind of failure - C(service_timeout) (workflows still running after O(max_workflow_wait), or the job ran
      longer than O(timeout)), C(mongodb) (the copy failed) or C(general) (for example the connection was lost,
      or three polls of the job failed in a row).
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
