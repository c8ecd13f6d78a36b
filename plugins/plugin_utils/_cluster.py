# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which cluster each node belongs to, what it does in a backup, and whether the cluster may go ahead (pure logic).

A cluster is one controller with its workers and Server UI nodes. Membership comes from the ``alteryx_cluster``
variable; a node without it belongs to the controller its RuntimeSettings.xml names (``Worker/ServerName``), and a
controller without it is a cluster of its own. Roles come from RuntimeSettings.xml and must agree with the inventory
groups. Stop order: Server UI nodes, then workers, then the controller (whose dump window stops and starts it);
start order is the reverse. A cluster goes ahead only when every member in the run is healthy: one failed or
unreachable member stops the whole cluster from being stopped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

GROUP_ROLES = {"alteryx_controller": "controller", "alteryx_workers": "worker", "alteryx_ui": "ui"}
ROLE_NAMES = {"controller": "controller", "worker": "worker", "ui": "Server UI (Gallery)"}
# The persistence whose backup needs AlteryxService stopped (a self-managed MongoDB only when asked to).
STOPPED_PERSISTENCE = ("embedded", "sqlite")
PARTIAL_POLICIES = ("warn", "fail")


@dataclass
class Node:
    """What the controller knows of one inventory host.

    ``facts`` is the node's ``alteryx_server`` facts (None when not gathered: not in the run, or the call failed);
    ``failure`` is the node's recorded failure ({task, msg, failure_class}) or None; ``active`` is False for a host
    Ansible dropped from the play (unreachable or failed without rescue).
    """

    name: str
    groups: Sequence[str] = ()
    cluster_var: str = ""
    in_play: bool = True
    active: bool = True
    addresses: Sequence[str] = ()
    facts: Mapping[str, Any] | None = None
    failure: Mapping[str, Any] | None = None


@dataclass
class _Member:
    node: Node
    roles: list[str] = field(default_factory=list)
    cluster: str = ""
    # RuntimeSettings.xml enabled no role (an empty override: the installer defaults) and the groups were used.
    roles_from_groups: bool = False


def _host_of(address: str) -> str:
    """``http://ctrl.corp:80/AlteryxService/`` -> ``ctrl.corp``; a bare ``ctrl:80`` -> ``ctrl``."""
    text = (address or "").strip()
    if not text:
        return ""
    parsed = urlsplit(text if "//" in text else "//" + text)
    return (parsed.hostname or "").lower()


def _same_host(a: str, b: str) -> bool:
    """Host names match in full or by their first label (``ctrl`` and ``ctrl.corp.example``)."""
    a, b = a.lower().rstrip("."), b.lower().rstrip(".")
    if not (a and b):
        return False
    if a == b:
        return True
    short, full = (a, b) if "." not in a else (b, a)
    return "." not in short and full.split(".")[0] == short


def _names(node: Node) -> list[str]:
    names = [node.name, *node.addresses]
    if node.facts and node.facts.get("computer_name"):
        names.append(str(node.facts["computer_name"]))
    return [n.lower() for n in names if n]


def node_role(roles: Iterable[str]) -> str:
    """The role that decides a node's place in the order: controller, else Server UI (a combined UI + worker node
    goes down with the UI nodes, before the workers), else worker; '' for a node with no role."""
    roles = list(roles)
    for role in ("controller", "ui", "worker"):
        if role in roles:
            return role
    return ""


def _persistence(facts: Mapping[str, Any], mongodb_type: str) -> tuple[str, list[str]]:
    """The controller's persistence: detected, or the ``mongodb_type`` setting when it is not ``auto``."""
    detected = str((facts.get("persistence") or {}).get("type") or "none")
    if mongodb_type in ("", "auto") or detected == "none":
        return detected, []
    if mongodb_type != detected:
        return mongodb_type, [f"alteryx_backup_mongodb_type={mongodb_type} overrides the {detected} persistence "
                              "RuntimeSettings.xml describes"]
    return detected, []


