"""Tests for the backup settings check (plugin_utils/_settings.py) and its use by alteryx_backup_plan."""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alteryx.server.plugins.action.alteryx_backup_plan import ActionModule
from ansible_collections.alteryx.server.plugins.plugin_utils import _settings
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._settings import (
    validate_paths_against_install,
    validate_settings,
)

# What the role passes with its defaults (defaults/main.yml).
DEFAULTS: dict[str, Any] = {
    "mode": "Full", "local_path": "D:\\Alteryx\\Backups", "network_paths": [], "log_path": "D:\\Alteryx\\Backups\\Logs",
    "retention_days": {"Full": 30, "DatabaseOnly": 7, "ConfigOnly": 14}, "min_keep": 1, "max_workflow_wait": 3600,
    "force_stop_workflows": False, "max_service_wait": 7200, "copy_retries": 3, "copy_retry_delay": 30,
    "min_archive_bytes": {"Full": 102400, "DatabaseOnly": 51200, "ConfigOnly": 1024}, "free_space_factor": 2.0,
    "keys_required": False, "export_secrets": True, "lock_stale_seconds": 900, "job_timeout": 21600, "step_timeout": 1800,
    "poll_interval": 5, "service_name": "AlteryxService",
}
ALL_MODES = ("Full", "DatabaseOnly", "ConfigOnly")
LONG = "D:\\" + "x" * 148


def _refusal(raw: dict[str, Any]) -> str:
    with pytest.raises(AlteryxStepError) as info:
        validate_settings(raw)
    assert info.value.failure_class == "validation"
    assert info.value.exit_code == 3
    return info.value.msg


def test_role_defaults_pass_and_keep_their_values() -> None:
    settings = validate_settings(DEFAULTS)
    assert settings == {**DEFAULTS, "poll_interval": 5.0}
    assert isinstance(settings["poll_interval"], float)


GOOD = [
    ("local_path", "D:/Alteryx/Backups/", "D:\\Alteryx\\Backups"),
    ("local_path", " D:\\Backups ", "D:\\Backups"),
    ("local_path", "D:\\", "D:\\"),
    ("local_path", "D:\\Alteryx\\\\Backups", "D:\\Alteryx\\Backups"),
    ("local_path", "C:\\WindowsBackups", "C:\\WindowsBackups"),
    ("local_path", "C:\\ProgramData\\AlteryxBackups", "C:\\ProgramData\\AlteryxBackups"),
    ("local_path", "C:\\Program Files Backups", "C:\\Program Files Backups"),
    ("local_path", "E:\\Backup~Archive", "E:\\Backup~Archive"),
    ("local_path", "D:\\" + "x" * 147, "D:\\" + "x" * 147),
    ("log_path", "", ""),
    ("log_path", "E:/Logs/", "E:\\Logs"),
    ("network_paths", [], []),
    ("network_paths", ["//nas01/backups/"], ["\\\\nas01\\backups"]),
    ("network_paths", "\\\\nas01\\backups\\alteryx", ["\\\\nas01\\backups\\alteryx"]),
    ("network_paths", ["\\\\a\\b", "\\\\a\\c"], ["\\\\a\\b", "\\\\a\\c"]),
    ("retention_days", 7, dict.fromkeys(ALL_MODES, 7)),
    ("retention_days", 0, dict.fromkeys(ALL_MODES, 0)),
    ("retention_days", 36500, dict.fromkeys(ALL_MODES, 36500)),
    ("retention_days", {"DB": 3}, {"Full": 30, "DatabaseOnly": 3, "ConfigOnly": 14}),
    ("retention_days", {"full": 1, " Config ": 2}, {"Full": 1, "DatabaseOnly": 7, "ConfigOnly": 2}),
    ("retention_days", {}, {"Full": 30, "DatabaseOnly": 7, "ConfigOnly": 14}),
    ("min_archive_bytes", {}, {"Full": 102400, "DatabaseOnly": 51200, "ConfigOnly": 1024}),
    ("min_archive_bytes", {"Config": "2048", "Full": 0}, {"Full": 0, "DatabaseOnly": 51200, "ConfigOnly": 2048}),
    ("min_keep", "2", 2),
    ("min_keep", 2.0, 2),
    ("min_keep", " 3 ", 3),
    ("min_keep", 1000, 1000),
    ("max_workflow_wait", 0, 0),
    ("max_workflow_wait", 604800, 604800),
    ("max_service_wait", 1, 1),
    ("copy_retries", 0, 0),
    ("copy_retry_delay", 0, 0),
    ("lock_stale_seconds", 1, 1),
    ("job_timeout", "21600", 21600),
    ("poll_interval", 0.1, 0.1),
    ("poll_interval", "0.2", 0.2),
    ("poll_interval", 300, 300.0),
    ("free_space_factor", 1, 1.0),
    ("free_space_factor", "2.5", 2.5),
    ("free_space_factor", 100.0, 100.0),
    ("force_stop_workflows", True, True),
    ("force_stop_workflows", "yes", True),
    ("keys_required", "off", False),
    ("keys_required", 1, True),
    ("export_secrets", "False", False),
    ("export_secrets", 0, False),
    ("service_name", " AlteryxService ", "AlteryxService"),
    ("mode", "Everything", "Everything"),
    ("mode", None, None),
]


