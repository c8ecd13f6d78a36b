#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_backup_report
short_description: Write the fleet backup report and fail when a server has no fresh good backup
version_added: 0.1.0
description:
  - Reads the M(alteryx.server.alteryx_backup_inventory) result every host of the play registered (O(inventory_var))
    and judges them all at one moment - for each mode in O(max_age_hours), C(OK) when the host's newest good backup
    of that mode was written less than that many hours ago, C(STALE) when it is older, C(MISSING) when there is none.
    A host with no inventory result (unreachable) is C(UNREACHABLE); one whose inventory failed is C(ERROR). A
    host's status is that of its worst mode.
  - Writes C(report.md), C(report.html) and C(report.json) into O(dest) on the controller (each replaced
    atomically).
  - Runs on the controller only, no host call; meant for C(run_once).
  - Fails, after writing the report, with a message naming every C(STALE), C(MISSING), C(UNREACHABLE) and C(ERROR)
    server and why, unless O(fail_on_problem=false) - the check an operator schedules.
options:
  dest:
    description: Folder on the controller for the three report files; created when missing.
    type: path
    required: true
    version_added: 0.1.0
  max_age_hours:
    description:
      - Maximum age in hours of the newest good backup, per mode (keys modes or their short forms). Only the modes
        given are judged; the newest good backups of the others are still listed in the JSON report.
      - "For a nightly Full and an hourly DatabaseOnly backup, for example C({Full: 26, DatabaseOnly: 2})."
    type: dict
    default: {Full: 26}
    version_added: 0.1.0
  fail_on_problem:
    description: Fail when any server is C(STALE), C(MISSING), C(UNREACHABLE) or C(ERROR).
    type: bool
    default: true
    version_added: 0.1.0
  inventory_var:
    description: Name of the variable each host registered M(alteryx.server.alteryx_backup_inventory) in.
    type: str
    default: _alteryx_report_inventory
    version_added: 0.1.0
author:
  - alteryx.server maintainers (@alteryx-server)
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
      - Check mode judges the hosts and fails as a normal run, but writes no file (RV(written) is empty).
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_backup_inventory
"""

EXAMPLES = r"""
- name: Find each node's newest good backups
  alteryx.server.alteryx_backup_inventory:
    local_dir: D:\Alteryx\Backups
  ignore_unreachable: true
  ignore_errors: true
  register: _alteryx_report_inventory

- name: Write the report and fail when a server has no fresh good backup
  alteryx.server.alteryx_backup_report:
    dest: /var/lib/alteryx-reports
    max_age_hours: {Full: 26, DatabaseOnly: 2}
  run_once: true
"""

RETURN = r"""
report:
  description: The whole report, as written to C(report.json).
  returned: success
  type: dict
  contains:
    generated_utc:
      description: When the hosts were judged, UTC.
      returned: success
      type: str
      sample: "2026-11-26T08:00:03Z"
    max_age_hours:
      description: The judged modes and their maximum age in hours.
      returned: success
      type: dict
      sample: {Full: 26.0}
    hosts:
      description:
        - One entry per host of the play, in play order - C(host), C(status), C(message) (why, for a problem),
          C(modes) (per judged mode C(status), C(max_age_hours), C(age_hours) and C(backup), the newest good backup
          as M(alteryx.server.alteryx_backup_inventory) returns it, or null), C(other_backups) (newest good
          backups of the modes not judged), C(bad) and C(folders) (from the inventory).
      returned: success
      type: list
      elements: dict
      sample: [{host: controller, status: STALE, message: "newest good Full backup ServerBackup_Full_20261120_020015.zip
                 is 150.2 h old (limit 26 h)", modes: {}, other_backups: {}, bad: [], folders: []}]
    counts:
      description: Number of hosts per status.
      returned: success
      type: dict
      sample: {OK: 38, STALE: 1, MISSING: 1, UNREACHABLE: 0, ERROR: 0}
    problem_hosts:
      description: The hosts of each problem status that has any.
      returned: success
      type: dict
      sample: {STALE: [prod-wrk2], MISSING: [dev-ctrl]}
    ok:
      description: No host has a problem.
      returned: success
      type: bool
      sample: false
    summary:
      description: One line with the counts and the problem hosts.
      returned: success
      type: str
      sample: "40 servers: 38 OK, 1 STALE (prod-wrk2), 1 MISSING (dev-ctrl)"
summary:
  description: RV(report.summary).
  returned: always
  type: str
  sample: "3 servers: 3 OK"
problem_hosts:
  description: RV(report.problem_hosts).
  returned: always
  type: dict
  sample: {}
written:
  description: The report files written (none in check mode).
  returned: always
  type: list
  elements: str
  sample: [/var/lib/alteryx-reports/report.md, /var/lib/alteryx-reports/report.html,
           /var/lib/alteryx-reports/report.json]
failure_class:
  description: C(validation) when a server has a problem or O(max_age_hours) is invalid, C(storage) when the report
    cannot be written.
  returned: failure
  type: str
  sample: validation
exit_code:
  description: Exit code matching RV(failure_class).
  returned: failure
  type: int
  sample: 3
"""