def plan_fleet(nodes: Sequence[Node], *, mode: str, stop_for_external_db: bool = False, mongodb_type: str = "auto",
               partial_cluster: str = "warn") -> dict[str, Any]:
    """Plan every node in the run. ``mode`` is the canonical backup mode.

    Returned keys: ``hosts`` (in-play host name -> {cluster, node_role, roles, persistence, dumps (backs up the
    cluster's persistence), window_stops (its dump window stops AlteryxService), stops (a UI/worker node stopped for
    its controller's dump), stop_phase ('ui', 'workers' or ''), archives (makes an archive), members (the cluster's
    hosts in this run, stop order), excluded (the cluster's hosts left out of the run), warnings, errors,
    failure_class ('' when no error)}), ``clusters`` (cluster -> {controller, members, excluded, stop_order,
    start_order}).
    """
    if partial_cluster not in PARTIAL_POLICIES:
        raise ValueError(f"partial_cluster must be one of {PARTIAL_POLICIES}")
    members = {n.name: _member(n) for n in nodes}
    _assign_clusters(members)
    clusters: dict[str, list[_Member]] = {}
    for member in members.values():
        clusters.setdefault(member.cluster, []).append(member)
    hosts: dict[str, Any] = {}
    summary: dict[str, Any] = {}
    for cluster, group in sorted(clusters.items()):
        in_play = [m for m in group if m.node.in_play]
        if not in_play:
            continue
        plans, info = _plan_cluster(cluster, group, mode=mode, stop_for_external_db=stop_for_external_db,
                                    mongodb_type=mongodb_type, partial_cluster=partial_cluster)
        hosts.update(plans)
        summary[cluster] = info
    return {"hosts": hosts, "clusters": summary}


def _member(node: Node) -> _Member:
    """The node with its roles: RuntimeSettings.xml's, or its groups' when it has no facts or its settings enable no
    role at all (an empty override layer leaves a node on the installer defaults)."""
    group_roles = [GROUP_ROLES[g] for g in GROUP_ROLES if g in node.groups]
    if node.facts is None:
        return _Member(node, group_roles)
    roles = list(node.facts.get("roles") or [])
    if not roles and group_roles:
        return _Member(node, group_roles, roles_from_groups=True)
    return _Member(node, roles)


def _assign_clusters(members: Mapping[str, _Member]) -> None:
    """Set each member's cluster: its variable, else (controllers) its own name, else its controller's cluster."""
    controllers = [m for m in members.values() if "controller" in m.roles]
    for member in members.values():
        if member.node.cluster_var:
            member.cluster = member.node.cluster_var
        elif "controller" in member.roles:
            member.cluster = member.node.name
    for member in members.values():
        if member.cluster:
            continue
        target = _host_of(str((member.node.facts or {}).get("controller_server") or ""))
        match = next((c for c in controllers if target and any(_same_host(target, n) for n in _names(c.node))), None)
        member.cluster = (match.cluster or match.node.name) if match else member.node.name


def _plan_cluster(cluster: str, group: list[_Member], *, mode: str, stop_for_external_db: bool, mongodb_type: str,
                  partial_cluster: str) -> tuple[dict[str, Any], dict[str, Any]]:
    in_play = [m for m in group if m.node.in_play]
    excluded = sorted(m.node.name for m in group if not m.node.in_play)
    controllers = [m for m in in_play if "controller" in m.roles]
    errors: dict[str, list[tuple[str, str]]] = {m.node.name: [] for m in in_play}
    warnings: list[str] = []
    for member in in_play:
        errors[member.node.name] += [(e, "validation") for e in _role_errors(member, cluster, controllers)]
    if len(controllers) > 1:
        names = ", ".join(sorted(c.node.name for c in controllers))
        for member in in_play:
            errors[member.node.name].append((f"cluster {cluster} has {len(controllers)} controllers ({names}): give "
                                             "each controller its own alteryx_cluster", "validation"))
    if excluded:
        text = (f"cluster {cluster}: {', '.join(excluded)} {'is' if len(excluded) == 1 else 'are'} in the inventory "
                "but not in this run (--limit): not stopped and not backed up; workers may fail jobs while the "
                f"controller is down. Run with -l {cluster} (or without --limit) to back up the whole cluster in "
                "order")
        if partial_cluster == "fail":
            for member in in_play:
                errors[member.node.name].append((text + " (alteryx_backup_partial_cluster=fail)", "validation"))
        else:
            warnings.append(text)
    controller = controllers[0] if len(controllers) == 1 else None
    persistence, persistence_warnings = ("none", [])
    if controller and controller.node.facts is not None:
        persistence, persistence_warnings = _persistence(controller.node.facts, mongodb_type)
    warnings += persistence_warnings
    has_dump = mode in ("Full", "DatabaseOnly") and persistence != "none"
    window_stops = has_dump and (persistence in STOPPED_PERSISTENCE or (persistence == "self-managed"
                                                                        and stop_for_external_db))
    order = sorted(in_play, key=lambda m: (_phase_rank(node_role(m.roles)), m.node.name))
    _peer_failures(in_play, errors)
    plans: dict[str, Any] = {}
    for member in in_play:
        role = node_role(member.roles)
        own = errors[member.node.name]
        stops = window_stops and role in ("ui", "worker") and controller is not None
        node_warnings = list(warnings)
        if member.roles_from_groups:
            node_warnings.append(f"{member.node.name}: RuntimeSettings.xml enables no role (is the node on the installer "
                                 f"defaults?); taken as {', '.join(member.roles)} from its inventory groups")
        if controller is None and role in ("ui", "worker"):
            node_warnings.append(f"{member.node.name}: its controller is not in this run, so nothing is stopped; "
                                 "only the node's own files are backed up")
        archives = mode != "DatabaseOnly" or role == "controller"
        if not archives:
            node_warnings.append(f"{member.node.name}: DatabaseOnly backs up the controller's database only; this "
                                 f"{ROLE_NAMES.get(role, 'node')} node makes no archive"
                                 + (" and is only stopped and started in order" if stops else ""))
        plans[member.node.name] = {
            "cluster": cluster,
            "node_role": role,
            "roles": member.roles,
            "persistence": persistence if role == "controller" else "none",
            "dumps": role == "controller" and has_dump,
            "window_stops": role == "controller" and window_stops,
            "stops": stops,
            "stop_phase": ("workers" if role == "worker" else "ui") if stops else "",
            "archives": archives,
            "members": [m.node.name for m in order],
            "excluded": excluded,
            "warnings": node_warnings,
            "errors": [text for text, _class in own],
            "failure_class": own[0][1] if own else "",
        }
    info = {"controller": controller.node.name if controller else "", "members": [m.node.name for m in order],
            "excluded": excluded, "stop_order": [m.node.name for m in order],
            "start_order": [m.node.name for m in reversed(order)]}
    return plans, info


