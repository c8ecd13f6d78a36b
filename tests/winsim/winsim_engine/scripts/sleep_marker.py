"""Twin of a test-only script (``# alteryx.server: sleep_marker``): sleep, then leave a marker file.

Parameters: ``Seconds`` (float) to sleep, ``Path`` (Windows path) of the marker to write, and
optional ``Content`` (only when the script declares it). The script never sets
``$Ansible.Changed``, so the module reports changed (its default). Used by the winsim tests to
prove that an async job outlives a killed ansible-playbook.
"""

from __future__ import annotations

import time


def run(host, parameters, ctx):
    time.sleep(float(parameters.get("Seconds") or 0))
    path = parameters["Path"]
    local = host.local_path(path)
    host.write_bytes(local, str(parameters.get("Content") or "done").encode("utf-8"))
    return {"result": {"path": path, "slept": float(parameters.get("Seconds") or 0)}}