@pytest.mark.parametrize(("name", "value", "expected"), GOOD, ids=[f"{n}={v!r}" for n, v, _ in GOOD])
def test_good_setting_is_normalized(name: str, value: Any, expected: Any) -> None:
    assert validate_settings({name: value}) == {name: expected}


BAD = [
    # retention days: integers only (the spec's shorthand) or a mapping of integers
    ("retention_days", -1, "out of range"),
    ("retention_days", "30", "not an integer (write it without quotes"),
    ("retention_days", 1.5, "not an integer"),
    ("retention_days", 30.0, "not an integer"),
    ("retention_days", 10**12, "out of range"),
    ("retention_days", 36501, "out of range"),
    ("retention_days", True, "not an integer"),
    ("retention_days", None, "not an integer"),
    ("retention_days", [7], "not an integer"),
    ("retention_days", {"Full": "30"}, "Full is '30', not an integer"),
    ("retention_days", {"DB": -1}, "DatabaseOnly is -1, out of range"),
    ("retention_days", {"Incremental": 1}, "unknown mode 'Incremental'"),
    ("retention_days", {"DB": 1, "DatabaseOnly": 2}, "'DatabaseOnly' repeats 'DB'"),
    # whole numbers with limits
    ("min_keep", -1, "below the minimum 1"),
    ("min_keep", 0, "below the minimum 1"),
    ("min_keep", 1001, "above the maximum 1000"),
    ("min_keep", 1.5, "not a whole number"),
    ("min_keep", "abc", "not a whole number"),
    ("min_keep", "1.5", "not a whole number"),
    ("min_keep", True, "boolean"),
    ("min_keep", None, "not a whole number"),
    ("max_service_wait", 0, "below the minimum 1"),
    ("max_service_wait", -1, "below the minimum 1"),
    ("max_service_wait", 604801, "above the maximum 604800"),
    ("max_workflow_wait", -1, "below the minimum 0"),
    ("max_workflow_wait", 10**9, "above the maximum 604800"),
    ("job_timeout", -1, "below the minimum 60"),
    ("job_timeout", 59, "below the minimum 60"),
    ("job_timeout", 30 * 86400 + 1, "above the maximum 2592000"),
    ("step_timeout", 0, "below the minimum 1"),
    ("step_timeout", 86401, "above the maximum 86400"),
    ("lock_stale_seconds", -1, "below the minimum 1"),
    ("lock_stale_seconds", 0, "below the minimum 1"),
    ("copy_retries", -1, "below the minimum 0"),
    ("copy_retries", 101, "above the maximum 100"),
    ("copy_retry_delay", -1, "below the minimum 0"),
    ("copy_retry_delay", 3601, "above the maximum 3600"),
    ("min_archive_bytes", {"Full": -1}, "Full is below the minimum 0"),
    ("min_archive_bytes", {"Full": 1.5}, "Full is not a whole number"),
    ("min_archive_bytes", {"DB": "big"}, "DatabaseOnly is not a whole number"),
    ("min_archive_bytes", {"Full": 2**41}, "above the maximum 1099511627776"),
    ("min_archive_bytes", {"Weekly": 1}, "unknown mode 'Weekly'"),
    ("min_archive_bytes", 5, "not a mapping"),
    # numbers with limits
    ("poll_interval", -1, "below the minimum 0.1"),
    ("poll_interval", 0, "below the minimum 0.1"),
    ("poll_interval", 301, "above the maximum 300"),
    ("poll_interval", "fast", "not a number"),
    ("free_space_factor", -1, "below the minimum 1"),
    ("free_space_factor", 0.5, "below the minimum 1"),
    ("free_space_factor", 1e308, "above the maximum 100"),
    ("free_space_factor", float("nan"), "not a finite number"),
    ("free_space_factor", float("inf"), "not a finite number"),
    ("free_space_factor", "nan", "not a finite number"),
    ("free_space_factor", "-inf", "not a finite number"),
    ("free_space_factor", 10**400, "not a number"),
    ("free_space_factor", False, "boolean"),
    # booleans
    ("force_stop_workflows", "maybe", "not a boolean"),
    ("keys_required", 2, "not a boolean"),
    ("export_secrets", None, "not a boolean"),
    ("export_secrets", "", "not a boolean"),
    # local folder
    ("local_path", "C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB", "inside C:\\ProgramData\\Alteryx"),
    ("local_path", "C:\\ProgramData\\Alteryx", "inside C:\\ProgramData\\Alteryx"),
    ("local_path", "c:/programdata/alteryx/backups", "inside C:\\ProgramData\\Alteryx"),
    ("local_path", "C:\\Program Files\\Alteryx\\Backups", "inside C:\\Program Files"),
    ("local_path", "C:\\Program Files", "inside C:\\Program Files"),
    ("local_path", "C:\\Program Files (x86)\\Backups", "inside C:\\Program Files (x86)"),
    ("local_path", "C:\\Windows\\Temp", "inside C:\\Windows"),
    ("local_path", "C:\\WINDOWS\\", "inside C:\\Windows"),
    ("local_path", "D:\\Alteryx\\..\\..\\Windows", "'..' segment"),
    ("local_path", "D:\\.\\Backups", "'.' segment"),
    ("local_path", "Backups", "not an absolute path"),
    ("local_path", ".\\Backups", "not an absolute path"),
    ("local_path", "D:Backups", "not an absolute path"),
    ("local_path", "D:", "not an absolute path"),
    ("local_path", "\\Backups", "not an absolute path"),
    ("local_path", "1:\\Backups", "not an absolute path"),
    ("local_path", "\\\\nas01\\backups", "network (UNC) path"),
    ("local_path", "//nas01/backups", "network (UNC) path"),
    ("local_path", "D:\\a<b", "forbids"),
    ("local_path", "D:\\a>b", "forbids"),
    ("local_path", 'D:\\a"b', "forbids"),
    ("local_path", "D:\\a|b", "forbids"),
    ("local_path", "D:\\a?b", "forbids"),
    ("local_path", "D:\\a*b", "forbids"),
    ("local_path", "D:\\a:b", "forbids"),
    ("local_path", "D:\\a\tb", "forbids"),
    ("local_path", "D:\\CON\\Backups", "reserved device name 'CON'"),
    ("local_path", "D:\\nul.txt", "reserved device name"),
    ("local_path", "C:\\PROGRA~1\\Alteryx", "8.3 short name 'PROGRA~1'"),
    ("local_path", "D:\\Backups.", "ending in a dot or blank"),
    ("local_path", "D:\\Backups \\x", "ending in a dot or blank"),
    ("local_path", LONG, "151 characters long"),
    ("local_path", "", "is empty"),
    ("local_path", None, "not a string"),
    ("local_path", 5, "not a string"),
    # log folder
    ("log_path", "Logs", "not an absolute path"),
    ("log_path", ".\\Logs", "not an absolute path"),
    ("log_path", "\\\\nas01\\logs", "network (UNC) path"),
    ("log_path", "C:\\Windows\\Logs", "inside C:\\Windows"),
    # network folders
    ("network_paths", ["D:\\Backups"], "drive-letter path"),
    ("network_paths", ["D:Backups"], "drive-letter path"),
    ("network_paths", ["backups"], "not a UNC path"),
    ("network_paths", ["\\\\nas01"], "names no share"),
    ("network_paths", ["\\\\nas01\\b\\..\\c"], "'..' segment"),
    ("network_paths", ["\\\\?\\UNC\\nas\\b"], "forbids"),
    ("network_paths", ["\\\\.\\pipe\\x"], "'.' segment"),
    ("network_paths", ["\\\\nas01\\b", "\\\\NAS01\\B\\"], "listed twice"),
    ("network_paths", [5], "not a string"),
    ("network_paths", {"a": 1}, "not a list"),
    ("network_paths", "\\\\nas\\" + "n" * 145, "151 characters long"),
    # others
    ("service_name", "", "empty or not a string"),
    ("service_name", "Alteryx\\Service", "not a Windows service name"),
    ("service_name", 5, "empty or not a string"),
    ("bogus", 1, "unknown setting"),
]


