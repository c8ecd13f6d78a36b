#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_cluster_plan
short_description: Place every node of the play in its Alteryx Server cluster and decide its part in a backup
version_added: 0.1.0
description:
  - Reads, for every host of the play and every host of the inventory groups C(alteryx_controller),
    C(alteryx_workers) and C(alteryx_ui), the variable C(alteryx_cluster), the facts registered by
    M(alteryx.server.alteryx_facts) and the failure the role recorded, and plans each node.
  - A node's cluster is its C(alteryx_cluster) variable; without it, a controller is a cluster of its own and a worker
    or Server UI node joins the controller its RuntimeSettings.xml names (C(Worker/ServerName)), matched by
    inventory name, C(ansible_host) or computer name.
  - Roles come from RuntimeSettings.xml and must agree with the inventory groups. A mismatch, a worker that connects to
    another cluster's controller, two controllers in one cluster, or a failed or unreachable member fails every member
    of that cluster (RV(hosts) C(errors)) before anything is stopped.
  - Order - Server UI nodes stop first, then workers, then the controller's dump window stops, dumps and starts the
    controller; workers and Server UI nodes start after it, in that order. A node with both the Server UI and the worker
    role goes with the Server UI nodes. Nothing is stopped when the persistence is backed up without a stop (a
    self-managed MongoDB unless O(stop_service_for_external_db)) or the cluster's controller is not in the run.
  - Members left out of the run by C(--limit) are not stopped and not backed up; O(partial_cluster) decides whether
    that is a warning or an error.
  - Runs on the controller only and makes B(no) module round trips; use it with C(run_once).
options:
  mode:
    description: The backup mode (C(Full), C(DatabaseOnly), C(ConfigOnly); C(DB) and C(Config) accepted).
    type: str
    required: true
    version_added: 0.1.0
  stop_service_for_external_db:
    description: Stop the cluster for a self-managed MongoDB dump as for an embedded one.
    type: bool
    default: false
    version_added: 0.1.0
  mongodb_type:
    description:
      - C(auto) uses the persistence RuntimeSettings.xml describes; C(embedded) or C(self-managed) overrides it for a
        controller with a MongoDB (with a warning when they differ).
    type: str
    choices: [auto, embedded, self-managed]
    default: auto
    version_added: 0.1.0
  partial_cluster:
    description:
      - What a member of a cluster in the inventory but not in the run means - C(warn) backs up the others (the member
        is not stopped), C(fail) fails the cluster with C(failure_class=validation).
    type: str
    choices: [warn, fail]
    default: warn
    version_added: 0.1.0
  facts_var:
    description: Name of the variable each host registered M(alteryx.server.alteryx_facts) in.
    type: str
    default: _alteryx_backup_facts
    version_added: 0.1.0
  failure_var:
    description: Name of the fact holding a host's recorded failure (C({task, msg, failure_class})).
    type: str
    default: alteryx_backup_failure
    version_added: 0.1.0
  cluster_var:
    description: Name of the variable that ties nodes into a cluster.
    type: str
    default: alteryx_cluster
    version_added: 0.1.0
  plan_var:
    description:
      - Name of the variable each host registered M(alteryx.server.alteryx_backup_plan) in; each node's lines of
        RV(hosts) C(log) go to the host log of that run (not in check mode).
    type: str
    default: _alteryx_backup_plan
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
      - Only reads variables; the same plan in check mode.
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_cluster_gate
  - module: alteryx.server.alteryx_facts
"""

EXAMPLES = r"""
- name: Place every node in its cluster and order the stops
  alteryx.server.alteryx_cluster_plan:
    mode: Full
  run_once: true
  register: fleet

- name: Show this node's part
  ansible.builtin.debug:
    msg: "{{ fleet.hosts[inventory_hostname].stop_phase }}"
"""

RETURN = r"""
hosts:
  description: In-play host name to its plan.
  returned: success
  type: dict
  sample:
    worker1:
      cluster: cluster1
      node_role: worker
      roles: [worker]
      persistence: none
      dumps: false
      window_stops: false
      stops: true
      stop_phase: workers
      archives: true
      members: [ui1, worker1, controller]
      excluded: []
      warnings: []
      errors: []
      failure_class: ""
      log: [{time: "2026-11-26 02:00:01", level: INFO, message: "Cluster cluster1 (ui1, worker1, controller): ..."}]
clusters:
  description: Cluster name to its controller, members in this run, members left out, stop and start order.
  returned: success
  type: dict
  sample:
    cluster1:
      controller: controller
      members: [ui1, worker1, controller]
      excluded: []
      stop_order: [ui1, worker1, controller]
      start_order: [controller, worker1, ui1]
warnings:
  description: Every node's warnings, each once (members left out of the run, an overridden persistence, ...).
  returned: when there is one
  type: list
  elements: str
  sample: ["cluster c1: ui1 is in the inventory but not in this run (--limit): not stopped and not backed up; ..."]
failure_class:
  description: Set only when the task's own arguments are wrong (a node's errors are in RV(hosts)).
  returned: failure
  type: str
  sample: general
exit_code:
  description: Exit code matching RV(failure_class).
  returned: failure
  type: int
  sample: 1
"""
