"""The parity readers against fixtures that follow, and break, each convention they rely on."""

from __future__ import annotations

from pathlib import Path

import parity_ps
import parity_py
import psast
import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "tools" / "fixtures" / "parity"


def _script(name: str) -> psast.Script:
    return psast.parse_file(FIXTURES / "scripts" / f"{name}.ps1")


# --- PowerShell side ----------------------------------------------------------------------------------------

def test_result_keys_follow_the_variable_and_skip_failure_paths() -> None:
    # failure_class / message are added in a catch block: not part of the success result.
    assert parity_ps.result_keys(_script("bad_step")) == {"path", "count", "size", "extra", "added"}


def test_result_keys_of_a_sum_of_literals_in_a_try_body() -> None:
    assert parity_ps.result_keys(_script("good_step")) == {"path", "count", "size"}


def test_result_keys_without_a_success_result() -> None:
    with pytest.raises(parity_ps.ParityError):
        parity_ps.result_keys(_script("_helper"))


def test_result_keys_of_an_unreadable_value() -> None:
    script = psast.parse_text("$Ansible.Result = Get-Result\n", "x.ps1")
    with pytest.raises(parity_ps.ParityError, match="cannot read the keys"):
        parity_ps.result_keys(script)


def test_failure_classes_from_entries_assignments_and_class_parameters() -> None:
    script = _script("bad_step")
    found = {(c.value, c.line) for c in parity_ps.failure_classes(script, psast.includes(script))}
    assert found == {("strorage", 9), ("validaton", 14), ("validation", 18), ("mongodb", 23), ("timeout", 23),
                     ("storage-full", 31), ("general", 32)}


def test_failure_classes_through_a_helper_call() -> None:
    script = psast.parse_text("$Ansible.Result = @{ failure_class = (Get-FailureClass $_ 'storag') }\n"
                              "function Get-FailureClass($ErrorRecord, $Default) { $Default }\n", "x.ps1")
    assert [c.value for c in parity_ps.failure_classes(script, [])] == ["storag"]


def test_changed_gaps_on_each_kind_of_end() -> None:
    script = _script("bad_step")
    gaps = [(g.value, g.line) for g in parity_ps.changed_gaps(script, psast.includes(script))]
    assert gaps == [("return", 11), ("return", 16), ("call of stop-step (it exits)", 18), ("return", 29),
                    ("end of script", 35)]


def test_changed_set_in_the_prologue_covers_trap_and_catch() -> None:
    script = _script("good_step")
    assert parity_ps.changed_gaps(script, psast.includes(script)) == []


def test_changed_after_the_prologue_does_not_cover_a_trap() -> None:
    script = psast.parse_text("Set-StrictMode -Version 2.0\n$ErrorActionPreference = 'Stop'\n$x = Get-Thing\n"
                              "$Ansible.Changed = $false\ntrap { return }\n", "x.ps1")
    assert [(g.value, g.line) for g in parity_ps.changed_gaps(script, [])] == [("return", 5)]


def test_changed_nested_in_an_earlier_block_does_not_count() -> None:
    script = psast.parse_text("if ($a) { $Ansible.Changed = $true }\nif ($b) { return }\n$Ansible.Changed = $true\n",
                              "x.ps1")
    assert [(g.value, g.line) for g in parity_ps.changed_gaps(script, [])] == [("return", 2)]


def test_returns_inside_functions_and_script_blocks_do_not_end_the_script() -> None:
    script = psast.parse_text("function F { return 1 }\n$x = @(1) | ForEach-Object { return }\n"
                              "$Ansible.Changed = $false\n", "x.ps1")
    assert parity_ps.changed_gaps(script, []) == []


# --- Python side --------------------------------------------------------------------------------------------

def test_twin_facts_of_a_twin_that_breaks_every_convention() -> None:
    facts = parity_py.twin_facts(FIXTURES / "twins" / "bad_step.py")
    assert sorted({key for key, _line in facts.parameter_reads}) == ["Cnt", "Path"]
    # 'size' is set in the try body; failure_class / message in the except handler and partial_only before
    # a raise ScriptFailure are on the failure path.
    assert facts.result_keys == {"path", "size", "count", "extra"}
    assert sorted(facts.failure_classes) == [("general", 25), ("timeout", 21), ("validaton", 13)]
    assert facts.unreadable_classes == [("cls", 16)]


def test_twin_facts_of_a_good_twin() -> None:
    facts = parity_py.twin_facts(FIXTURES / "twins" / "good_step.py")
    assert facts.result_keys == {"path", "count", "size"}
    assert facts.failure_classes == [("storage", 13)]
    assert not facts.unreadable_classes


def test_class_parameters_of_the_package() -> None:
    assert parity_py.class_parameters(FIXTURES / "twins") == {"ScriptFailure": 1}


def test_parameter_problems_of_each_kind() -> None:
    calls = {c.script: c for c in parity_py.run_script_calls(FIXTURES / "actions") if c.parameters is not None}
    assert parity_py.parameter_problems(calls["good_step"], psast.param_block(_script("good_step")).params, "g") == []
    problems = parity_py.parameter_problems(calls["bad_step"], psast.param_block(_script("bad_step")).params, "b")
    assert problems == [
        "b: 'path' is not a parameter of bad_step.ps1 (spelled 'Path' there)",
        "b: Count gets a float value but is [int]",
        "b: Force gets a str value but is [switch]",
        "b: 'Unknown' is not a parameter of bad_step.ps1 (it has ['Count', 'Force', 'Names', 'Path'])",
        "b: Path has no default in bad_step.ps1 and is not passed",
    ]


def test_a_call_without_a_dict_literal_is_reported() -> None:
    calls = [c for c in parity_py.run_script_calls(FIXTURES / "actions") if c.parameters is None]
    assert [c.script for c in calls] == ["bad_step"]
    assert parity_py.parameter_problems(calls[0], [], "b") == ["b: parameters are not a dict literal with string keys"]