@pytest.mark.parametrize(("name", "value", "problem"), BAD, ids=[f"{n}={v!r}"[:60] for n, v, _ in BAD])
def test_bad_setting_is_refused_naming_variable_and_value(name: str, value: Any, problem: str) -> None:
    msg = _refusal({**DEFAULTS, name: value})
    lines = msg.splitlines()
    assert lines[0] == "1 invalid backup setting(s); nothing was done on the node:"
    assert len(lines) == 2
    assert lines[1].startswith(f"alteryx_backup_{name}=")
    assert problem in lines[1]
    assert "; allowed" in lines[1], "every line says what is allowed"


def test_every_problem_is_reported_at_once_one_line_per_setting() -> None:
    bad = {"retention_days": -1, "min_keep": 0, "max_service_wait": 0, "poll_interval": 0, "copy_retries": -1,
           "free_space_factor": float("nan"), "local_path": "Backups", "keys_required": "maybe"}
    msg = _refusal({**DEFAULTS, **bad})
    lines = msg.splitlines()
    assert lines[0].startswith("8 invalid backup setting(s)")
    assert [line.split("=", 1)[0] for line in lines[1:]] == [f"alteryx_backup_{name}" for name in DEFAULTS if name in bad]
    assert "alteryx_backup_free_space_factor=nan:" in msg
    assert "alteryx_backup_local_path='Backups':" in msg


