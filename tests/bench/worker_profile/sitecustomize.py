"""Profile every ansible-playbook worker (one task on one host) with cProfile: tests/bench/profile_run.py.

On the PYTHONPATH with ANSIBLE_WORKER_PROFILE=<folder> set, ansible-playbook writes <folder>/<pid>.prof for each
worker plus <pid>.json naming its task and host, and main.prof for itself. Does nothing otherwise."""

import json
import os
import sys

_FOLDER = os.environ.get("ANSIBLE_WORKER_PROFILE")
if _FOLDER and os.path.basename(sys.argv[0]) == "ansible-playbook":
    import atexit
    import cProfile

    from ansible.executor.process import worker

    _run = worker.WorkerProcess._run

    def _profiled_run(self):
        profile = cProfile.Profile()
        profile.enable()
        try:
            return _run(self)
        finally:
            profile.disable()
            pid = os.getpid()
            profile.dump_stats(os.path.join(_FOLDER, f"{pid}.prof"))
            with open(os.path.join(_FOLDER, f"{pid}.json"), "w") as handle:
                json.dump({"task": self._task.get_name(), "action": self._task.action, "host": self._host.name}, handle)

    worker.WorkerProcess._run = _profiled_run
    _main = cProfile.Profile()
    _main.enable()
    _main_pid = os.getpid()

    def _dump_main():
        if os.getpid() == _main_pid:
            _main.disable()
            _main.dump_stats(os.path.join(_FOLDER, "main.prof"))

    atexit.register(_dump_main)
