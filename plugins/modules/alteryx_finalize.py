#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_finalize
short_description: End a backup run - write the host log, clean up, unpublish on failure, release the lock
version_added: 0.1.0
description:
  - Ends a backup run on the node, whether it succeeded or failed.
  - Builds the host log on the controller from the C(log) entries of the registered step results in O(steps)
    (in order; steps that did not run are skipped), adds an C(ERROR) entry for each failed step without a log,
    a C(WARNING) entry for each O(unpublish) path and a final C(SUCCESS) or C(ERROR) entry with O(message).
  - On the node, appends that text to O(log_path) (UTF-8, no BOM; the folder is created), removes every
    O(unpublish) path (the archives a failed run published) and the staging folder O(staging_path), and
    removes the lock O(lock_path) only when it belongs to O(run_id). Another run's files are never touched.
  - Makes one module round trip (one C(ansible.windows.win_powershell) call). The service is not touched.
options:
  run_id:
    description:
      - Id of the run; the lock is released only when it records this id.
    type: str
    required: true
    version_added: 0.1.0
  lock_path:
    description:
      - Lock file of the run.
    type: str
    required: true
    version_added: 0.1.0
  window_path:
    description:
      - The dump window's marker (normally RV(alteryx.server.alteryx_backup_plan#module:window_path)). When it exists
        after the lock was released, a dump job of this run is still running; wait for it to end (at most until the
        time the marker names) before removing anything, so the service is back when the run ends.
    type: str
    default: ""
    version_added: 0.1.0
  staging_path:
    description:
      - Staging folder of the run, removed with everything in it. An empty string removes nothing.
    type: str
    default: ""
    version_added: 0.1.0
  log_path:
    description:
      - Host log file the run log is appended to. An empty string writes no log file.
    type: str
    default: ""
    version_added: 0.1.0
  steps:
    description:
      - Registered results of the run's steps, in order. Entries that are not dictionaries, and results without
        C(log), only contribute an C(ERROR) entry when they failed.
    type: list
    elements: raw
    default: []
    version_added: 0.1.0
  outcome:
    description:
      - How the run ended; selects the level of the final log entry.
    type: str
    default: success
    choices: [success, failure]
    version_added: 0.1.0
  message:
    description:
      - Text of the final log entry.
      - "An empty string means C(Run <run_id> ended: <outcome>)."
    type: str
    default: ""
    version_added: 0.1.0
  unpublish:
    description:
      - Files to remove because they belong to a failed run, normally
        RV(alteryx.server.alteryx_archive#module:published).
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  restrict_acls:
    description:
      - When O(log_path) does not exist yet, create it (and its folder, when missing) with an ACL limited to
        Administrators, SYSTEM and the account the run uses, before the first line is written. An existing log keeps
        its ACL.
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
      - Check mode renders the log text on the controller and returns it in RV(log_text), but does not contact the
        node - no log file is written, nothing is removed and the lock is kept. C(changed) is V(false) and
        RV(lock_released) is not returned.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - The result has no C(log) list of its own; the rendered log is in RV(log_text).
seealso:
  - module: alteryx.server.alteryx_preflight
  - module: alteryx.server.alteryx_archive
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Write the host log, remove the staging folder and release the lock
  alteryx.server.alteryx_finalize:
    run_id: "{{ backup_plan.run_id }}"
    lock_path: "{{ backup_plan.lock_path }}"
    staging_path: "{{ backup_plan.staging_path }}"
    log_path: "{{ backup_plan.log_path }}"
    steps:
      - "{{ alteryx_facts_result }}"
      - "{{ preflight }}"
      - "{{ archive }}"
    outcome: success
    message: Backup succeeded

- name: Remove what a failed run published and release the lock
  alteryx.server.alteryx_finalize:
    run_id: "{{ backup_plan.run_id }}"
    lock_path: "{{ backup_plan.lock_path }}"
    staging_path: "{{ backup_plan.staging_path }}"
    log_path: "{{ backup_plan.log_path }}"
    steps:
      - "{{ ansible_failed_result }}"
    outcome: failure
    unpublish: "{{ archive.published | default([]) }}"
    window_path: "{{ backup_plan.window_path }}"
"""

RETURN = r"""
log_path:
  description: The host log file written; the O(log_path) given in check mode.
  returned: success
  type: str
  sample: D:\Alteryx\Backups\Logs\BackupLog_Full_20240131_020000.log
log_text:
  description: The text appended to the host log, one C(yyyy-MM-dd HH:mm:ss [LEVEL] message) line per entry.
  returned: success
  type: str
  sample: |
    2024-01-31 02:00:01 [INFO] Alteryx Server 2023.1.1.247 on ALTERYX01: roles controller, worker, ui, MongoDB embedded, service running
    2024-01-31 02:04:12 [SUCCESS] Full backup of controller1 succeeded
removed:
  description: Paths removed - the O(unpublish) files that existed, then the staging folder; empty in check mode.
  returned: success, and on a C(storage) failure
  type: list
  elements: str
  sample:
    - D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging
lock_released:
  description: Whether the lock was removed (V(false) when it is missing or belongs to another run).
  returned: success, not in check mode
  type: bool
  sample: true
window_waited_seconds:
  description: Seconds spent waiting for a dump job of this run that was still running (0 when there was none).
  returned: success, not in check mode
  type: int
  sample: 0
failure_class:
  description:
    - Kind of failure - C(storage) (the log could not be written or a file not removed) or C(general).
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
