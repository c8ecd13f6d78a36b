# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_cluster_plan: every node's cluster, role and part in the run, from the inventory
and the facts already gathered. Runs on the controller only (no host call); meant for ``run_once``."""

from __future__ import annotations

from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._cluster import GROUP_ROLES, PARTIAL_POLICIES, Node, plan_fleet
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import normalize_mode
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry, spool_add

_ROLE_TEXT = {"controller": "controller", "worker": "worker", "ui": "Server UI"}


class ActionModule(AlteryxAction):
    _requires_connection = False
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "mode": {"type": "str", "required": True},
        "stop_service_for_external_db": {"type": "bool", "default": False},
        "mongodb_type": {"type": "str", "default": "auto", "choices": ["auto", "embedded", "self-managed"]},
        "partial_cluster": {"type": "str", "default": "warn", "choices": list(PARTIAL_POLICIES)},
        "facts_var": {"type": "str", "default": "_alteryx_backup_facts"},
        "failure_var": {"type": "str", "default": "alteryx_backup_failure"},
        "cluster_var": {"type": "str", "default": "alteryx_cluster"},
        "plan_var": {"type": "str", "default": "_alteryx_backup_plan"},
    }

    def step(self, args, task_vars):
        nodes = collect_nodes(task_vars, facts_var=args["facts_var"], failure_var=args["failure_var"],
                              cluster_var=args["cluster_var"])
        plan = plan_fleet(nodes, mode=normalize_mode(args["mode"]),
                          stop_for_external_db=args["stop_service_for_external_db"],
                          mongodb_type=args["mongodb_type"], partial_cluster=args["partial_cluster"])
        hostvars = task_vars["hostvars"]
        for name, node in plan["hosts"].items():
            node["log"] = [entry("INFO", _describe(name, node))] + [entry("WARNING", w) for w in node["warnings"]]
            # Run once for the play, so each node's lines go to that node's own run log.
            run_plan = hostvars[name].get(args["plan_var"]) if not self._task.check_mode else None
            if isinstance(run_plan, dict) and run_plan.get("run_id"):
                spool_add(run_plan["run_id"], node["log"])
        # Shown once for the play (run once): members left out by --limit, overridden persistence, ...
        warnings = list(dict.fromkeys(w for node in plan["hosts"].values() for w in node["warnings"]))
        return {"changed": False, **plan, **({"warnings": warnings} if warnings else {})}


def collect_nodes(task_vars: dict[str, Any], *, facts_var: str, failure_var: str, cluster_var: str) -> list[Node]:
    """One Node per host in the play or in an Alteryx inventory group (a member left out by --limit still counts)."""
    groups = task_vars.get("groups") or {}
    hostvars = task_vars["hostvars"]
    in_play = list(task_vars.get("ansible_play_hosts_all") or [])
    active = set(task_vars.get("ansible_play_hosts") or [])
    names = list(dict.fromkeys(in_play + [h for g in GROUP_ROLES for h in groups.get(g) or []]))
    nodes = []
    for name in names:
        host = hostvars[name]
        registered = host.get(facts_var) if name in in_play else None
        facts = None
        if isinstance(registered, dict) and not registered.get("failed") and not registered.get("skipped"):
            facts = (registered.get("ansible_facts") or {}).get("alteryx_server")
        failure = host.get(failure_var) if name in in_play else None
        nodes.append(Node(name=name, groups=[g for g in GROUP_ROLES if name in (groups.get(g) or [])],
                          cluster_var=str(host.get(cluster_var) or ""), in_play=name in in_play,
                          active=name in active, addresses=[str(host.get("ansible_host") or "")], facts=facts,
                          failure=failure if isinstance(failure, dict) else None))
    return nodes


def _describe(name: str, node: dict[str, Any]) -> str:
    """One log line: the node's place in its cluster and what this run does with it."""
    does = []
    if node["dumps"]:
        does.append(f"backs up the {node['persistence']} persistence"
                    + (" with the service stopped" if node["window_stops"] else " without stopping the service"))
    if node["stops"]:
        phase = "Server UI nodes" if node["stop_phase"] == "ui" else "workers"
        does.append(f"is stopped with the {phase} before the controller's dump and started after it")
    does.append("makes an archive" if node["archives"] else "makes no archive")
    return (f"Cluster {node['cluster']} ({', '.join(node['members'])}): {name} is the "
            f"{_ROLE_TEXT.get(node['node_role'], 'unconfigured')} node and " + ", ".join(does))
