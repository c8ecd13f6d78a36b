"""win_powershell's sensitive_parameters and Ansible.Basic's no_log removal, as ported into the winsim fake.

Why it matters: an async job's results file (the connecting user's ``.ansible_async``) holds the module's
``invocation.module_args``; a secret in ``parameters`` rests there in clear until a poll cleans it up, while a
``sensitive_parameters`` value is no_log in the module's own spec and never written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_async_connection import ASYNC_DIR, _fleet, _indent, _play
from winsim_testlib import run_playbook, task_results

from ansible_collections.alteryx.server.plugins.plugin_utils._host import RESULT_DEPTH, script_text
from winsim_engine import argspec, fakes, mongodump
from winsim_engine.fakes._sensitive import NO_LOG_VALUE, remove_no_log_values
from winsim_engine.fleet import new_fleet
from winsim_engine.host import Host
from winsim_engine.scripts import TerminatingError
from winsim_engine.scripts._secure_string import (
    PSCredential,
    SecureString,
    ptr_to_string_bstr,
    secure_string_to_bstr,
    zero_free_bstr,
)

ECHO = "# winsim: echo\n$Ansible.Result = $args\n"
SECURE = "# winsim: echo\nparam([string]$Plain, [SecureString]$Secret, [PSCredential]$Cred, $Any)\n"
CANARY = "canary-5e1f'pw"


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Host:
    inventory = new_fleet(tmp_path_factory.mktemp("sensitive") / "fleet")
    return Host(inventory.parent / "hosts" / "controller")


def run_fake(host: Host, script: str, parameters: dict | None = None, sensitive: list | None = None,
             **args: Any) -> dict:
    module_args = {"script": script, "parameters": parameters or {}, **args}
    if sensitive is not None:
        module_args["sensitive_parameters"] = sensitive
    params, error = argspec.validate("ansible.windows.win_powershell", module_args)
    assert error is None, error
    return fakes.REGISTRY["ansible.windows.win_powershell"](host, params, fakes.Context(host=host, key="t"))


# --------------------------------------------------------------------------------- validation and values

@pytest.mark.parametrize(("entry", "message"), [
    ({"name": "P", "value": "x", "username": "u"}, "parameters are mutually exclusive: value, username"),
    ({"name": "P", "value": "x", "password": "y"}, "parameters are mutually exclusive: value, password"),
    ({"name": "P", "username": "u"}, "parameters are required together: username, password"),
    ({"name": "P", "password": "y"}, "parameters are required together: username, password"),
    ({"name": "P"}, "one of the following is required: username, value"),
])
def test_entries_are_checked_as_ansible_basic_checks_the_sub_spec(sim: Host, entry: dict, message: str):
    reply = run_fake(sim, ECHO, sensitive=[{"name": "ok", "value": "1"}, entry])
    assert reply["failed"] is True and reply["changed"] is False
    assert reply["msg"] == f"{message} found in sensitive_parameters"
    assert set(reply) == {"changed", "failed", "msg", "invocation"}  # before the module body: no streams yet


def test_missing_name_is_refused_by_the_documented_spec():
    _params, error = argspec.validate("ansible.windows.win_powershell",
                                      {"script": ECHO, "sensitive_parameters": [{"value": "x"}]})
    assert error == "missing required arguments: name found in sensitive_parameters"


def test_each_entry_becomes_what_the_module_builds(sim: Host):
    reply = run_fake(sim, ECHO, {"secret": "plain, replaced"}, sensitive=[
        {"name": "Secret", "value": "abc"},  # same name, other case: replaces the ordinary parameter
        {"name": "Cred", "username": "svc", "password": "pw"},
        {"name": "Empty", "value": ""},
        {"name": "NoUser", "username": "", "password": "pw"},  # '' is false in the module's if: empty SecureString
    ])
    assert reply["failed"] is False
    assert reply["result"] == {"secret": {"Length": 3}, "Cred": {"UserName": "svc", "Password": {"Length": 2}},
                               "Empty": {"Length": 0}, "NoUser": {"Length": 0}}


def test_binding_takes_secure_objects_only_where_declared(sim: Host):
    reply = run_fake(sim, SECURE, {"Any": 1}, sensitive=[{"name": "Plain", "value": "x"},
                                                        {"name": "Secret", "value": "y"},
                                                        {"name": "Cred", "username": "u", "password": "p"}])
    # A SecureString bound to [string] is its ToString(); the others arrive as objects.
    assert reply["result"] == {"Plain": "System.Security.SecureString", "Secret": {"Length": 1},
                               "Cred": {"UserName": "u", "Password": {"Length": 1}}, "Any": 1}


@pytest.mark.parametrize(("parameters", "sensitive", "target"), [
    ({"Secret": "in clear"}, None, "System.Security.SecureString"),
    ({"Cred": "user"}, None, "System.Management.Automation.PSCredential"),
    ({}, [{"name": "Cred", "value": "x"}], "System.Management.Automation.PSCredential"),
])
def test_a_wrong_value_for_a_secure_parameter_fails_the_transformation(sim: Host, parameters: dict,
                                                                        sensitive: list | None, target: str):
    reply = run_fake(sim, SECURE, parameters, sensitive=sensitive)
    [record] = reply["error"]
    assert reply["failed"] is True
    assert record["fully_qualified_error_id"] == "ParameterArgumentTransformationError"
    assert record["exception"]["message"].startswith("Cannot process argument transformation on parameter")
    assert f'to type "{target}".' in record["exception"]["message"]


# --------------------------------------------------------------------------------- invocation (no_log)

def test_invocation_carries_every_option_without_the_no_log_values(sim: Host):
    reply = run_fake(sim, ECHO, {"Note": f"uses {CANARY} here", "Same": CANARY, "Count": 3},
                     sensitive=[{"name": "P", "value": CANARY}, {"name": "C", "username": "u", "password": "pw2"}])
    args = reply["invocation"]["module_args"]
    assert args["parameters"] == {"Note": "uses ******** here", "Same": NO_LOG_VALUE, "Count": 3}
    assert args["sensitive_parameters"] == [
        {"name": "P", "value": NO_LOG_VALUE, "username": None, "password": None},
        {"name": "C", "username": "u", "password": NO_LOG_VALUE, "value": None}]
    assert args["depth"] == 2 and args["error_action"] == "continue" and args["chdir"] is None
    assert CANARY not in json.dumps(reply["invocation"])


def test_without_sensitive_parameters_nothing_is_removed(sim: Host):
    reply = run_fake(sim, ECHO, {"Password": CANARY})
    assert reply["invocation"]["module_args"]["parameters"] == {"Password": CANARY}


def test_remove_no_log_values_follows_ansible_basic():
    no_log = ["s3", "pw", "13"]
    assert remove_no_log_values({"k s3": ["a pw b pw s3", "s3", 113, 7, True, None]}, no_log) == \
        {"k s3": ["a pw b pw ********", NO_LOG_VALUE, NO_LOG_VALUE, 7, True, None]}  # first match only; keys kept
    assert remove_no_log_values("nothing", []) == "nothing"


# --------------------------------------------------------------------------------- the SecureString stand-in

def test_a_secure_string_gives_its_text_only_through_a_bstr():
    secure = SecureString("it's")
    assert str(secure) == f"{secure}" == "System.Security.SecureString" and "it's" not in repr(secure)
    assert "password: '" + secure == "password: 'System.Security.SecureString"
    assert secure.Length == 4 and bool(SecureString()) is True  # a non-null object, even empty
    with pytest.raises(TerminatingError, match=r"does not contain a method named 'Replace'"):
        secure.Replace("'", "''")
    with pytest.raises(TerminatingError, match="op_Addition"):
        secure + "x"  # noqa: B018
    with pytest.raises(TypeError):
        json.dumps(secure)
    bstr = secure_string_to_bstr(secure)
    assert ptr_to_string_bstr(bstr) == "it's"
    zero_free_bstr(bstr)
    with pytest.raises(TerminatingError, match="protected memory"):
        ptr_to_string_bstr(bstr)
    with pytest.raises(TerminatingError, match="Value cannot be null"):
        secure_string_to_bstr(None)
    with pytest.raises(TerminatingError, match="SecureStringToBSTR"):
        secure_string_to_bstr("plain")
    assert str(PSCredential("u", secure)) == "System.Management.Automation.PSCredential"


# --------------------------------------------------------------------------------- the dump window script

def _window(host: Host, server: str, parameters: dict, sensitive: list | None) -> dict:
    return run_fake(host, script_text("alteryx_dump_window"), {
        "Method": "mongodump", "MongodumpPath": mongodump.DEFAULT_PATH, "Uri": f"mongodb://{server}/",
        "StopService": False, "DumpPath": "D:\\Dump\\MongoDB", "HeartbeatSeconds": 1, "Username": "alteryx",
        **parameters}, sensitive=sensitive, depth=RESULT_DEPTH)


def test_dump_window_refuses_a_password_in_clear_parameters(tmp_path: Path):
    inventory = new_fleet(tmp_path / "fleet", mongo="self-managed", mongo_server="127.0.0.1:1")
    host = Host(inventory.parent / "hosts" / "controller")
    reply = _window(host, "127.0.0.1:1", {"Password": CANARY}, None)
    assert reply["failed"] is True and "parameter 'Password'" in reply["error"][0]["exception"]["message"]
    assert not [e for e in (host.root / "journal.jsonl").read_text().splitlines() if "native_process" in e]


def test_dump_window_with_an_empty_secure_string_writes_no_config(tmp_path: Path):
    inventory = new_fleet(tmp_path / "fleet", mongo="self-managed", mongo_server="127.0.0.1:1")
    host = Host(inventory.parent / "hosts" / "controller")
    reply = _window(host, "127.0.0.1:1", {}, [{"name": "Password", "value": ""}])
    assert reply["failed"] is False and reply["result"]["exe_exit_code"] == 1  # nothing listens on port 1
    [run] = [json.loads(e) for e in (host.root / "journal.jsonl").read_text().splitlines() if "native_process" in e]
    assert "--config=" not in run["command_line"]


# --------------------------------------------------------------------------------- the results file on disk

def _module_args(results_file: Path) -> dict:
    return json.loads(results_file.read_text("utf-8-sig"))["invocation"]["module_args"]


def test_results_file_holds_parameters_in_clear_but_never_a_sensitive_value(tmp_path: Path):
    """Jobs whose results files are never cleaned up (as when the controller dies): what rests on C:."""
    inventory, hosts = _fleet(tmp_path)
    host = hosts["controller"]
    tasks = ""
    for name, extra in (("clear", f"parameters:\n  Password: {json.dumps(CANARY)}\n"),
                        ("sensitive", f"sensitive_parameters:\n  - name: Password\n    value: {json.dumps(CANARY)}\n")):
        tasks += f"""\
    - name: Start {name}
      ansible.windows.win_powershell:
        script: |
{_indent(ECHO, 10)}{_indent(extra, 8)}      async: 30
      poll: 0
      no_log: true
      register: {name}

    - name: Wait for {name}
      ansible.builtin.async_status:
        jid: "{{{{ {name}.ansible_job_id }}}}"
        mode: status
      register: status
      until: status.finished
      retries: 100
      delay: 0.1
"""
    rc, output = run_playbook(inventory, _play(tmp_path, tasks), "--limit", "controller")
    assert rc == 0, json.dumps(task_results(output), indent=1)[:3000]
    files = sorted(host.local_path(ASYNC_DIR).iterdir())
    assert len(files) == 2 and all(f.name.startswith("j") for f in files)
    by_kind = {"sensitive" if _module_args(f)["sensitive_parameters"] else "clear": f for f in files}
    assert CANARY.encode() in by_kind["clear"].read_bytes()  # why a secret must not travel in parameters
    sensitive = json.loads(by_kind["sensitive"].read_text("utf-8-sig"))
    assert CANARY.encode() not in by_kind["sensitive"].read_bytes()
    assert sensitive["invocation"]["module_args"]["sensitive_parameters"][0]["value"] == NO_LOG_VALUE
    assert sensitive["finished"] is True and sensitive["result"] == {"Password": {"Length": len(CANARY)}}
