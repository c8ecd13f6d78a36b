# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One spelling for Windows service states, whichever API the host read them from."""

from __future__ import annotations

import re

STATES = ("running", "stopped", "start_pending", "stop_pending", "paused", "pause_pending", "continue_pending")


def normalize_state(text: str | None) -> str:
    """Map ``Running`` / ``Stop Pending`` (Win32_Service) / ``StopPending`` (ServiceController) to ``stop_pending``.

    Returns ``unknown`` for anything else, so a caller never mistakes it for a known state.
    """
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(text or "")).replace("_", " ").split()
    name = "_".join(w.lower() for w in words)
    return name if name in STATES else "unknown"