@pytest.mark.parametrize(("local", "log", "names"), [
    ("Backups", "Backups\\Logs", ["local_path"]),                        # the role's default log folder
    ("C:\\Windows\\B\\", "c:/windows/b/logs", ["local_path"]),
    ("Backups", "Backups\\Other", ["local_path", "log_path"]),           # a log folder of its own
    ("Backups", "Logs", ["local_path", "log_path"]),
    ("D:\\B", "Logs", ["log_path"]),
])
def test_default_log_folder_under_a_refused_backup_folder_is_one_mistake(local: str, log: str, names: list[str]) -> None:
    lines = _refusal({"local_path": local, "log_path": log}).splitlines()[1:]
    assert [line.split("=", 1)[0] for line in lines] == [f"alteryx_backup_{name}" for name in names]


def test_several_problems_in_one_setting_stay_on_one_line() -> None:
    msg = _refusal({"retention_days": {"Full": "30", "DB": -1, "Weekly": 1}})
    assert len(msg.splitlines()) == 2
    assert "Full is '30'" in msg and "DatabaseOnly is -1" in msg and "unknown mode 'Weekly'" in msg


@pytest.mark.parametrize(("workflow", "service", "timeout", "ok"), [
    (3600, 7200, 21600, True),        # the defaults
    (3600, 7200, 18300, True),        # exactly enough
    (3600, 7200, 18299, False),
    (1, 1, 303, True),
    (604800, 604800, 2592000, True),
    (0, 604800, 1209900, True),
    (0, 604800, 1209899, False),
])
def test_job_timeout_must_outlast_the_dump_window(workflow: int, service: int, timeout: int, ok: bool) -> None:
    raw = {"max_workflow_wait": workflow, "max_service_wait": service, "job_timeout": timeout}
    if ok:
        assert validate_settings(raw)["job_timeout"] == timeout
        return
    msg = _refusal(raw)
    needed = workflow + 2 * service + 300
    assert f"alteryx_backup_job_timeout={timeout}: " in msg
    assert f"at least {needed}" in msg and "raise alteryx_backup_job_timeout" in msg


def test_job_timeout_rule_waits_for_valid_numbers() -> None:
    """A broken wait is reported once, as itself, not again as a timeout problem."""
    msg = _refusal({"max_workflow_wait": -1, "max_service_wait": 7200, "job_timeout": 60})
    assert len(msg.splitlines()) == 2 and "max_workflow_wait" in msg


