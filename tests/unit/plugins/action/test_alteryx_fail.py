"""alteryx.server.alteryx_fail: the failed result carries failure_class and exit_code as keys."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.alteryx.server.plugins.action.alteryx_fail import DEFAULT_MSG, ActionModule, failure_of
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import FAILURE_CLASSES


@pytest.mark.parametrize(("failure_class", "code"), list(FAILURE_CLASSES.items()))
def test_every_class_gives_its_code(failure_class: str, code: int) -> None:
    assert failure_of(failure_class, None) == (failure_class, code, [])
    assert failure_of(failure_class, code) == (failure_class, code, [])


@pytest.mark.parametrize(("failure_class", "code"), list(FAILURE_CLASSES.items()))
def test_a_code_alone_names_the_class(failure_class: str, code: int) -> None:
    assert failure_of(None, code) == (failure_class, code, [])
    assert failure_of("", code) == (failure_class, code, [])


def test_the_class_wins_over_a_disagreeing_code() -> None:
    assert failure_of("storage", 5) == ("storage", 4, ["exit_code 5 does not match failure_class storage; "
                                                       "reporting exit code 4"])


def test_nothing_given_is_general() -> None:
    assert failure_of(None, None) == ("general", 1, [])


@pytest.mark.parametrize(("failure_class", "code", "expected", "warning"), [
    ("bogus", None, ("general", 1), "unknown failure_class 'bogus'"),
    ("bogus", 4, ("storage", 4), "unknown failure_class 'bogus'"),
    (None, 0, ("general", 1), "exit_code 0 is not a failure exit code"),
    (None, 9, ("general", 1), "exit_code 9 is not a failure exit code"),
    ("Storage", None, ("general", 1), "unknown failure_class 'Storage'"),
])
def test_unusable_values_degrade_with_a_warning(failure_class, code, expected, warning) -> None:
    got_class, got_code, warnings = failure_of(failure_class, code)
    assert (got_class, got_code) == expected
    assert warnings and warnings[0].startswith(warning)


def _step(args: dict, check_mode: bool = False) -> dict:
    validation = ArgumentSpecValidator(ActionModule.ARGUMENT_SPEC).validate(args)
    assert not validation.error_messages
    action = ActionModule.__new__(ActionModule)
    action._task = SimpleNamespace(check_mode=check_mode, async_val=0)
    return action.step(validation.validated_parameters, {})


@pytest.mark.parametrize("check_mode", [False, True])
def test_always_fails_with_the_keys(check_mode: bool) -> None:
    result = _step({"msg": "Share offline", "failure_class": "storage"}, check_mode)
    assert result == {"failed": True, "changed": False, "msg": "Share offline", "failure_class": "storage",
                      "exit_code": 4}


def test_default_message_is_ansible_builtin_fails() -> None:
    assert _step({})["msg"] == DEFAULT_MSG == "Failed as requested from task"


def test_exit_code_given_as_digits_is_converted() -> None:
    result = _step({"exit_code": "5"})
    assert (result["failure_class"], result["exit_code"]) == ("mongodb", 5)


def test_needs_no_connection() -> None:
    assert ActionModule._requires_connection is False
