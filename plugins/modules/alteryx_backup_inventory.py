#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_backup_inventory
short_description: List an Alteryx Server node's backups and find its newest good backup of each mode
version_added: 0.1.0
description:
  - Lists the C(ServerBackup_{Full|DB|Config}_YYYYMMDD_HHmmss.zip) archives of one node in its local folder
    O(local_dir) and in its network folders (C(<share>\<host_folder>) for each O(network_paths) entry, as
    M(alteryx.server.alteryx_backup_plan) names them), with their size, last write time (UTC), C(.sha256) sidecar,
    C(.manifest.json) copy and zip directory.
  - Judges each copy on the controller - B(good) when its sidecar is well-formed and names it, its manifest copy is
    beside it, its zip directory holds C(BackupManifest.json), it is at least O(min_bytes) for its mode and, when
    hashed (O(verify)), its SHA256 equals the sidecar's - and returns the newest good backup of each mode
    (RV(backups)). The same archive in several folders is one backup, good when any copy is good.
  - One C(ansible.windows.win_powershell) call. Read-only; the service is not touched.
  - A folder that does not exist or cannot be listed is reported in RV(folders) and RV(warnings); it does not fail
    the task. A node that cannot be reached is returned as unreachable (C(unreachable=true)), so a report can name
    it; use C(ignore_unreachable) on the task.
  - M(alteryx.server.alteryx_backup_report) turns the results of every node into the fleet report.
options:
  local_dir:
    description: The node's local backup folder, for example C(D:\Alteryx\Backups).
    type: str
    required: true
    version_added: 0.1.0
  network_paths:
    description: The network shares the backup copies to; the node's folder under each is listed.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  cluster:
    description:
      - The node's cluster (C(alteryx_cluster)); its network copies are then in C(<share>\<cluster>\<host>), as the
        backup role writes them.
    type: str
    default: ""
    version_added: 0.1.0
  host_folder:
    description:
      - The node's folder under each network path, when it is not the one O(cluster) and the inventory host name
        give (C(<cluster>\<host>), or C(<host>) without a cluster).
    type: str
    default: ""
    version_added: 0.1.0
  min_bytes:
    description:
      - Minimum size of a good archive, per mode; keys modes or their short forms (C(Full), C(DatabaseOnly) or
        C(DB), C(ConfigOnly) or C(Config)), values in bytes, merged over C(Full=102400), C(DatabaseOnly=51200) and
        C(ConfigOnly=1024) - the archive step's own minimums.
    type: dict
    default: {}
    version_added: 0.1.0
  verify:
    description:
      - Recompute on the node the SHA256 of the newest archive of each mode in each folder that has a sidecar, and
        compare it with the sidecar. Reads those archives whole (over the network for the shares).
      - Without it no archive is hashed and RV(backups) C(verification) is C(not verified).
    type: bool
    default: false
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
      - Read-only, so check mode lists (and hashes) exactly as a normal run.
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_backup_report
  - module: alteryx.server.alteryx_retention
"""

EXAMPLES = r"""
- name: Find this node's newest good backups
  alteryx.server.alteryx_backup_inventory:
    local_dir: D:\Alteryx\Backups
    network_paths: ['\\fileserver\backups']
    cluster: "{{ alteryx_cluster | default('') }}"
    verify: true
  ignore_unreachable: true
  register: inventory

- name: Show when the last good Full backup was written
  ansible.builtin.debug:
    msg: "{{ inventory.backups.Full.written_utc | default('no good Full backup') }}"
"""

RETURN = r"""
backups:
  description:
    - The newest good backup of each mode that has one, by mode (C(Full), C(DatabaseOnly), C(ConfigOnly)).
    - Each has C(name) (the archive's file name), C(mode), C(written_utc) (the earliest last write time of its good
      copies, UTC - what its age is measured from), C(size) (bytes), C(verification) (C(verified) when a good
      copy's SHA256 was recomputed and equals the sidecar's, else C(not verified)), C(copies) (full paths of its
      good copies) and C(bad_copies) (copies of the same archive that are not good, C([{path, problems}])).
  returned: success
  type: dict
  sample:
    Full:
      name: ServerBackup_Full_20261126_020015.zip
      mode: Full
      written_utc: "2026-11-26T02:14:51Z"
      size: 734003200
      verification: verified
      copies: ['D:\Alteryx\Backups\ServerBackup_Full_20261126_020015.zip']
      bad_copies: [{path: '\\fileserver\backups\prod\controller\ServerBackup_Full_20261126_020015.zip',
                    problems: [it has no .manifest.json copy beside it]}]
bad:
  description: Archive copies newer than their mode's newest good backup that are not good, newest first.
  returned: success
  type: list
  elements: dict
  sample: [{path: 'D:\Alteryx\Backups\ServerBackup_Full_20261127_020011.zip', mode: Full,
            written_utc: "2026-11-27T02:05:02Z", problems: [it has no .sha256 sidecar]}]
archives:
  description: How many archive copies were listed in all folders.
  returned: success
  type: int
  sample: 12
folders:
  description: Each folder listed (the local one first) - whether it exists and why it could not be listed.
  returned: success
  type: list
  elements: dict
  sample: [{path: 'D:\Alteryx\Backups', exists: true, error: ""}, {path: '\\fileserver\backups\controller',
            exists: false, error: ""}]
verified:
  description: Whether the newest archives were hashed (O(verify)).
  returned: success
  type: bool
  sample: true
warnings:
  description:
    - A network folder that does not exist or is not reachable, a folder that could not be listed. Ansible also
      displays them as task warnings.
    - ansible-core 2.19 and later keep this key in a registered result only when it is not empty.
  returned: success
  type: list
  elements: str
  sample: ['\\fileserver\backups\controller does not exist or is not reachable']
failure_class:
  description: C(validation) for invalid O(min_bytes), C(storage) when the host script fails, C(general) otherwise.
  returned: failure
  type: str
  sample: storage
exit_code:
  description: Exit code matching RV(failure_class).
  returned: failure
  type: int
  sample: 4
"""
