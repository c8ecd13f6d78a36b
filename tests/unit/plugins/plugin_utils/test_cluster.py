"""Cluster membership, role checks and order (plugins/plugin_utils/_cluster.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.alteryx.server.plugins.plugin_utils._cluster import Node, cluster_failures, node_role, plan_fleet


def facts(*roles: str, server: str = "", persistence: str = "none", computer: str = "") -> dict:
    return {"roles": list(roles), "controller_server": server, "computer_name": computer,
            "persistence": {"type": persistence, "path": ""}}


def controller(name: str = "controller", cluster: str = "c1", persistence: str = "embedded", **kw) -> Node:
    return Node(name, groups=["alteryx_controller"], cluster_var=cluster,
                facts=facts("controller", persistence=persistence, computer=name.upper()), **kw)


def worker(name: str = "worker1", cluster: str = "c1", server: str = "http://controller:80/AlteryxService/",
           **kw) -> Node:
    return Node(name, groups=["alteryx_workers"], cluster_var=cluster, facts=facts("worker", server=server), **kw)


def ui(name: str = "ui1", cluster: str = "c1", **kw) -> Node:
    return Node(name, groups=["alteryx_ui"], cluster_var=cluster,
                facts=facts("ui", server="http://controller:80/AlteryxService/"), **kw)


def test_full_cluster_order_and_parts() -> None:
    plan = plan_fleet([controller(), worker("worker1"), worker("worker2"), ui()], mode="Full")
    hosts = plan["hosts"]
    assert plan["clusters"]["c1"]["stop_order"] == ["ui1", "worker1", "worker2", "controller"]
    assert plan["clusters"]["c1"]["start_order"] == ["controller", "worker2", "worker1", "ui1"]
    assert [hosts[h]["stop_phase"] for h in ("ui1", "worker1", "controller")] == ["ui", "workers", ""]
    assert hosts["controller"]["dumps"] and hosts["controller"]["window_stops"]
    assert not any(hosts[h]["dumps"] for h in ("ui1", "worker1", "worker2"))
    assert all(h["archives"] and not h["errors"] for h in hosts.values())


def test_database_only_archives_on_the_controller_only() -> None:
    hosts = plan_fleet([controller(), worker()], mode="DatabaseOnly")["hosts"]
    assert hosts["controller"]["archives"] and not hosts["worker1"]["archives"]
    assert hosts["worker1"]["stops"], "workers still go down for the controller's dump"
    assert any("makes no archive" in w for w in hosts["worker1"]["warnings"])


def test_config_only_stops_nothing() -> None:
    hosts = plan_fleet([controller(), worker(), ui()], mode="ConfigOnly")["hosts"]
    assert not any(h["stops"] or h["dumps"] or h["window_stops"] for h in hosts.values())


@pytest.mark.parametrize(("stop_for_external_db", "stops"), [(False, False), (True, True)])
def test_self_managed_mongodb_stops_only_when_asked(stop_for_external_db: bool, stops: bool) -> None:
    hosts = plan_fleet([controller(persistence="self-managed"), worker()], mode="Full",
                       stop_for_external_db=stop_for_external_db)["hosts"]
    assert hosts["controller"]["dumps"]
    assert hosts["controller"]["window_stops"] is stops and hosts["worker1"]["stops"] is stops


def test_sqlite_controller_dumps_with_a_stop() -> None:
    hosts = plan_fleet([controller(persistence="sqlite")], mode="Full")["hosts"]
    assert hosts["controller"]["persistence"] == "sqlite" and hosts["controller"]["window_stops"]


def test_group_and_runtime_settings_roles_must_agree() -> None:
    not_a_ui = Node("ui1", groups=["alteryx_ui"], cluster_var="c1", facts=facts("worker", server="controller"))
    hosts = plan_fleet([controller(), not_a_ui], mode="Full")["hosts"]
    assert "ui1 is in the inventory group alteryx_ui but its RuntimeSettings.xml has no Server UI" in \
        hosts["ui1"]["errors"][0]
    assert hosts["ui1"]["failure_class"] == "validation"
    assert "cluster c1 is not backed up because ui1 is misconfigured" in hosts["controller"]["errors"][0]


def test_a_node_whose_settings_enable_no_role_takes_its_groups_roles() -> None:
    """An empty override leaves a node on the installer defaults: its groups say what it is, with a warning."""
    blank = Node("controller", groups=["alteryx_controller"], cluster_var="c1", facts=facts())
    node = plan_fleet([blank], mode="ConfigOnly")["hosts"]["controller"]
    assert node["node_role"] == "controller" and not node["errors"]
    assert any("enables no role" in w for w in node["warnings"])
    nowhere = plan_fleet([Node("lost", facts=facts())], mode="ConfigOnly")["hosts"]["lost"]
    assert "enables no role" in nowhere["errors"][0]


def test_worker_of_another_clusters_controller_is_refused() -> None:
    nodes = [controller(), controller("ctrl2", cluster="c2"),
             worker("worker1", server="http://ctrl2.corp.example:80/AlteryxService/")]
    hosts = plan_fleet(nodes, mode="Full")["hosts"]
    assert "worker1 connects to controller 'ctrl2.corp.example'" in hosts["worker1"]["errors"][0]
    assert hosts["controller"]["errors"] and not hosts["ctrl2"]["errors"], "only the worker's cluster is held back"


def test_nodes_without_a_cluster_variable_join_the_controller_they_name() -> None:
    nodes = [Node("ctrl", groups=["alteryx_controller"], addresses=["10.0.0.5"], facts=facts("controller",
                  persistence="embedded", computer="ALTERYX-CTRL")),
             Node("w1", groups=["alteryx_workers"], facts=facts("worker", server="http://alteryx-ctrl:80/")),
             Node("w2", groups=["alteryx_workers"], facts=facts("worker", server="10.0.0.5:80")),
             Node("lonely", groups=["alteryx_workers"], facts=facts("worker", server="http://elsewhere/"))]
    plan = plan_fleet(nodes, mode="Full")
    assert plan["clusters"]["ctrl"]["members"] == ["w1", "w2", "ctrl"]
    assert plan["hosts"]["lonely"]["cluster"] == "lonely" and not plan["hosts"]["lonely"]["stops"]
    assert any("controller is not in this run" in w for w in plan["hosts"]["lonely"]["warnings"])


def test_two_controllers_in_one_cluster() -> None:
    hosts = plan_fleet([controller(), controller("ctrl2")], mode="Full")["hosts"]
    assert all("has 2 controllers" in " ".join(h["errors"]) for h in hosts.values())


@pytest.mark.parametrize(("policy", "refused"), [("warn", False), ("fail", True)])
def test_members_left_out_by_limit(policy: str, refused: bool) -> None:
    nodes = [controller(), worker(in_play=False), ui(in_play=False)]
    plan = plan_fleet(nodes, mode="Full", partial_cluster=policy)
    node = plan["hosts"]["controller"]
    assert set(plan["hosts"]) == {"controller"}
    assert node["excluded"] == ["ui1", "worker1"]
    text = " ".join(node["errors"] if refused else node["warnings"])
    assert "ui1, worker1 are in the inventory but not in this run (--limit)" in text and "-l c1" in text
    assert bool(node["errors"]) is refused


def test_a_failed_or_unreachable_member_holds_the_cluster_back() -> None:
    failed = worker(failure={"task": "Check the host and take the backup lock", "msg": "disk full",
                             "failure_class": "storage"})
    hosts = plan_fleet([controller(), failed, ui(active=False)], mode="Full")["hosts"]
    message = hosts["controller"]["errors"][0]
    assert "worker1 failed in 'Check the host and take the backup lock': disk full" in message
    assert "ui1 is unreachable or failed" in message
    assert hosts["controller"]["failure_class"] == "storage"
    other = plan_fleet([controller("c9", cluster="c9"), failed, controller()], mode="Full")
    assert not other["hosts"]["c9"]["errors"], "another cluster is not affected"


def test_node_role_precedence() -> None:
    assert node_role(["controller", "worker", "ui"]) == "controller"
    assert node_role(["worker", "ui"]) == "ui"
    assert node_role(["worker"]) == "worker"
    assert node_role([]) == ""


def test_cluster_failures_names_other_members_only() -> None:
    found = cluster_failures(["a", "b", "c"], {"a": {"task": "t", "msg": "m"}, "b": None}, ["a", "b"], me="a")
    assert found == ["c is unreachable or failed"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["ui", "worker"])), max_size=12),
       st.sampled_from(["Full", "DatabaseOnly", "ConfigOnly"]))
def test_every_cluster_keeps_its_own_order(members: list[tuple[int, str]], mode: str) -> None:
    """Whatever the fleet, every cluster's order is UI nodes, workers, controller, and its start order the reverse."""
    nodes = [controller(f"ctrl{c}", cluster=f"c{c}") for c in range(4)]
    for index, (cluster, role) in enumerate(members):
        maker = ui if role == "ui" else worker
        nodes.append(maker(f"n{index}", cluster=f"c{cluster}", **({} if role == "ui" else
                                                                  {"server": f"http://ctrl{cluster}/"})))
        if role == "ui":
            nodes[-1].facts = facts("ui", server=f"http://ctrl{cluster}/")
    plan = plan_fleet(nodes, mode=mode)
    rank = {"ui": 0, "worker": 1, "controller": 2}
    for info in plan["clusters"].values():
        ranks = [rank[plan["hosts"][h]["node_role"]] for h in info["stop_order"]]
        assert ranks == sorted(ranks) and info["stop_order"][-1] == info["controller"]
        assert info["start_order"] == list(reversed(info["stop_order"]))
    assert not any(h["errors"] for h in plan["hosts"].values())
