#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_retention
short_description: Delete backup archives older than the retention of their mode
version_added: 0.1.0
description:
  - Lists the backup archives in every O(folders) entry and deletes, per mode, those older than
    O(retention_days), together with their C(.sha256) sidecars.
  - Only file names of this collection are considered - C(ServerBackup_{Full|DB|Config}_YYYYMMDD_HHmmss.zip)
    and C(.zip.sha256). Anything else, including a sidecar without its archive, is never deleted; the node
    checks the name pattern again before deleting.
  - The age of an archive comes from the timestamp in its name (not the file time, which copies reset),
    compared with O(now). Per mode, the newest O(min_keep) archives (at least one) that are not dated in the
    future are always kept, and archives dated in the future are always kept.
  - Module round trips - one C(ansible.windows.win_powershell) call lists the folders; a second one deletes,
    only when something is to be deleted. The service is not touched.
options:
  folders:
    description:
      - Folders to clean up, for example the local folder and the network destinations of
        M(alteryx.server.alteryx_backup_plan). A folder that does not exist has no archives.
    type: list
    elements: str
    required: true
    version_added: 0.1.0
  retention_days:
    description:
      - Days to keep archives, per mode. Keys are modes or their short forms (C(Full), C(DatabaseOnly) or C(DB),
        C(ConfigOnly) or C(Config)), values non-negative integers.
      - Given keys are merged over the defaults C(Full=30), C(DatabaseOnly=7) and C(ConfigOnly=14).
      - An unknown key fails with RV(failure_class=invalid_mode).
    type: dict
    default: {}
    version_added: 0.1.0
  min_keep:
    description:
      - Newest archives of each mode that are always kept; values below 1 count as 1, negative values are an error.
    type: int
    default: 1
    version_added: 0.1.0
  modes:
    description:
      - Modes to apply retention to (modes or short forms); archives of other modes are kept untouched.
      - When not set, all modes.
    type: list
    elements: str
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
      - Check mode lists the folders (one round trip) and plans as a normal run, but deletes nothing. What would
        be deleted is returned in RV(would_delete); C(changed) is V(true) when that is not empty.
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_backup_plan
  - module: alteryx.server.alteryx_archive
author:
  - alteryx.server maintainers
"""

EXAMPLES = r"""
- name: Delete backups older than the retention of their mode
  alteryx.server.alteryx_retention:
    folders: "{{ [backup_plan.local_dir] + backup_plan.destinations }}"
    now: "{{ backup_plan.started }}"

- name: Keep database-only backups for 3 days but always the newest 5; leave other modes alone
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
  description: Full paths of the archives kept (sidecars not listed).
  returned: success
  type: list
  elements: str
  sample:
    - D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
log:
  description:
    - Run log entries of this step; M(alteryx.server.alteryx_finalize) writes them to the host log file.
    - One entry per deleted (or in check mode would-be deleted) file with the reason.
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
    - Kind of failure - C(invalid_mode) (unknown mode in O(retention_days) or O(modes)), C(storage) (a folder could
      not be read or a file not deleted) or C(general).
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
