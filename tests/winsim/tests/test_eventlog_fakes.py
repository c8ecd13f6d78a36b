"""The Event Log fakes: win_eventlog registers sources, win_eventlog_entry writes, both as strict as Windows."""

from __future__ import annotations

import json

import pytest

from winsim_engine.dispatch import run_module
from winsim_engine.fakes import eventlog
from winsim_engine.host import Host
from winsim_engine.payload import Call

ENTRY = "community.windows.win_eventlog_entry"
LOG = "ansible.windows.win_eventlog"


def call(host: Host, fqcn: str, check_mode: bool = False, **args) -> dict:
    """One module call through dispatch: argument validation, the fake, the journal."""
    return run_module(host, Call(kind="module", name=fqcn, args={**args, "_ansible_check_mode": check_mode}), None)


def register(host: Host, check_mode: bool = False) -> dict:
    return call(host, LOG, check_mode=check_mode, name="Application", sources=["AlteryxBackup"])


def write(host: Host, check_mode: bool = False, **extra) -> dict:
    args = {"log": "Application", "source": "AlteryxBackup", "event_id": 1000, "message": "Full backup succeeded.",
            **extra}
    return call(host, ENTRY, check_mode=check_mode, **args)


def entries(host: Host, log: str = "Application") -> list[dict]:
    return host.state().get("eventlogs", {}).get(log, {}).get("entries", [])


