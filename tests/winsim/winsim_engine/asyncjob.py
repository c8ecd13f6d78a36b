"""A detached async job, as the Windows async wrapper runs one.

Started by the connection with ``python -m winsim_engine.asyncjob HOST_ROOT JOB_FILE`` in a
new session, so killing ansible-playbook does not stop it. It runs the module, enforces
the watchdog timeout and writes the results file that async_status reads.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

from .dispatch import run_module
from .host import Host
from .payload import Call


def main(host_root: str, job_file: str) -> None:
    host = Host(host_root)
    job = json.loads(Path(job_file).read_text())
    Path(job_file).unlink()
    call = Call(**job["call"])
    results = Path(job["results_file"])
    base = {"started": True, "finished": True, "ansible_job_id": call.async_jid, "results_file": job["results_win"]}

    def watchdog() -> None:
        _write(results, {**base, "failed": True, "msg": "timed out waiting for module completion"})
        host.event("async_timeout", jid=call.async_jid, call=job["key"])
        os._exit(1)

    timer = threading.Timer(call.async_timeout, watchdog) if call.async_timeout else None
    if timer:
        timer.daemon = True
        timer.start()
    result = run_module(host, call, job.get("fault"))
    if timer:
        timer.cancel()
    _write(results, {**base, **result})


def _write(path: Path, data: dict) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, default=str))
    os.replace(tmp, path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
