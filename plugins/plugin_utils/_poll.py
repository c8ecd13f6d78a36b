# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""When to poll a detached host job: soon at first, then less and less often up to a cap (pure logic).

Most jobs end in seconds, a dump can take hours: a fixed interval either makes short jobs wait or
makes long ones cost thousands of host calls. The first poll comes after ``FIRST_DELAY`` seconds
(or the cap, when smaller), each next one ``GROWTH`` times later, never more than ``cap`` apart.
With the default cap of 60 s a 20 s job is polled 6 times and a 1-hour job 69 times.
"""

from __future__ import annotations

from collections.abc import Iterator

FIRST_DELAY = 1.0
GROWTH = 1.5


def poll_delays(cap: float) -> Iterator[float]:
    """Seconds to wait before each poll, endlessly: FIRST_DELAY, then GROWTH times more, capped at ``cap``."""
    delay = min(FIRST_DELAY, cap)
    while True:
        yield delay
        delay = min(cap, delay * GROWTH)


def polls_for(duration: float, cap: float) -> int:
    """How many polls a job lasting ``duration`` seconds costs: the first poll at or after its end included."""
    elapsed = 0.0
    for polls, delay in enumerate(poll_delays(cap), start=1):
        elapsed += delay
        if elapsed >= duration:
            return polls
    raise AssertionError("unreachable")  # pragma: no cover
