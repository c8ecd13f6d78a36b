#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_emongodump
short_description: Dump the embedded MongoDB of an Alteryx Server node inside one service downtime window
version_added: 0.1.0
description:
  - Runs the whole downtime window on the node as B(one detached job) - wait for running workflows, stop
    C(AlteryxService), run C(AlteryxService.exe emongodump=<dump_path>), then start the service again.
  - With O(stop_service=true) (the default) the service B(is stopped) for the dump. It is started again in a
    C(finally) block when it was running before, even if the dump fails or the controller loses the
    connection; the job keeps running on the node either way.
  - Before stopping, waits up to O(max_workflow_wait) seconds for running workflows (C(AlteryxEngineCmd.exe));
    workflows still running are killed only with O(force_stop_workflows=true), otherwise the task fails with
    RV(failure_class=service_timeout) and the service is not stopped. While waiting, the heartbeat of the lock
    O(lock_path) is refreshed so the run is not taken for an interrupted one.
  - Only after the service is back, the dump is judged from the command output and C(mongoDump.log) (never
    the exit code, which C(AlteryxService.exe) does not set reliably); a failed dump fails with
    RV(failure_class=mongodb). Every dump file is hashed with SHA256.
  - Module round trips - one C(ansible.windows.win_powershell) call starts the job, then one
    C(ansible.windows.async_status) call every O(poll_interval) seconds until it finishes, plus one to clean
    up the job. Up to two failed polls in a row are retried (and reported in RV(warnings)); a third fails
    the task with RV(failure_class=general) while the job keeps running on the node. A job that runs longer
    than O(timeout) fails with RV(failure_class=service_timeout).
  - Only meaningful for the embedded MongoDB (RV(alteryx.server.alteryx_facts#module:alteryx_server.mongodb.type)
    is C(embedded)); a self-managed MongoDB is dumped by M(alteryx.server.alteryx_mongodump), a SQLite persistence
    copied by M(alteryx.server.alteryx_sqlite_backup). The three return the same keys.
options:
  exe_path:
    description:
      - Full path of C(AlteryxService.exe) on the node, normally
        RV(alteryx.server.alteryx_facts#module:alteryx_server.exe_path).
    type: str
    default: C:\Program Files\Alteryx\bin\AlteryxService.exe
    version_added: 0.1.0
  dump_path:
    description:
      - Folder the dump is written to, normally RV(alteryx.server.alteryx_backup_plan#module:dump_path).
    type: str
    required: true
    version_added: 0.1.0
  stop_service:
    description:
      - Stop the service for the dump and start it again afterwards.
      - With V(false) the dump runs while the service keeps running and no workflow wait happens.
    type: bool
    default: true
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
seealso:
  - module: alteryx.server.alteryx_mongodump
  - module: alteryx.server.alteryx_sqlite_backup
  - module: alteryx.server.alteryx_facts
  - module: alteryx.server.alteryx_service_state
  - module: alteryx.server.alteryx_manifest
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Stop the service, dump MongoDB and start the service again
  alteryx.server.alteryx_emongodump:
    exe_path: "{{ alteryx_server.exe_path }}"
    dump_path: "{{ backup_plan.dump_path }}"
    lock_path: "{{ backup_plan.lock_path }}"
    run_id: "{{ backup_plan.run_id }}"
    window_path: "{{ backup_plan.window_path }}"
  register: dump

- name: Dump within a two hour window, killing workflows after 15 minutes
  alteryx.server.alteryx_emongodump:
    dump_path: D:\Alteryx\Backups\ServerBackup_DB_20240131_020000.staging\MongoDB
    max_workflow_wait: 900
    force_stop_workflows: true
    max_service_wait: 1800
    timeout: 7200
    poll_interval: 15

- name: Report the downtime
  ansible.builtin.debug:
    msg: "{{ dump.files | length }} dump files; service down {{ dump.downtime_seconds | round(1) }} s"
"""

RETURN = r"""
dump_path:
  description: The O(dump_path) written to.
  returned: success, and on a C(mongodb) failure
  type: str
  sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\MongoDB
databases:
  description: Databases dumped, from C(mongoDump.log), sorted by name; empty in check mode.
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
  description: Every file of the dump, including C(mongoDump.log); empty in check mode.
  returned: success, and on a C(mongodb) failure
  type: list
  elements: dict
  contains:
    path:
      description: Path relative to O(dump_path).
      returned: always
      type: str
      sample: AlteryxGallery\users.bson
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
  sample: Would stop AlteryxService, run emongodump=D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\MongoDB, then start it again
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
      sample: emongodump
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
      sample: "emongodump wrote 3 database(s), 488 documents, 21 files; service down 184.7 s"
failure_class:
  description:
    - Kind of failure - C(service_timeout) (workflows still running after O(max_workflow_wait), or the job ran
      longer than O(timeout)), C(mongodb) (the dump failed) or C(general) (for example the connection was lost,
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
