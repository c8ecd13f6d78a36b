"""A benchmarked run that fails: say why in a few lines, and measure the point again on fresh hosts."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class RunFailed(Exception):
    """A benchmarked playbook failed; the message holds its error lines."""


def failure_lines(output: str, limit: int = 12) -> str:
    """The lines of ansible-playbook's output that say what failed (errors, fatal results and their messages)."""
    wanted = [line.strip() for line in output.splitlines()
              if line.lstrip().startswith(("[ERROR]", "fatal:", "failed:", "msg:", "ERROR!"))]
    return "\n".join(wanted[:limit]) or output[-2000:]


def attempt(what: str, measure: Callable[[], T], retries: int) -> T:
    """Run ``measure()``; on a failed playbook say why and run it again, up to ``retries`` more times."""
    for left in range(retries, -1, -1):
        try:
            return measure()
        except RunFailed as exc:
            if not left:
                raise SystemExit(f"{what}: {exc}") from exc
            print(f"{what}: a run failed, measuring again on fresh hosts ({left} more):\n{exc}", flush=True)
    raise AssertionError("unreachable")
