"""The win_powershell fake behaves like the real module: depth conversion, binding, check mode, failures.

Pure tables for ``psconvert`` (Convert-OutputObject) and ``psscript`` (param block, binder), direct
calls of the fake with the test-only twin ``test_modes`` and the ``# winsim: echo`` hook, and one
real ``ansible-playbook`` run against a winsim host.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from winsim_testlib import run_playbook, task_results

from winsim_engine import argspec, fakes, psconvert, psscript
from winsim_engine.dispatch import call_key
from winsim_engine.fleet import new_fleet
from winsim_engine.host import Host
from winsim_engine.payload import Call
from winsim_engine.psconvert import PSEnum, convert, ps_string
from winsim_engine.psscript import NO_DEFAULT, BindingError, Expression, Param, bind, parse_script

STREAMS = {"result", "host_out", "host_err", "output", "error", "warning", "verbose", "debug", "information"}
ERROR_KEYS = {"output", "error_details", "exception", "target_object", "category_info", "fully_qualified_error_id",
              "script_stack_trace", "pipeline_iteration_info"}
EXCEPTION_KEYS = {"message", "type", "help_link", "source", "hresult", "inner_exception"}
CATEGORY_KEYS = {"category", "category_id", "activity", "reason", "target_name", "target_type"}
DEEP = {"a": {"b": {"c": {"d": 1}}}}
HASHTABLE = "System.Collections.Hashtable"
MODES = "# alteryx.server: test_modes\nparam([string]$Mode, $Value)\n$Ansible.Result = $Value\n"
MODES_WHATIF = "# alteryx.server: test_modes\n[CmdletBinding(SupportsShouldProcess)]\nparam([string]$Mode, $Value)\n"
ECHO = "# winsim: echo\n$Ansible.Result = $args\n"


# ------------------------------------------------------------------------------------------ psconvert

CONVERT_CASES = [
    # (value, depth, expected)
    (DEEP, 2, {"a": {"b": {"c": HASHTABLE}}}),
    (DEEP, 6, DEEP),
    (DEEP, 0, {"a": HASHTABLE}),
    (DEEP, -1, HASHTABLE),
    ({"a": {"b": [{"x": 1}, {"y": 2}]}}, 1, {"a": {"b": f"{HASHTABLE} {HASHTABLE}"}}),
    ([], -1, ""),
    ([], 0, []),
    ([1], 2, [1]),  # -InputObject: a top-level list is not unrolled
    ([None], 2, [None]),
    ([None, 1, None], -1, " 1 "),
    (["normal 0", ["normal 1", ["normal 2", ["normal 3", ["squashed", ["even more squashed"]]]]]], 3,
     ["normal 0", ["normal 1", ["normal 2", ["normal 3", "squashed System.Object[]"]]]]),  # module's own test
    (["entry 1", None, 1, ["level2", ["level3", "value"]], [], [1], [None], {"key": "value"}], 1,
     ["entry 1", None, 1, ["level2", "level3 value"], [], [1], [None], {"key": "value"}]),  # module's own test
    ({"list": [{"foo": "bar"}, "value 2"], "empty_list": [], "null_list": [None]}, 1,
     {"list": [HASHTABLE, "value 2"], "empty_list": [], "null_list": [None]}),
    ([True, False, 1.5, 2.0, -3, "x y"], -1, "True False 1.5 2 -3 x y"),
    ([0.1 + 0.2, 1e20, 1e-05, 123456789012345678.0], -1, "0.3 1E+20 1E-05 1.23456789012346E+17"),
    ([[1, 2], {"k": 1}], -1, f"System.Object[] {HASHTABLE}"),
    ("text", -5, "text"),
    (42, -5, 42),
    (2.5, -5, 2.5),
    (True, -5, True),
    (None, -5, None),
    (Decimal("2.50"), -1, Decimal("2.50")),
    (PSEnum("System.ServiceProcess.ServiceControllerStatus", "Running", 4), 0,
     {"Type": "System.ServiceProcess.ServiceControllerStatus", "String": "Running", "Value": 4}),
    # An enum is a value type: at depth < 0 it is kept and ConvertTo-Json writes its number.
    (PSEnum("System.ServiceProcess.ServiceControllerStatus", "Running", 4), -1, 4),
    ([PSEnum("System.IO.FileAccess", "Read", 1), PSEnum("System.IO.FileAccess", "Write", 2)], -1, "Read Write"),
    (dt.datetime(1970, 1, 1, tzinfo=dt.UTC), -3, "1970-01-01T00:00:00.0000000Z"),
    (dt.datetime(2024, 5, 6, 7, 8, 9, 123456), 2, "2024-05-06T07:08:09.1234560"),
    (dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30))), 2,
     "2024-05-06T07:08:09.0000000-05:30"),
    ([dt.datetime(2024, 5, 6, 7, 8, 9)], -1, "05/06/2024 07:08:09"),
    ((1, (2, 3)), 1, [1, [2, 3]]),
]


@pytest.mark.parametrize(("value", "depth", "expected"), CONVERT_CASES)
def test_convert_output_object(value: Any, depth: int, expected: Any):
    assert convert(value, depth) == expected


def test_convert_rejects_what_a_script_cannot_produce():
    with pytest.raises(TypeError):
        convert({"a": {1, 2}}, 2)


@pytest.mark.parametrize(("value", "json_numbers", "expected"), [
    (2.0, False, "2"),
    (2.0, True, "2.0"),  # ConvertFrom-Json (5.1) made a [decimal] of the task's 2.0
    (1e-05, True, "0.00001"),
    (1e20, True, "100000000000000000000"),
    ([1.5, None, True], True, "1.5  True"),
    (float("nan"), False, "NaN"),
    ({"a": 1}, False, HASHTABLE),
    (None, False, ""),
])
def test_ps_string(value: Any, json_numbers: bool, expected: str):
    assert ps_string(value, json_numbers=json_numbers) == expected


# ------------------------------------------------------------------------------------------ psscript

PARSE_CASES = [
    # (script, cmdlet_binding, supports_should_process, params)
    ("# winsim: echo\n", False, False, None),
    ("param()\n", False, False, []),
    ("[CmdletBinding()]\nparam([string]$A)\n", True, False, [Param("A", "string", NO_DEFAULT)]),
    ("[CmdletBinding(SupportsShouldProcess)]\nparam()\n'x'\n", True, True, []),
    ("[cmdletbinding(supportsshouldprocess=$True)]\nparam()\n", True, True, []),
    ("[CmdletBinding(SupportsShouldProcess=$false)]\nparam()\n", True, False, []),
    ("[CmdletBinding(SupportsShouldProcess=1)]\nparam()\n", True, False, []),  # the module compares the text
    ("[CmdletBinding(ConfirmImpact='High', SupportsShouldProcess)]\nparam()\n", True, True, []),
    ("function f {\n [CmdletBinding(SupportsShouldProcess)]\n param($x)\n}\n", False, False, None),
    ("param(\n  [string]$S = 'it''s', [string]$D = \"tab`there\", [int]$I = -1, [long]$L = 0x10,\n"
     "  [bool]$B = $true, [double]$F = 2.5, [string[]]$A = @(), [object[]]$O = @('a', 1), $N = $null,\n"
     "  [switch]$W, [String[]]$Up, [System.Int32]$Full, $X = \"x$y\", $E = (1 + 2), [Hashtable]$H\n)\n'body'\n",
     False, False,
     [Param("S", "string", "it's"), Param("D", "string", "tab\there"), Param("I", "int", -1), Param("L", "long", 16),
      Param("B", "bool", True), Param("F", "double", 2.5), Param("A", "string[]", []),
      Param("O", "object[]", ["a", 1]), Param("N", None, None), Param("W", "switch", NO_DEFAULT),
      Param("Up", "string[]", NO_DEFAULT), Param("Full", "int", NO_DEFAULT), Param("X", None, Expression('"x$y"')),
      Param("E", None, Expression("(1 + 2)")), Param("H", "hashtable", NO_DEFAULT)]),
    ("param([string]$H = @'\nline 1\nline 2\n'@)\n", False, False, [Param("H", "string", "line 1\nline 2")]),
]


@pytest.mark.parametrize(("script", "cmdlet_binding", "sps", "params"), PARSE_CASES)
def test_parse_script(script: str, cmdlet_binding: bool, sps: bool, params: list[Param] | None):
    info = parse_script(script)
    assert info.syntax_ok
    assert info.cmdlet_binding is cmdlet_binding
    assert info.supports_should_process is sps
    assert info.param_block is (params is not None)
    assert list(info.params) == (params or [])


def test_parse_script_aliases_mandatory_and_advanced():
    info = parse_script("param([Parameter(Mandatory)][Alias('P', \"Where\")][string]$Path, $Other)\n")
    assert info.advanced and not info.cmdlet_binding
    assert info.aliases == {"p": "Path", "where": "Path"}
    assert info.mandatory == ("Path",)


def test_parse_script_falls_back_to_the_module_regex_on_a_syntax_error():
    info = parse_script("[CmdletBinding(SupportsShouldProcess)]\nparam($x\n{\n")
    assert not info.syntax_ok and info.supports_should_process


def test_every_collection_script_parses_with_literal_defaults():
    scripts = sorted((Path(__file__).resolve().parents[3] / "plugins" / "plugin_utils" / "powershell").glob("*.ps1"))
    assert scripts
    for script in scripts:
        info = parse_script(script.read_text(encoding="utf-8"))
        assert info.syntax_ok, script
        assert not [p for p in info.params if isinstance(p.default, Expression)], script


BIND_SCRIPT = ("param([string]$S, [string[]]$SA, [object[]]$OA, [int]$I, [long]$L, [bool]$B, [double]$D, [switch]$W,\n"
               "  [hashtable]$H, $U, [int[]]$IA)\n")
BIND_UNSET = {"S": "", "SA": None, "OA": None, "I": 0, "L": 0, "B": False, "D": 0.0, "W": False, "H": None, "U": None,
              "IA": None}
BIND_CASES = [
    # (parameters, expected changes to BIND_UNSET)
    ({}, {}),
    ({"s": "x", "i": "12"}, {"S": "x", "I": 12}),  # names are case-insensitive, delivered as declared
    ({"S": ["a", 1, None, True, 2.0, ["n"], {"k": 1}]}, {"S": f"a 1  True 2.0 System.Object[] {HASHTABLE}"}),
    ({"S": True}, {"S": "True"}),
    ({"S": 1.5}, {"S": "1.5"}),
    ({"S": None}, {"S": ""}),
    ({"S": {"k": "v"}}, {"S": HASHTABLE}),
    ({"SA": "one"}, {"SA": ["one"]}),
    ({"SA": ["a", 2, False]}, {"SA": ["a", "2", "False"]}),
    ({"OA": 5}, {"OA": [5]}),
    ({"OA": ["a", 1]}, {"OA": ["a", 1]}),
    ({"OA": {"k": 1}}, {"OA": [{"k": 1}]}),
    ({"I": 2.5}, {"I": 2}),  # banker's rounding
    ({"I": 3.5}, {"I": 4}),
    ({"I": True}, {"I": 1}),
    ({"I": " -7 "}, {"I": -7}),
    ({"I": ""}, {"I": 0}),
    ({"I": "0x10"}, {"I": 16}),
    ({"L": 2**40}, {"L": 2**40}),
    ({"L": "5000000000"}, {"L": 5000000000}),
    ({"B": 0}, {"B": False}),
    ({"B": 2.5}, {"B": True}),
    ({"W": True}, {"W": True}),
    ({"D": 3}, {"D": 3.0}),
    ({"D": "1.5e3"}, {"D": 1500.0}),
    ({"H": {"k": [1]}}, {"H": {"k": [1]}}),
    ({"U": {"any": ["thing"]}}, {"U": {"any": ["thing"]}}),
    ({"IA": ["1", 2.5]}, {"IA": [1, 2]}),
]


@pytest.mark.parametrize(("parameters", "changes"), BIND_CASES)
def test_bind_converts_like_powershell(parameters: dict[str, Any], changes: dict[str, Any]):
    assert bind(parse_script(BIND_SCRIPT), parameters) == {**BIND_UNSET, **changes}


TRANSFORM = "Cannot process argument transformation on parameter"
BIND_ERRORS = [
    # (parameters, message, fully qualified error id)
    ({"Nope": 1}, "A parameter cannot be found that matches parameter name 'Nope'.", "NamedParameterNotFound"),
    ({"Verbose": True}, "A parameter cannot be found that matches parameter name 'Verbose'.", "NamedParameterNotFound"),
    ({"I": "abc"}, f"{TRANSFORM} 'I'. Cannot convert value \"abc\" to type \"System.Int32\". Error: \"Input string was "
                   "not in a correct format.\"", "ParameterArgumentTransformationError"),
    ({"I": "2.5"}, f"{TRANSFORM} 'I'. Cannot convert value \"2.5\" to type \"System.Int32\". Error: \"Input string was "
                   "not in a correct format.\"", "ParameterArgumentTransformationError"),
    ({"I": 2**31}, f"{TRANSFORM} 'I'. Cannot convert value \"2147483648\" to type \"System.Int32\". Error: \"Value was "
                   "either too large or too small for an Int32.\"", "ParameterArgumentTransformationError"),
    ({"I": [1]}, f"{TRANSFORM} 'I'. Cannot convert the \"System.Object[]\" value of type \"System.Object[]\" to type "
                 "\"System.Int32\".", "ParameterArgumentTransformationError"),
    ({"B": "true"}, f"{TRANSFORM} 'B'. Cannot convert value \"System.String\" to type \"System.Boolean\". Boolean "
                    "parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.",
     "ParameterArgumentTransformationError"),
    ({"B": None}, f"{TRANSFORM} 'B'. Cannot convert value \"\" to type \"System.Boolean\". Boolean parameters accept "
                  "only Boolean values and numbers, such as $True, $False, 1 or 0.",
     "ParameterArgumentTransformationError"),
    ({"D": "x"}, f"{TRANSFORM} 'D'. Cannot convert value \"x\" to type \"System.Double\". Error: \"Input string was "
                 "not in a correct format.\"", "ParameterArgumentTransformationError"),
    ({"H": "x"}, f"{TRANSFORM} 'H'. Cannot convert the \"x\" value of type \"System.String\" to type "
                 "\"System.Collections.Hashtable\".", "ParameterArgumentTransformationError"),
]


@pytest.mark.parametrize(("parameters", "message", "fqid"), BIND_ERRORS)
def test_bind_fails_like_the_parameter_binder(parameters: dict[str, Any], message: str, fqid: str):
    with pytest.raises(BindingError) as caught:
        bind(parse_script(BIND_SCRIPT), parameters)
    assert caught.value.message == message
    assert caught.value.fully_qualified_error_id == fqid


def test_bind_defaults_aliases_mandatory_and_common_parameters():
    info = parse_script("[CmdletBinding(SupportsShouldProcess)]\n"
                        "param([Alias('P')][string]$Path = 'C:\\x', [int]$N = '5', [double]$F = 2, [string[]]$A = @(),"
                        " [bool]$B = 1)\n")
    assert bind(info, {}) == {"Path": "C:\\x", "N": 5, "F": 2.0, "A": [], "B": True}
    assert bind(info, {"p": "D:\\y", "Verbose": True, "ea": "Stop", "WhatIf": True, "Confirm": False})["Path"] == "D:\\y"
    # PowerShell would accept an unambiguous prefix; winsim does not (the harsher case).
    with pytest.raises(BindingError, match="matches parameter name 'Pat'"):
        bind(info, {"Pat": "D:\\y"})
    with pytest.raises(BindingError, match="specified more than once"):
        bind(info, {"Path": "a", "P": "b"})
    mandatory = parse_script("param([Parameter(Mandatory)][string]$Name, $Other)\n")
    with pytest.raises(BindingError, match="missing mandatory parameters: Name."):
        bind(mandatory, {"Other": 1})
    # Common parameters exist only for an advanced script ([Parameter()] makes it one too).
    assert bind(mandatory, {"Name": "x", "Debug": True}) == {"Name": "x", "Other": None}
    # No param block: the parameters arrive untouched.
    assert bind(parse_script("# winsim: echo\n"), {"anything": {"x": [1]}}) == {"anything": {"x": [1]}}


def test_bind_refuses_what_it_cannot_model():
    with pytest.raises(psscript.UnsupportedScript):
        bind(parse_script("param($X = (Get-Date))\n"), {})
    with pytest.raises(psscript.UnsupportedScript):
        bind(parse_script("param([datetime]$When)\n"), {"When": "2024-01-01"})


# ------------------------------------------------------------------------------------------ the fake

@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Host:
    """One controller host shared by the direct calls (they only read, or fail before writing)."""
    inventory = new_fleet(tmp_path_factory.mktemp("psfleet") / "fleet")
    return Host(inventory.parent / "hosts" / "controller")


def run_fake(host: Host, script: str, parameters: Any = None, check_mode: bool = False, **args: Any) -> dict:
    module_args = {"script": script, **args}
    if parameters is not None:
        module_args["parameters"] = parameters
    params, error = argspec.validate("ansible.windows.win_powershell", module_args)
    assert error is None, error
    ctx = fakes.Context(host=host, check_mode=check_mode, key="test")
    return fakes.REGISTRY["ansible.windows.win_powershell"](host, params, ctx)


def assert_error_shape(record: dict) -> None:
    assert set(record) == ERROR_KEYS
    assert set(record["exception"]) == EXCEPTION_KEYS
    assert set(record["category_info"]) == CATEGORY_KEYS


def test_echo_converts_at_the_call_depth(sim: Host):
    reply = run_fake(sim, ECHO, DEEP)
    assert set(reply) == STREAMS | {"changed", "failed", "invocation"}
    assert reply["result"] == {"a": {"b": {"c": HASHTABLE}}}
    assert reply["changed"] is True and reply["failed"] is False
    assert reply["output"] == [] and reply["error"] == [] and reply["host_out"] == ""
    assert run_fake(sim, ECHO, DEEP, depth=6)["result"] == DEEP
    assert run_fake(sim, ECHO, DEEP, depth=0)["result"] == {"a": HASHTABLE}
    assert run_fake(sim, ECHO, {"x": 1}, depth=-1)["result"] == HASHTABLE


def test_call_key_of_the_echo_hook():
    call = Call(kind="module", name="ansible.windows.win_powershell", args={"script": ECHO})
    assert call_key(call) == "ansible.windows.win_powershell:echo"
    call = Call(kind="module", name="ansible.windows.win_powershell", args={"script": MODES})
    assert call_key(call) == "ansible.windows.win_powershell:test_modes"


def test_result_and_changed(sim: Host):
    reply = run_fake(sim, MODES, {"mode": "result", "VALUE": [1]})
    assert reply["result"] == [1] and reply["changed"] is True and reply["failed"] is False
    reply = run_fake(sim, MODES, {"Mode": "unchanged", "Value": DEEP})
    assert reply["changed"] is False
    assert reply["result"] == {"seen": {"a": {"b": HASHTABLE}}}


def test_streams(sim: Host):
    reply = run_fake(sim, MODES, {"Mode": "streams", "Value": [1, [2, [3]]]})
    assert reply["output"] == [[1, [2, "3"]], {"a": {"b": HASHTABLE}}]
    assert reply["warning"] == ["careful"]
    assert reply["host_out"] == "WARNING: careful\r\n"
    assert reply["host_err"] == "native stderr\r\n"


@pytest.mark.parametrize(("script", "runs"), [
    (MODES, False),
    (ECHO, False),
    ("# alteryx.server: test_modes\n[CmdletBinding()]\nparam([string]$Mode, $Value)\n", False),
    ("# alteryx.server: test_modes\n[CmdletBinding(SupportsShouldProcess=$false)]\nparam([string]$Mode, $Value)\n",
     False),
    (MODES_WHATIF, True),
    ("# alteryx.server: test_modes\n[CmdletBinding(SupportsShouldProcess=$true)]\nparam([string]$Mode, $Value)\n",
     True),
])
def test_check_mode(sim: Host, script: str, runs: bool):
    reply = run_fake(sim, script, {"Mode": "whatif"}, check_mode=True)
    if runs:
        assert reply["result"] == {"check_mode": True} and reply["changed"] is True and not reply["failed"]
    else:
        # Exactly what the module has when it exits early: invocation, its initial streams, changed and msg.
        assert reply.pop("invocation")["module_args"]["script"] == script
        assert reply == {"changed": True, "msg": "skipped, running in check mode", "result": {}, "host_out": "",
                         "host_err": "", "output": [], "error": [], "warning": [], "verbose": [], "debug": [],
                         "information": []}


def test_whatif_is_set_by_the_module_not_the_task(sim: Host):
    reply = run_fake(sim, MODES_WHATIF, {"Mode": "whatif", "whatif": True, "Verbose": True})
    assert reply["result"] == {"check_mode": False} and not reply["failed"]


def test_creates_and_removes(sim: Host):
    reply = run_fake(sim, MODES, {"Mode": "throw"}, creates="C:\\ProgramData")
    assert reply["msg"] == "skipped, since C:\\ProgramData exists" and reply["changed"] is False
    reply = run_fake(sim, MODES, {"Mode": "throw"}, removes="C:\\nothing\\here.txt")
    assert reply["msg"] == "skipped, since C:\\nothing\\here.txt does not exist" and reply["changed"] is False
    assert "failed" not in reply


def test_binding_failure_is_a_terminating_error(sim: Host):
    reply = run_fake(sim, MODES, {"Mode": "result", "Nope": 1})
    assert reply["failed"] is True and reply["changed"] is True and reply["result"] == {}
    [record] = reply["error"]
    assert_error_shape(record)
    assert record["exception"]["type"] == "System.Management.Automation.ParameterBindingException"
    assert record["exception"]["message"] == "A parameter cannot be found that matches parameter name 'Nope'."
    assert record["exception"]["hresult"] == -2146233087
    assert record["fully_qualified_error_id"] == "NamedParameterNotFound"
    assert record["category_info"]["category"] == "InvalidArgument" and record["category_info"]["category_id"] == 5
    reply = run_fake(sim, "# alteryx.server: test_modes\nparam([string]$Mode, [int]$Value)\n",
                     {"Mode": "result", "Value": "abc"})
    [record] = reply["error"]
    assert record["exception"]["type"] == "System.Management.Automation.ParameterBindingArgumentTransformationException"
    assert record["category_info"]["category"] == "InvalidData"
    inner = record["exception"]["inner_exception"]
    assert inner["type"] == "System.Management.Automation.ArgumentTransformationMetadataException"
    assert inner["inner_exception"]["inner_exception"]["type"] == "System.FormatException"


def test_script_failure(sim: Host):
    reply = run_fake(sim, MODES, {"Mode": "fail", "Value": {"x": {"y": {"z": 1}}}})
    assert reply["failed"] is True and reply["changed"] is True and reply["error"] == []
    assert reply["result"] == {"nested": {"x": {"y": HASHTABLE}}, "failure_class": "validation",
                               "message": "bad input"}
    assert run_fake(sim, MODES, {"Mode": "fail_unchanged"})["changed"] is False


def test_thrown_string(sim: Host):
    reply = run_fake(sim, MODES, {"Mode": "throw"})
    assert reply["failed"] is True and reply["changed"] is False and reply["result"] == {"step": 1}
    [record] = reply["error"]
    assert_error_shape(record)
    assert record["exception"] == {"message": "boom", "type": "System.Management.Automation.RuntimeException",
                                   "help_link": None, "source": None, "hresult": -2146233087, "inner_exception": None}
    assert record["fully_qualified_error_id"] == "boom" and record["target_object"] == "boom"
    assert record["category_info"] == {"category": "OperationStopped", "category_id": 14, "activity": "",
                                       "reason": "RuntimeException", "target_name": "boom", "target_type": "String"}
    assert record["output"].startswith("boom\r\n")


@pytest.mark.parametrize(("mode", "exception_type", "message", "hresult"), [
    ("throw_io", "System.IO.IOException", "The file is in use.", -2146232800),
    ("disk_full", "System.IO.IOException", "There is not enough space on the disk.", -2147024784),
    ("missing", "System.IO.FileNotFoundException", "Could not find file 'C:\\ProgramData\\no-such-file.txt'.",
     -2147024894),
    ("win_error", "System.Management.Automation.RuntimeException",
     "Cannot find drive. A drive with the name 'Q' does not exist.", -2146233087),
])
def test_uncaught_errors(sim: Host, mode: str, exception_type: str, message: str, hresult: int):
    reply = run_fake(sim, MODES, {"Mode": mode})
    assert reply["failed"] is True and reply["changed"] is True and reply["result"] == {}
    [record] = reply["error"]
    assert_error_shape(record)
    assert record["exception"]["type"] == exception_type
    assert record["exception"]["message"] == message
    assert record["exception"]["hresult"] == hresult


def test_unparsable_script_fails_before_running(sim: Host):
    reply = run_fake(sim, "# alteryx.server: test_modes\nparam([string]$Mode\n", {"Mode": "result"})
    assert reply["failed"] is True
    assert reply["error"][0]["category_info"]["category"] == "ParserError"


# ------------------------------------------------------------------------------------------ ansible-playbook

def _task(name: str, script: str, parameters: Any, **extra: Any) -> dict:
    return {"name": name, "ansible.windows.win_powershell": {"script": script, "parameters": parameters,
                                                              **extra.pop("args", {})}, "register": "out",
            "ignore_errors": True, **extra}


def test_through_ansible_playbook(tmp_path: Path):
    inventory = new_fleet(tmp_path / "fleet")
    bool_script = textwrap.dedent("""\
        # alteryx.server: test_modes
        param([string]$Mode, [bool]$Value)
        $Ansible.Result = $Value
        """)
    play = [{"name": "win_powershell as strict as Windows", "hosts": "controller", "gather_facts": False, "tasks": [
        _task("Echo at the default depth", ECHO, DEEP),
        _task("Echo at depth 6", ECHO, DEEP, args={"depth": 6}),
        _task("Check mode skips a script without ShouldProcess", MODES, {"Mode": "throw"}, check_mode=True),
        _task("Unknown parameter name", MODES, {"Mode": "result", "Nope": 1}),
        _task("Bool parameter given a string", bool_script, {"Mode": "result", "Value": "yes"}),
    ]}]
    playbook = tmp_path / "win_powershell.yml"
    playbook.write_text(yaml.safe_dump(play, sort_keys=False))
    rc, output = run_playbook(inventory, str(playbook))
    results = {name: hosts["controller"] for name, hosts in task_results(output).items()}
    assert rc == 0, results

    default = results["Echo at the default depth"]
    assert default["result"]["a"]["b"]["c"] == HASHTABLE and default["changed"] is True
    assert not default.get("failed")
    assert results["Echo at depth 6"]["result"] == DEEP

    skipped = results["Check mode skips a script without ShouldProcess"]
    assert skipped["changed"] is True and skipped["msg"] == "skipped, running in check mode"
    assert not skipped.get("failed") and skipped["output"] == [] and skipped["result"] == {}

    unknown = results["Unknown parameter name"]
    assert unknown["failed"] is True and unknown["result"] == {}
    assert unknown["error"][0]["exception"]["message"] == "A parameter cannot be found that matches parameter name 'Nope'."

    wrong = results["Bool parameter given a string"]
    assert wrong["failed"] is True
    assert wrong["error"][0]["exception"]["message"] == (
        "Cannot process argument transformation on parameter 'Value'. Cannot convert value \"System.String\" to type "
        "\"System.Boolean\". Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0.")


def test_psconvert_and_psscript_document_their_api():
    for module in (psconvert, psscript):
        assert module.__doc__ and "API" in module.__doc__