def test_tagged_string_subclass_is_reported_as_plain_value() -> None:
    class Tagged(str):
        def __repr__(self) -> str:
            return "Tagged(...)"

    msg = _refusal({"local_path": Tagged("Backups")})
    assert "alteryx_backup_local_path='Backups':" in msg


# --- property tests ------------------------------------------------------------------------------

INT_SETTINGS = st.sampled_from(sorted(_settings.INT_BOUNDS))


@given(name=INT_SETTINGS, data=st.data())
def test_any_int_in_range_round_trips_also_as_text(name: str, data: st.DataObject) -> None:
    bounds = _settings.INT_BOUNDS[name]
    value = data.draw(st.integers(int(bounds.low), int(bounds.high)))
    assert validate_settings({name: value}) == {name: value}
    assert validate_settings({name: str(value)}) == {name: value}


@given(name=INT_SETTINGS, data=st.data())
def test_any_int_out_of_range_is_refused_naming_the_setting(name: str, data: st.DataObject) -> None:
    bounds = _settings.INT_BOUNDS[name]
    value = data.draw(st.one_of(st.integers(max_value=int(bounds.low) - 1), st.integers(min_value=int(bounds.high) + 1)))
    msg = _refusal({name: value})
    assert f"alteryx_backup_{name}={value}: " in msg


@given(name=st.sampled_from(sorted(_settings.FLOAT_BOUNDS)), data=st.data())
def test_any_float_in_range_round_trips_and_outside_is_refused(name: str, data: st.DataObject) -> None:
    bounds = _settings.FLOAT_BOUNDS[name]
    inside = data.draw(st.floats(bounds.low, bounds.high))
    assert validate_settings({name: inside}) == {name: inside}
    outside = data.draw(st.one_of(st.floats(max_value=bounds.low, exclude_max=True),
                                  st.floats(min_value=bounds.high, exclude_min=True)))
    msg = _refusal({name: outside})
    assert f"alteryx_backup_{name}={outside!r}: " in msg


@given(days=st.integers(0, _settings.RETENTION_DAYS_MAX))
def test_any_retention_in_range_applies_to_every_mode(days: int) -> None:
    assert validate_settings({"retention_days": days})["retention_days"] == dict.fromkeys(ALL_MODES, days)
    assert validate_settings({"retention_days": {"DB": days}})["retention_days"]["DatabaseOnly"] == days


@given(days=st.one_of(st.integers(max_value=-1), st.integers(min_value=_settings.RETENTION_DAYS_MAX + 1)))
def test_any_retention_out_of_range_is_refused(days: int) -> None:
    assert f"alteryx_backup_retention_days={days}: " in _refusal({"retention_days": days})


# Folder names Windows takes literally: letters, digits, _ and -, minus the reserved device names.
NAME = st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd"), whitelist_characters="_-"), min_size=1,
               max_size=12).filter(lambda name: not _settings._RESERVED_NAME.fullmatch(name))


@given(drive=st.sampled_from("DEFGZ"), names=st.lists(NAME, min_size=1, max_size=5))
def test_safe_local_folders_round_trip_and_dot_dot_never_passes(drive: str, names: list[str]) -> None:
    path = f"{drive}:\\" + "\\".join(names)
    assert validate_settings({"local_path": path.replace("\\", "/") + "/"}) == {"local_path": path}
    for index in range(len(names) + 1):
        escaped = f"{drive}:\\" + "\\".join([*names[:index], "..", *names[index:]])
        assert "'..' segment" in _refusal({"local_path": escaped})


@given(folder=st.sampled_from(_settings.PROTECTED_FOLDERS), names=st.lists(NAME, max_size=3))
def test_nothing_below_a_protected_folder_passes(folder: str, names: list[str]) -> None:
    path = "\\".join([folder, *names]).swapcase()
    assert "alteryx_backup_local_path=" in _refusal({"local_path": path})


@given(folder=st.sampled_from(["D:\\Alteryx", "E:\\Data\\MongoDB", "D:\\"]), names=st.lists(NAME, max_size=3),
       suffix=NAME)
def test_is_inside_works_on_whole_folder_names(folder: str, names: list[str], suffix: str) -> None:
    below = folder.rstrip("\\") + "".join("\\" + n for n in names)
    assert _settings.is_inside(below.lower(), folder)
    if not folder.endswith("\\"):
        assert not _settings.is_inside(folder + suffix, folder)


