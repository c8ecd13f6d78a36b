"""alteryx.server.alteryx_mongodb_check in a real ansible-playbook run against an authenticated MongoDB.

The server is nx-27017 with SCRAM authentication (tests/tools/mongo_server.py) on loopback, seeded with
Alteryx-like databases. The playbook checks first and stops the service second, so "fails before anything
else" reads: the task failed with class mongodb, the host journal holds no service call, the service runs.
"""

from __future__ import annotations

import json

import pytest
from mongo_server import MongoTestServer, alteryx_dataset, canary_password, free_closed_port, seed

PLAYBOOK = "tests/integration/playbooks/mongodb_check.yml"
CHECK = "Check MongoDB before anything stops"
STOP = "Stop the service"
USER = "alteryx"
PASSWORD = canary_password()
JSON_CALLBACK = {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1"}


@pytest.fixture(scope="module")
def server():
    with MongoTestServer({USER: PASSWORD}) as srv:
        srv.seeded = seed(srv.uri_without_password, alteryx_dataset(6), username=USER, password=PASSWORD)
        yield srv


def run(fleet, port: int, password: str = PASSWORD, *, check_from: str = "controller", json_output: bool = True,
        **options):
    env = {"ALTERYX_TEST_MONGO_PASSWORD": password, **(JSON_CALLBACK if json_output else {})}
    extra = {"mongo_host": "127.0.0.1", "mongo_port": port, "mongo_user": USER, "mongo_check_from": check_from}
    return fleet.playbook(PLAYBOOK, extra=extra, env=env, timeout=180, **options)


def results(run_) -> dict[str, dict]:
    """{task name: result of the controller} from the JSON callback."""
    output = json.loads(run_.stdout[run_.stdout.index("{"):])
    return {task["task"]["name"]: task["hosts"]["controller"] for play in output["plays"] for task in play["tasks"]}


def service_calls(fleet) -> list[str]:
    return [call for call in fleet.calls() if "service" in call.lower()]


def test_right_password_counts_equal_the_seeded_data_and_the_run_goes_on(fleet, server):
    outcome = run(fleet, server.port)
    assert outcome.rc == 0, outcome.output
    check = results(outcome)[CHECK]
    assert check["changed"] is False and check["reachable"] is True and check["authenticated"] is True
    counts = {db["name"]: {c["name"]: c["documents"] for c in db["collections"]} for db in check["databases"]}
    assert counts == server.seeded
    assert check["documents"] == 6 * 8
    assert check["log"][0]["level"] == "INFO" and "48 document(s)" in check["log"][0]["message"]
    assert fleet.calls()[0].endswith("alteryx_service_state"), "the check itself makes no host call"
    assert fleet.state()["services"]["AlteryxService"]["state"] == "stopped"


def test_check_mode_runs_the_check(fleet, server):
    outcome = run(fleet, server.port, check=True)
    assert outcome.rc == 0, outcome.output
    assert results(outcome)[CHECK]["documents"] == 48


def test_wrong_password_fails_with_class_mongodb_before_anything_else(fleet, server):
    outcome = run(fleet, server.port, password="wrong-" + PASSWORD)
    assert outcome.rc != 0
    check = results(outcome)[CHECK]
    assert check["failed"] is True and check["failure_class"] == "mongodb" and check["exit_code"] == 5
    assert "refused the login of user 'alteryx'" in check["msg"] and "alteryx_backup_mongodb_password" in check["msg"]
    assert STOP not in results(outcome)
    assert fleet.calls() == [] and fleet.state()["services"]["AlteryxService"]["state"] == "running"


def test_unreachable_port_fails_with_class_mongodb(fleet):
    outcome = run(fleet, free_closed_port())
    check = results(outcome)[CHECK]
    assert check["failure_class"] == "mongodb" and check["reachable"] is False
    assert "is not reachable from the Ansible controller within 3 s" in check["msg"]
    assert STOP not in results(outcome) and fleet.calls() == []


def test_from_the_host_a_listening_port_passes(fleet, server):
    outcome = run(fleet, server.port, check_from="host")
    assert outcome.rc == 0, outcome.output
    check = results(outcome)[CHECK]
    assert check["tcp"]["port"] == server.port and check["reachable"] is True and check["authenticated"] is False
    assert check["databases"] == [] and check["check_from"] == "host"
    assert fleet.calls()[:1] == ["ansible.windows.win_powershell:alteryx_tcp_check"]


def test_from_the_host_an_unreachable_port_fails_before_any_stop(fleet):
    port = free_closed_port()
    outcome = run(fleet, port, check_from="host")
    check = results(outcome)[CHECK]
    assert check["failure_class"] == "mongodb"
    assert f"is not reachable from controller: 127.0.0.1:{port} (No connection could be made" in check["msg"]
    assert fleet.calls() == ["ansible.windows.win_powershell:alteryx_tcp_check"]
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


def test_host_and_user_fall_back_to_runtime_settings(tmp_path, fleet, server):
    # type(fleet): the integration Fleet, without importing "conftest" (ambiguous when test folders run together).
    fleet = type(fleet)(tmp_path / "managed", mongo="self-managed", mongo_server=f"127.0.0.1:{server.port}")
    outcome = fleet.playbook(PLAYBOOK, extra={"mongo_host": "", "mongo_port": 1, "mongo_user": "",
                                              "mongo_from_runtime_settings": True},
                             env={"ALTERYX_TEST_MONGO_PASSWORD": PASSWORD, **JSON_CALLBACK}, timeout=180)
    assert outcome.rc == 0, outcome.output
    check = results(outcome)[CHECK]
    assert check["server"] == f"mongodb://alteryx@127.0.0.1:{server.port}/?authSource=admin"
    assert check["authenticated"] is True and check["documents"] == 48


@pytest.mark.parametrize("password_ok", [True, False])
def test_canary_password_never_in_output_at_vvvv(fleet, server, password_ok):
    password = PASSWORD if password_ok else canary_password()
    outcome = run(fleet, server.port, password, json_output=False, verbosity=4)
    assert (outcome.rc == 0) is password_ok, outcome.output
    assert password not in outcome.output
    assert password not in json.dumps(fleet.journal())


def test_canary_password_never_in_output_with_ansible_debug(fleet, server):
    # ANSIBLE_DEBUG=1 prints every raw module reply; the controller check has none, the password no module call.
    outcome = fleet.playbook(PLAYBOOK, extra={"mongo_host": "127.0.0.1", "mongo_port": server.port, "mongo_user": USER},
                             env={"ALTERYX_TEST_MONGO_PASSWORD": PASSWORD, "ANSIBLE_DEBUG": "1"}, timeout=180)
    assert outcome.rc == 0, outcome.output[-3000:]
    assert PASSWORD not in outcome.output
