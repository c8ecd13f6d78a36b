#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_cluster_gate
short_description: Go on with a cluster's next phase only while every other member is healthy
version_added: 0.1.0
description:
  - Fails when another member of O(members) has a recorded failure (the fact named by O(failure_var)) or has left
    the play (unreachable, or failed without a rescue), naming each such member. The role C(alteryx.server.backup)
    calls it before a node is stopped and before the controller's dump window, so one failed node keeps the rest of
    its cluster running.
  - Runs on the controller only and makes B(no) module round trips.
options:
  cluster:
    description: The cluster's name, for the message.
    type: str
    required: true
    version_added: 0.1.0
  members:
    description: The cluster's hosts in this run (RV(alteryx.server.alteryx_cluster_plan#module:hosts) C(members)).
    type: list
    elements: str
    required: true
    version_added: 0.1.0
  phase:
    description: What is about to happen, for the message.
    type: str
    required: true
    version_added: 0.1.0
  failure_var:
    description: Name of the fact holding a host's recorded failure.
    type: str
    default: alteryx_backup_failure
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
      - Checks the same in check mode; it only reads variables.
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_cluster_plan
"""

EXAMPLES = r"""
- name: Go on only while the rest of the cluster is ready
  alteryx.server.alteryx_cluster_gate:
    cluster: cluster1
    members: [ui1, worker1, controller]
    phase: Stopping worker1
"""

RETURN = r"""
msg:
  description: That every member is ready, or which members are not.
  returned: always
  type: str
  sample: "cluster cluster1: every member is ready for Stopping worker1"
log:
  description: The run log's entries of this step.
  returned: always
  type: list
  elements: dict
  contains:
    time:
      description: Local time of the controller, C(yyyy-MM-dd HH:mm:ss).
      returned: always
      type: str
      sample: "2026-11-26 02:00:05"
    level:
      description: C(INFO) or C(ERROR).
      returned: always
      type: str
      sample: INFO
    message:
      description: The text.
      returned: always
      type: str
      sample: "cluster cluster1: every member is ready for Stopping worker1"
  sample: [{time: "2026-11-26 02:00:05", level: INFO, message: "cluster cluster1: every member is ready for Stopping worker1"}]
failure_class:
  description: C(general) when a member is not ready.
  returned: failure
  type: str
  sample: general
exit_code:
  description: 1 when a member is not ready.
  returned: failure
  type: int
  sample: 1
"""