# --- paths against what the node reports ---------------------------------------------------------

INSTALL = "E:\\Apps\\Alteryx"
MONGO = "F:\\AlteryxData\\MongoDB"


@pytest.mark.parametrize(("local", "log", "refused"), [
    ("D:\\Backups", "", []),
    ("E:\\Apps\\AlteryxBackups", "", []),                       # a name that merely starts like the install dir
    ("E:\\Apps", "", []),                                        # above the install dir, not inside
    ("e:\\apps\\alteryx\\backups", "", ["local_path"]),
    ("E:\\Apps\\Alteryx", "", ["local_path"]),
    ("E:/Apps/Alteryx/", "", ["local_path"]),
    ("F:\\AlteryxData\\MongoDB\\Backups", "", ["local_path"]),
    ("D:\\Backups", "F:\\AlteryxData\\MongoDB\\Logs", ["log_path"]),
    ("E:\\Apps\\Alteryx\\B", "F:\\AlteryxData\\MongoDB", ["local_path", "log_path"]),
])
def test_paths_against_install(local: str, log: str, refused: list[str]) -> None:
    call = {"local_path": local, "log_path": log, "install_dir": INSTALL, "protected": [MONGO, ""]}
    if not refused:
        validate_paths_against_install(**call)
        return
    with pytest.raises(AlteryxStepError) as info:
        validate_paths_against_install(**call)
    assert info.value.failure_class == "validation"
    lines = info.value.msg.splitlines()[1:]
    assert [line.split("=", 1)[0] for line in lines] == [f"alteryx_backup_{name}" for name in refused]
    assert all("reported by the node" in line for line in lines)


def test_paths_against_install_ignores_empty_reports() -> None:
    validate_paths_against_install(local_path="D:\\Backups", log_path="", install_dir="", protected=["", ""])


# --- the plan action -----------------------------------------------------------------------------

def _plan(**args: Any) -> dict[str, Any]:
    validation = ArgumentSpecValidator(ActionModule.ARGUMENT_SPEC).validate({"host_folder": "node1", **args})
    assert not validation.error_messages, validation.error_messages
    action = ActionModule.__new__(ActionModule)
    action._task = SimpleNamespace(check_mode=False, async_val=0)
    return action.step(validation.validated_parameters, {})


def test_plan_returns_normalized_settings_and_uses_them() -> None:
    result = _plan(mode="DB", local_dir="X:\\ignored", settings={**DEFAULTS, "local_path": "D:/B/",
                                                                 "network_paths": ["//nas/b"], "log_path": ""})
    assert result["settings"]["local_path"] == "D:\\B" == result["local_dir"]
    assert result["destinations"] == ["\\\\nas\\b\\node1"]
    assert result["log_path"].startswith("D:\\B\\Logs\\BackupLog_DatabaseOnly_")
    assert result["settings"]["retention_days"] == DEFAULTS["retention_days"]
    assert result["min_bytes"] == 51200


def test_plan_keeps_the_older_options_working() -> None:
    result = _plan(mode="Full", local_dir="D:\\B", min_bytes={"Full": 5})
    assert result["local_dir"] == "D:\\B" and result["min_bytes"] == 5
    assert set(result["settings"]) == {"local_path", "network_paths", "log_path", "min_archive_bytes"}


def test_plan_needs_a_local_path() -> None:
    with pytest.raises(AlteryxStepError) as info:
        _plan(mode="Full")
    assert info.value.failure_class == "validation" and "alteryx_backup_local_path='': is empty" in info.value.msg


def test_plan_reports_settings_before_the_mode() -> None:
    with pytest.raises(AlteryxStepError) as info:
        _plan(mode="Everything", settings={"local_path": "Backups"})
    assert info.value.failure_class == "validation"
    with pytest.raises(AlteryxStepError) as info:
        _plan(mode="Everything", settings={"local_path": "D:\\B"})
    assert info.value.failure_class == "invalid_mode"


def test_bounds_are_sane() -> None:
    for bounds in [*_settings.INT_BOUNDS.values(), *_settings.FLOAT_BOUNDS.values()]:
        assert 0 <= bounds.low < bounds.high and math.isfinite(bounds.high)
    defaults = validate_settings(DEFAULTS)
    assert defaults["job_timeout"] >= defaults["max_workflow_wait"] + 2 * defaults["max_service_wait"] + 300
