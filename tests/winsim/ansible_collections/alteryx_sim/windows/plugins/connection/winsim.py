# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""winsim connection: a simulated Windows host running Alteryx Server (test only)."""

from __future__ import annotations

DOCUMENTATION = r"""
name: winsim
short_description: Simulated Windows host for testing alteryx.server
description:
  - Answers PowerShell module payloads from ansible-core with Python fakes of Windows modules,
    against a sandboxed host folder written by C(tests/winsim/bin/winsim new).
author: alteryx.server maintainers
options:
  winsim_root:
    description: Folder of the simulated host (holds C(state.json) and C(drives/)).
    type: path
    required: true
    vars:
      - name: winsim_root
  remote_addr:
    description: Nominal address of the host (unused; ansible-test wants one).
    type: str
    default: localhost
    vars:
      - name: ansible_host
  remote_user:
    description: Nominal user (unused).
    type: str
    vars:
      - name: ansible_user
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.plugins.connection import ConnectionBase

_WINSIM_DIR = Path(__file__).resolve().parents[5]
if str(_WINSIM_DIR) not in sys.path:
    sys.path.insert(0, str(_WINSIM_DIR))

from winsim_engine import payload  # noqa: E402
from winsim_engine.dispatch import call_key, journal_args, result_json, run_module  # noqa: E402
from winsim_engine.host import Host, WinError  # noqa: E402

HOME = "C:\\Users\\ansible"


class Connection(ConnectionBase):
    """Connection to a winsim host."""

    transport = "alteryx_sim.windows.winsim"
    has_pipelining = True
    always_pipeline_modules = True
    has_native_async = True
    allow_executable = False
    module_implementation_preferences = (".ps1", ".exe", "")
    _shell_type = "powershell"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._host = None

    def _connect(self):
        if not self._connected:
            try:
                self._host = Host(self.get_option("winsim_root"))
            except WinError as exc:
                raise AnsibleConnectionFailure(str(exc)) from exc
            self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        self._connect()
        call = payload.decode(cmd, in_data)
        if call.kind == "command":
            return self._plain_command(call.command)
        if call.kind == "helper":
            return self._helper(call)
        return self._module(call)

    def _module(self, call):
        host = self._host
        key = call_key(call)
        fault = host.next_fault(key)
        kind = fault.get("kind") if fault else None
        if kind in ("drop", "hang"):
            if kind == "hang":
                time.sleep(float(fault.get("seconds", 2)))
            host.journal({"kind": "call", "module": call.name, "call": key, "failed": True, "fault": kind,
                          "args": journal_args(call),
                          "check_mode": call.check_mode, "async": bool(call.async_jid), "changed": False})
            reason = "operation timed out" if kind == "hang" else "connection reset by peer"
            raise AnsibleConnectionFailure(f"winsim: {reason} while running {key} on {host.name}")
        if call.async_jid:
            return 0, result_json(self._start_async(call, key, fault)), b""
        return 0, result_json(run_module(host, call, fault)), b""

    def _start_async(self, call, key, fault):
        host = self._host
        async_dir = call.async_dir.replace("~", HOME, 1) if call.async_dir.startswith("~") else call.async_dir
        results_win = async_dir.rstrip("\\") + "\\" + call.async_jid
        results = host.local_path(results_win)
        results.parent.mkdir(parents=True, exist_ok=True)
        started = {"started": True, "finished": False, "results_file": results_win,
                   "ansible_job_id": call.async_jid, "_ansible_suppress_tmpdir_delete": True}
        results.write_text(json.dumps(started))
        fd, job_file = tempfile.mkstemp(prefix="job-", suffix=".json", dir=host.root)
        with os.fdopen(fd, "w") as fh:
            json.dump({"call": call.__dict__, "key": key, "fault": fault, "results_file": str(results),
                       "results_win": results_win}, fh)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(_WINSIM_DIR), env.get("PYTHONPATH", "")])
        # A new session: the job survives the death of ansible-playbook, like a detached Windows process.
        subprocess.Popen(
            [sys.executable, "-m", "winsim_engine.asyncjob", str(host.root), job_file],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True, env=env, cwd=str(host.root),
        )
        return started

    def _helper(self, call):
        host = self._host
        if call.name == "powershell_mkdtemp.ps1":
            directory = call.params["Directory"]
            if directory.startswith("~"):
                directory = HOME + directory[1:]
            path = host._expand_env(directory).rstrip("\\") + "\\" + call.params["Name"]
            host.local_path(path).mkdir(parents=True, exist_ok=True)
            return 0, (path + "\r\n").encode(), b""
        if call.name == "powershell_expand_user.ps1":
            path = call.params["Path"]
            if path == "~" or path.startswith("~\\"):
                path = HOME + path[1:]
            return 0, (path + "\r\n").encode(), b""
        raise AnsibleError(f"winsim does not implement helper script {call.name}")

    def _plain_command(self, script):
        import re

        match = re.search(r"Remove-Item '([^']+)' -Force", script)
        if match:
            target = self._host.local_path(match.group(1).replace("''", "'"))
            if target.is_dir():
                shutil.rmtree(target, ignore_errors=True)
            elif target.exists():
                target.unlink()
            return 0, b"", b""
        raise AnsibleError(f"winsim does not understand the raw command: {script[:200]}")

    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        self._connect()
        try:
            self._host.copy_file(Path(in_path), self._host.local_path(out_path))
        except WinError as exc:
            raise AnsibleError(f"winsim put_file to {out_path} failed: {exc}") from exc
        self._host.journal({"kind": "transfer", "direction": "put", "path": out_path})

    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        self._connect()
        src = self._host.local_path(in_path)
        if not src.is_file():
            raise AnsibleError(f"winsim fetch_file: {in_path} does not exist")
        Path(out_path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, out_path)
        self._host.journal({"kind": "transfer", "direction": "fetch", "path": in_path})

    def close(self):
        self._connected = False
