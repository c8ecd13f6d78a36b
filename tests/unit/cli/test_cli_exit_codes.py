"""alteryx_backup_cli.exit_codes: the spec's codes, the failure classes and the fleet precedence."""

from __future__ import annotations

import itertools

import pytest
from alteryx_backup_cli.exit_codes import (
    CLASS_OF_CODE,
    FAILURE_CLASSES,
    PRECEDENCE,
    code_of_result,
    fleet_exit_code,
)
from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alteryx.server.plugins.plugin_utils import _failures


def test_failure_classes_equal_the_collections() -> None:
    """The package repeats the collection's table (it must import without the collection): they stay equal."""
    assert FAILURE_CLASSES == _failures.FAILURE_CLASSES


def test_spec_exit_codes() -> None:
    """REQ-7.3.5 / data model 6.2: 1 general ... 6 invalid mode."""
    assert CLASS_OF_CODE == {1: "general", 2: "service_timeout", 3: "validation", 4: "storage", 5: "mongodb",
                             6: "invalid_mode"}


def test_precedence_orders_every_failure_code_once() -> None:
    assert sorted(PRECEDENCE) == [1, 2, 3, 4, 5, 6]
    assert PRECEDENCE == (2, 5, 4, 3, 6, 1)


@pytest.mark.parametrize(("result", "code"), [
    ({"failure_class": "storage", "exit_code": 4}, 4),
    ({"failure_class": "mongodb"}, 5),
    ({"exit_code": 2}, 2),
    ({"exit_code": "3"}, 3),  # a templated value that stayed a string
    ({"failure_class": "validation", "exit_code": 5}, 3),  # the class is the source of truth
    ({"failure_class": "nope", "exit_code": 4}, 4),
    ({"failure_class": "nope"}, None),
    ({"exit_code": 0}, None),
    ({"exit_code": 7}, None),
    ({"exit_code": True}, None),
    ({"exit_code": "x"}, None),
    ({"msg": "Full backup failed [failure_class=storage, exit_code=4]"}, None),  # messages are never parsed
    ({}, None),
    (None, None),
    ("failed", None),
])
def test_code_of_result(result: object, code: int | None) -> None:
    assert code_of_result(result) == code  # type: ignore[arg-type]


@pytest.mark.parametrize(("codes", "expected"), [
    ([], 0),
    ([0], 0),
    ([0, 0, 0], 0),
    ([0, 3], 3),
    ([1, 0], 1),
    ([1, 4], 4),
    ([3, 5, 4], 5),
    ([5, 2], 2),
    ([1, 6], 6),
    ([6, 3], 3),
    ([4, 4, 1], 4),
    ([9], 1),  # not a spec code: general
    ([0, -1], 1),
])
def test_fleet_exit_code(codes: list[int], expected: int) -> None:
    assert fleet_exit_code(codes) == expected


@pytest.mark.parametrize(("higher", "lower"), list(itertools.combinations(PRECEDENCE, 2)))
def test_each_code_wins_over_every_code_after_it(higher: int, lower: int) -> None:
    assert fleet_exit_code([lower, higher]) == higher
    assert fleet_exit_code([higher, lower, 0]) == higher


@given(st.lists(st.integers(min_value=0, max_value=6)))
def test_fleet_code_is_zero_only_when_every_host_succeeded(codes: list[int]) -> None:
    code = fleet_exit_code(codes)
    assert (code == 0) == all(c == 0 for c in codes)
    if code:
        assert code in codes
        assert all(PRECEDENCE.index(code) <= PRECEDENCE.index(c) for c in codes if c)


@given(st.permutations([0, 1, 2, 3, 4, 5, 6]))
def test_fleet_code_does_not_depend_on_host_order(codes: list[int]) -> None:
    assert fleet_exit_code(codes) == PRECEDENCE[0]
