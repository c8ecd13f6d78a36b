"""Poll backoff: short jobs are seen to end at once, long ones cost few polls."""

from __future__ import annotations

from itertools import islice

from hypothesis import given
from hypothesis import strategies as st

from ansible_collections.alteryx.server.plugins.plugin_utils._poll import poll_delays, polls_for


def test_first_poll_comes_after_a_second_and_the_waits_grow_to_the_cap():
    assert list(islice(poll_delays(60), 4)) == [1.0, 1.5, 2.25, 3.375]
    assert list(islice(poll_delays(60), 40))[-1] == 60


def test_a_cap_below_a_second_polls_at_the_cap_from_the_start():
    assert list(islice(poll_delays(0.2), 3)) == [0.2, 0.2, 0.2]


def test_the_issue_targets_hold_at_the_default_cap():
    assert polls_for(0.5, 60) == 1
    assert polls_for(20, 60) <= 10
    assert polls_for(3600, 60) <= 70


@given(cap=st.floats(0.1, 300), count=st.integers(1, 200))
def test_waits_never_shrink_and_never_pass_the_cap(cap, count):
    delays = list(islice(poll_delays(cap), count))
    assert delays[0] <= 1.0
    assert all(d <= cap for d in delays)
    assert delays == sorted(delays)


@given(cap=st.floats(1, 300), duration=st.floats(0, 86400))
def test_the_last_poll_comes_at_most_one_cap_after_the_job_ends(cap, duration):
    polls = polls_for(duration, cap)
    waited = sum(islice(poll_delays(cap), polls))
    assert duration <= waited < duration + cap + 1e-9