def events(host: Host, name: str) -> list[dict]:
    lines = (host.root / "journal.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e.get("kind") == "event" and e.get("event") == name]


def test_writing_to_an_unregistered_source_fails_as_on_windows(host: Host) -> None:
    result = write(host)
    assert result == {"changed": False, "failed": True, "msg": "Source AlteryxBackup does not exist"}
    assert entries(host) == [] and events(host, "eventlog_entry") == []


def test_register_once_then_write_keeps_the_entry_in_state_and_journal(host: Host) -> None:
    first = register(host)
    assert first["changed"] is True and first["sources_changed"] == ["AlteryxBackup"]
    assert "AlteryxBackup" in first["sources"] and first["exists"] is True
    again = register(host)
    assert again["changed"] is False and again["sources_changed"] == []
    result = write(host, event_id=1104, entry_type="Error", message="Full backup failed [storage]")
    assert result == {"changed": True, "msg": "Entry added to log Application from source AlteryxBackup"}
    [entry] = entries(host)
    assert (entry["source"], entry["event_id"], entry["entry_type"], entry["message"]) == (
        "AlteryxBackup", 1104, "Error", "Full backup failed [storage]")
    [event] = events(host, "eventlog_entry")
    assert (event["log"], event["event_id"], event["entry_type"]) == ("Application", 1104, "Error")
    assert register(host)["entries"] == 1


def test_entry_type_defaults_to_information_and_names_compare_case_insensitively(host: Host) -> None:
    register(host)
    assert write(host, log="application", source="alteryxbackup")["changed"] is True
    assert entries(host)[0]["entry_type"] == "Information" and entries(host)[0]["source"] == "AlteryxBackup"


def test_check_mode_registers_and_writes_nothing(host: Host) -> None:
    assert register(host, check_mode=True)["changed"] is True
    assert "AlteryxBackup" not in host.state()["eventlogs"]["Application"]["sources"]
    register(host)
    assert write(host, check_mode=True)["changed"] is True
    assert entries(host) == [] and events(host, "eventlog_entry") == []


def test_a_source_of_another_log_cannot_be_written_to_application(host: Host) -> None:
    call(host, LOG, name="System", sources=["AlteryxBackup"])
    result = write(host)
    assert result["failed"] and result["msg"] == ("Source AlteryxBackup does not belong to log Application and cannot "
                                                  "be written to")
    moved = register(host)
    assert moved["failed"] and "does not belong to log Application and cannot be modified" in moved["msg"]


def test_a_non_administrator_cannot_search_or_register(host: Host) -> None:
    with host.locked_state() as state:
        state["admin"] = False
    registered = register(host)
    assert registered["failed"] and registered["msg"] == eventlog.SECURITY_EXCEPTION
    written = write(host)
    assert written["failed"] and written["msg"] == ("Unhandled exception while executing module: "
                                                    + eventlog.SECURITY_EXCEPTION)


def test_a_missing_log_fails(host: Host) -> None:
    result = write(host, log="AlteryxLog")
    assert result["failed"] and result["msg"] == "Log AlteryxLog does not exist and cannot be written to"


@pytest.mark.parametrize(("extra", "message"), [
    ({"event_id": 70000}, "Event ID must be between 0 and 65535"),
    ({"event_id": -1}, "Event ID must be between 0 and 65535"),
    ({"message": ""}, "Get-AnsibleParam: Missing required argument: message"),
    ({"message": "x" * 32767}, "Log entry string is too long. A string written to the event log cannot exceed 32766 "
                               "characters."),
    ({"message": "x" * 31840}, "The parameter is incorrect"),
    ({"category": 40000}, "Cannot bind parameter 'Category'. Cannot convert value \"40000\" to type \"System.Int16\"."),
    ({"raw_data": "10,300"}, "Cannot convert value \"300\" to type \"System.Byte\"."),
])
def test_entries_windows_refuses(host: Host, extra: dict, message: str) -> None:
    register(host)
    result = write(host, **extra)
    assert result["failed"] and result["msg"].startswith(message), result
    assert entries(host) == []


def test_the_longest_message_windows_takes_is_written(host: Host) -> None:
    register(host)
    assert write(host, message="x" * eventlog.REPORT_EVENT_MAX)["changed"] is True


def test_an_unknown_option_fails_as_ansible_basic_would(host: Host) -> None:
    register(host)
    result = call(host, ENTRY, log="Application", source="AlteryxBackup", eventid=1000, message="m")
    assert result["failed"] and "eventid" in result["msg"]


def test_a_new_log_gets_its_own_source_and_can_be_cleared_and_removed(host: Host) -> None:
    created = call(host, LOG, name="AlteryxOps", sources=["AlteryxBackup"])
    assert created["changed"] and created["sources"] == ["AlteryxBackup", "AlteryxOps"]
    call(host, ENTRY, log="AlteryxOps", source="AlteryxBackup", event_id=1, message="m")
    cleared = call(host, LOG, name="AlteryxOps", state="clear")
    assert cleared["changed"] and cleared["entries"] == 0
    assert call(host, LOG, name="AlteryxOps", state="clear")["changed"] is False
    removed = call(host, LOG, name="AlteryxOps", state="absent")
    assert removed["changed"] and removed["exists"] is False and sorted(removed["sources_changed"]) == [
        "AlteryxBackup", "AlteryxOps"]


@pytest.mark.parametrize(("args", "message"), [
    ({"name": "NewLog"}, "You must specify one or more sources when creating a log for the first time"),
    ({"name": "Application", "state": "absent", "sources": ["Application"]},
     "Cannot remove default source Application from log Application - you must remove the log"),
    ({"name": "NoSuchLog", "state": "clear"}, "Cannot clear log NoSuchLog as it does not exist"),
    ({"name": "Application", "maximum_size": "100KB"}, "Maximum size must be divisible by 64KB"),
    ({"name": "Application", "maximum_size": "lots"}, "Maximum size lots is not properly specified"),
    ({"name": "NewLog", "sources": ["MsiInstaller"]}, "Source MsiInstaller already exists and cannot be created"),
])
def test_win_eventlog_refusals(host: Host, args: dict, message: str) -> None:
    result = call(host, LOG, **args)
    assert result["failed"] and result["msg"] == message and result["name"] == args["name"]


def test_log_limits_change_once(host: Host) -> None:
    changed = call(host, LOG, name="Application", maximum_size="64MB", overflow_action="OverwriteOlder",
                   retention_days=7)
    assert changed["changed"] and (changed["maximum_size_kb"], changed["overflow_action"], changed["retention_days"]) \
        == (65536, "OverwriteOlder", 7)
    assert call(host, LOG, name="Application", maximum_size="64MB")["changed"] is False