def _phase_rank(role: str) -> int:
    return {"ui": 0, "worker": 1, "controller": 2}.get(role, 3)


def _role_errors(member: _Member, cluster: str, controllers: list[_Member]) -> list[str]:
    node = member.node
    if node.facts is None:
        return []  # a node without facts has failed already; _peer_failures names it
    errors = []
    roles = member.roles
    if not roles:
        errors.append(f"{node.name}: RuntimeSettings.xml enables no role (controller, worker or Server UI): is "
                      "Alteryx Server configured on it?")
    for group, role in GROUP_ROLES.items():
        if group in node.groups and role not in roles:
            errors.append(f"{node.name} is in the inventory group {group} but its RuntimeSettings.xml has no "
                          f"{ROLE_NAMES[role]} role (it has: {', '.join(roles) or 'none'}): fix the inventory or the "
                          "node's System Settings")
    target = _host_of(str(node.facts.get("controller_server") or ""))
    if "controller" not in roles and target and len(controllers) == 1:
        controller = controllers[0]
        if not any(_same_host(target, n) for n in _names(controller.node)):
            errors.append(f"{node.name} connects to controller {target!r} (RuntimeSettings.xml Worker/ServerName) "
                          f"but cluster {cluster}'s controller is {controller.node.name}: fix alteryx_cluster or the "
                          "node's settings")
    return errors


def _peer_failures(in_play: list[_Member], errors: dict[str, list[tuple[str, str]]]) -> None:
    """Every member of a cluster with a failed, unreachable or misconfigured member fails, naming that member."""
    culprits: list[tuple[str, str]] = []
    for member in in_play:
        node = member.node
        if node.failure:
            culprits.append((f"{node.name} failed in '{node.failure.get('task', 'unknown')}': "
                             f"{str(node.failure.get('msg', '')).rstrip('. ')}",
                             str(node.failure.get("failure_class") or "general")))
        elif not node.active:
            culprits.append((f"{node.name} is unreachable or failed", "general"))
        elif errors[node.name]:
            culprits.append((f"{node.name} is misconfigured", errors[node.name][0][1]))
    if not culprits:
        return
    for member in in_play:
        others = [(text, cls) for text, cls in culprits if not text.startswith(member.node.name + " ")]
        if others:
            errors[member.node.name].append(
                (f"cluster {member.cluster} is not backed up because " + "; ".join(text for text, _class in others)
                 + ". Nothing of this cluster was stopped; fix that node and run again", others[0][1]))


def cluster_failures(members: Sequence[str], failures: Mapping[str, Mapping[str, Any] | None],
                     active: Iterable[str], me: str) -> list[str]:
    """The other members of ``me``'s cluster that failed (a recorded failure) or left the play, as sentences."""
    active = set(active)
    found = []
    for name in members:
        if name == me:
            continue
        failure = failures.get(name)
        if failure:
            found.append(f"{name} failed in '{failure.get('task', 'unknown')}': {str(failure.get('msg', '')).rstrip('. ')}")
        elif name not in active:
            found.append(f"{name} is unreachable or failed")
    return found
