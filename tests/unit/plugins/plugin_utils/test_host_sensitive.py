"""run_script's sensitive parameters: win_powershell sensitive_parameters, never parameters, and a no_log call."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script, sensitive_parameters

SECRET = "s3cr3t'pw"


class Action:
    """Records each module call with the task's no_log at that moment."""

    def __init__(self, reply: dict[str, Any] | Exception) -> None:
        self._task = SimpleNamespace(no_log=False, async_val=0)
        self.reply = reply
        self.calls: list[tuple[dict[str, Any], bool]] = []

    def _execute_module(self, module_name: str, module_args: dict[str, Any], task_vars: dict, **_: Any) -> dict:
        self.calls.append((module_args, self._task.no_log))
        if isinstance(self.reply, Exception):
            raise self.reply
        return self.reply


def test_a_secret_travels_as_a_sensitive_parameter_in_a_no_log_call() -> None:
    action = Action({"changed": False, "result": {"ok": 1}})
    result = run_script(action, "alteryx_dump_window", {"DumpPath": "D:\\x"}, {}, sensitive={"Password": SECRET})
    [(module_args, no_log)] = action.calls
    assert module_args["sensitive_parameters"] == [{"name": "Password", "value": SECRET}]
    assert module_args["parameters"] == {"DumpPath": "D:\\x"} and no_log is True
    assert action._task.no_log is False and result == {"ok": 1, "_changed": False, "_warnings": []}


def test_an_empty_secret_is_not_sent_and_the_call_stays_visible() -> None:
    action = Action({"changed": False, "result": {}})
    run_script(action, "alteryx_dump_window", {}, {}, sensitive={"Password": ""})
    [(module_args, no_log)] = action.calls
    assert "sensitive_parameters" not in module_args and no_log is False


def test_no_log_is_restored_when_the_call_fails() -> None:
    action = Action({"failed": True, "result": {"failure_class": "mongodb", "message": "dump failed"}})
    with pytest.raises(AlteryxStepError) as caught:
        run_script(action, "alteryx_dump_window", {}, {}, sensitive={"Password": SECRET})
    assert caught.value.failure_class == "mongodb" and action.calls[0][1] is True and action._task.no_log is False


def test_sensitive_parameters_keeps_order_and_drops_empty_values() -> None:
    assert sensitive_parameters({"A": "1", "B": "", "C": "3"}) == [{"name": "A", "value": "1"},
                                                                   {"name": "C", "value": "3"}]
    assert sensitive_parameters(None) == []
