"""Set-ServiceTarget's twin (scripts/_service_control.py): a stop that someone else undoes fails at once."""

from __future__ import annotations

import threading
import time

import pytest

from winsim_engine import alteryx
from winsim_engine.host import Host
from winsim_engine.scripts._service_control import ServiceStateError, set_service_target


def test_a_plain_stop_and_start_report_their_transition(host: Host) -> None:
    assert set_service_target(host, "AlteryxService", "Stopped", 30)["state"] == "Stopped"
    assert set_service_target(host, "AlteryxService", "Stopped", 30) is None, "already there: nothing asked"
    assert set_service_target(host, "AlteryxService", "Running", 30)["state"] == "Running"


@pytest.mark.parametrize("restart_after", [0.05, 0.3])
def test_a_stop_undone_by_a_start_elsewhere_fails_at_once(host: Host, restart_after: float) -> None:
    """A rescue's start racing a lost dump job (while stopping, or once stopped between two polls): the job fails
    at once instead of waiting its whole service timeout."""
    def restart() -> None:
        time.sleep(restart_after)
        alteryx.set_service_state(host, "AlteryxService", "running", timeout=10)

    other = threading.Thread(target=restart)
    began = time.monotonic()
    other.start()
    with pytest.raises(ServiceStateError, match="was started again by someone else"):
        set_service_target(host, "AlteryxService", "Stopped", 600)
    other.join()
    assert time.monotonic() - began < 10
