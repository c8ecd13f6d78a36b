#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_dump_wait
short_description: Wait for a dump window started with wait=false and return the dump's result
version_added: 0.1.0
description:
  - The second half of a dump step run with C(wait=false) (M(alteryx.server.alteryx_emongodump),
    M(alteryx.server.alteryx_mongodump) or M(alteryx.server.alteryx_sqlite_backup)) - that task started the
    downtime window on the node as one detached job and returned its handle RV(alteryx.server.alteryx_emongodump#module:job);
    this one polls the job until it ends, judges the dump and returns B(exactly what the step returns) when it
    waits itself - the same keys, warnings, log, progress lines and failures with their RV(failure_class).
  - Between the two tasks no fork of the controller waits on the node. Started by one task for every host and
    awaited by the next, the dump windows of a whole fleet run side by side whatever C(forks) is.
  - The window on the node does not depend on this task - the job starts the service again in its own
    C(finally) even if this task never runs.
  - Module round trips - one C(ansible.windows.async_status) call every few seconds, growing to the step's
    C(poll_interval), until the job ends, plus one to clean up the job; one more to keep a failed dump's log
    beside the host log inside the backup role, and one per progress line (C(alteryx_backup_progress_seconds)).
    Up to two failed polls in a row are retried (and reported in RV(warnings)); a third fails the task with
    RV(failure_class=general) while the job keeps running on the node.
options:
  job:
    description:
      - The RV(alteryx.server.alteryx_emongodump#module:job) result of the dump step that started the window on this
        host.
      - A handle of another host, or anything else, fails with RV(failure_class=validation).
    type: dict
    required: true
    version_added: 0.1.0
  password:
    description:
      - For a self-managed MongoDB dump (M(alteryx.server.alteryx_mongodump)), the password given to the start; it
        is only removed from any message the job's output quotes, never sent to the node.
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
    details:
      - The task keyword C(async) is rejected; the job it waits for already runs detached.
  bypass_host_loop:
    support: none
  check_mode:
    support: partial
    details:
      - Check mode does not contact the node. With the handle of a start in check mode (no job ran) the task says
        what the step would do, as the step does in check mode; RV(databases), RV(files) and RV(transitions) are
        empty.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - Give the task the same C(timeout) keyword as the step would have had (the job's timeout plus a margin); the
    polls end 30 seconds after the job's own timeout, counted from its start.
seealso:
  - module: alteryx.server.alteryx_emongodump
  - module: alteryx.server.alteryx_mongodump
  - module: alteryx.server.alteryx_sqlite_backup
  - module: alteryx.server.alteryx_finalize
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Start the dump window on every node at once
  alteryx.server.alteryx_emongodump:
    dump_path: "{{ backup_plan.dump_path }}"
    window_path: "{{ backup_plan.window_path }}"
    wait: false
  register: dump_job

- name: Wait for each node's dump window and judge its dump
  alteryx.server.alteryx_dump_wait:
    job: "{{ dump_job.job }}"
  register: dump

- name: Wait for a self-managed MongoDB dump, keeping its password out of messages
  alteryx.server.alteryx_dump_wait:
    job: "{{ mongodump_job.job }}"
    password: "{{ mongodb_password }}"
  register: dump

- name: Report the downtime
  ansible.builtin.debug:
    msg: "{{ dump.files | length }} dump files; service down {{ dump.downtime_seconds | round(1) }} s"
"""

RETURN = r"""
dump_path:
  description: The dump folder written to (the C(dump_path) of the handle).
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
      description: Path relative to the dump folder.
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
  description: Workflows still running when the wait for them ended (killed when the step's C(force_stop_workflows) is set).
  returned: success, on a C(mongodb) or C(service_timeout) failure (not in check mode)
  type: int
  sample: 0
workflows_killed:
  description: Workflows killed because the step's C(force_stop_workflows) was set.
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
  description: What the step that started the job would do (check mode of the start), or that the job would be waited for.
  returned: check mode
  type: str
  sample: Would stop AlteryxService, run emongodump=D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\MongoDB, then start it again
ansible_job_id:
  description: Id of the detached job that did not finish within its timeout, or that the controller lost track of.
  returned: when the job timed out or could not be polled
  type: str
  sample: j518412376512.4711
log:
  description:
    - Run log entries of this step; M(alteryx.server.alteryx_finalize) writes them to the host log file.
    - One C(WARNING) entry per RV(warnings) item, one C(INFO) entry per service transition and a C(SUCCESS)
      summary; on failure a single C(ERROR) entry.
  returned: always
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
    - Kind of failure - C(service_timeout) (workflows still running after the step's C(max_workflow_wait), or the job ran
      longer than its timeout), C(mongodb) (the dump failed) or C(general) (for example the connection was lost,
      or three polls of the job failed in a row).
    - Not set when the task arguments themselves are invalid; C(validation) when O(job) is not a handle of this host.
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
