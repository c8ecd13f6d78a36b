"""Unit tests for plugins/plugin_utils/_service_states.py."""

from __future__ import annotations

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._service_states import normalize_state


@pytest.mark.parametrize(("text", "state"), [
    ("Running", "running"), ("running", "running"), ("Stopped", "stopped"), ("Stop Pending", "stop_pending"),
    ("StopPending", "stop_pending"), ("startpending", "unknown"), ("start_pending", "start_pending"),
    ("Paused", "paused"), ("", "unknown"), (None, "unknown"), ("Degraded", "unknown"),
])
def test_every_spelling_maps_to_one_name(text, state):
    assert normalize_state(text) == state
