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
    description: Nominal user (unused, but a C(@) in it selects Kerberos as the winrm plugin does).
    type: str
    vars:
      - name: ansible_user
  port:
    description: Nominal WinRM port; C(5985) means HTTP, anything else HTTPS (as the winrm plugin decides).
    type: int
    default: 5985
    vars:
      - name: ansible_port
      - name: ansible_winrm_port
  transport:
    description: Nominal WinRM transport, used in the text of simulated connection errors.
    type: list
    elements: str
    vars:
      - name: ansible_winrm_transport
  connection_timeout:
    description:
      - As the winrm plugin's option - sets the operation timeout to this and the read timeout to this plus 10.
    type: int
    vars:
      - name: ansible_winrm_connection_timeout
  read_timeout_sec:
    description: pywinrm's C(read_timeout_sec) - how long a simulated lost reply (fault C(read_timeout)) waits.
    type: int
    default: 30
    vars:
      - name: ansible_winrm_read_timeout_sec
  operation_timeout_sec:
    description: pywinrm's C(operation_timeout_sec); it must be lower than the read timeout, as pywinrm demands.
    type: int
    default: 20
    vars:
      - name: ansible_winrm_operation_timeout_sec
"""

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

# What winsim itself costs each ansible worker, so that a benchmark can take it out of the controller's CPU:
# WINSIM_CPU_LOG=<file> appends one JSON line per connection method call (pid, method, CPU seconds of the call and,
# on a worker's first call, of importing winsim); WINSIM_PROFILE=<folder> also profiles it with cProfile, one
# <pid>.prof per worker, and logs to <folder>/cpu.jsonl (tests/bench/bench_backup.py reads both).
_PROFILE_DIR = os.environ.get("WINSIM_PROFILE")
_CPU_LOG = os.path.join(_PROFILE_DIR, "cpu.jsonl") if _PROFILE_DIR else os.environ.get("WINSIM_CPU_LOG")
_IMPORT_CPU = 0.0
if _PROFILE_DIR:
    import cProfile

    _PROFILER = cProfile.Profile()

from ansible.errors import AnsibleConnectionFailure, AnsibleError
from ansible.plugins.connection import ConnectionBase

_WINSIM_DIR = Path(__file__).resolve().parents[5]

# The simulated host, imported on a worker's first connection method call, not with the plugin: ansible-core loads
# the connection plugin for every task, also for those that never touch the host (set_fact, controller-only
# actions), and those must not pay for winsim.
asyncjob = payload = call_key = journal_args = result_json = run_module = Host = WinError = None


def _engine() -> None:
    """Import winsim's engine once per worker; its CPU goes to the next logged call's ``import_cpu``."""
    global asyncjob, payload, call_key, journal_args, result_json, run_module, Host, WinError, _IMPORT_CPU
    if Host is not None:
        return
    started = time.process_time()
    if _PROFILE_DIR:
        _PROFILER.enable()
    if str(_WINSIM_DIR) not in sys.path:
        sys.path.insert(0, str(_WINSIM_DIR))
    from winsim_engine import asyncjob, payload  # noqa: F811
    from winsim_engine.dispatch import call_key, journal_args, result_json, run_module  # noqa: F811
    from winsim_engine.host import Host, WinError  # noqa: F811
    if _PROFILE_DIR:
        _PROFILER.disable()
    _IMPORT_CPU += time.process_time() - started


def _profiled(method):
    """Log (and profile) one connection method when WINSIM_CPU_LOG or WINSIM_PROFILE is set."""
    if not _CPU_LOG:
        return method

    def wrapper(self, *args, **kwargs):
        global _IMPORT_CPU
        _engine()
        started = time.process_time()
        if _PROFILE_DIR:
            _PROFILER.enable()
        try:
            return method(self, *args, **kwargs)
        finally:
            if _PROFILE_DIR:
                _PROFILER.disable()
                _PROFILER.dump_stats(os.path.join(_PROFILE_DIR, f"{os.getpid()}.prof"))
            spent = {"pid": os.getpid(), "method": method.__name__, "cpu": round(time.process_time() - started, 6),
                     "import_cpu": round(_IMPORT_CPU, 6)}
            _IMPORT_CPU = 0.0
            with open(_CPU_LOG, "a") as handle:
                handle.write(json.dumps(spent) + "\n")

    return wrapper


HOME = "C:\\Users\\ansible"
# Fault kinds handled here, between the controller and the host (see docs/winsim.md, "Faults").
CONNECT_FAULTS = ("refused", "connect_timeout")  # nothing reaches the host
LOST_REPLY_FAULTS = ("drop", "read_timeout")  # the command runs on the host, its reply is lost
DEFAULT_STARTUP_TIMEOUT = 5  # ansible-core WIN_ASYNC_STARTUP_TIMEOUT


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
        # winrm.py opens its WinRM shell once per connection (_winrm_connect); a failure to reach the
        # host is reported differently before and after that.
        self._shell_open = False

    def _connect(self):
        _engine()
        if not self._connected:
            try:
                self._host = Host(self.get_option("winsim_root"))
            except WinError as exc:
                raise AnsibleConnectionFailure(str(exc)) from exc
            self._connected = True
        return self

    @_profiled
    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        self._connect()
        call = payload.decode(cmd, in_data)
        size = len(cmd.encode() if isinstance(cmd, str) else cmd) + len(in_data or b"")
        if call.kind == "command":
            self._received(call.kind, size)
            return self._plain_command(call.command)
        if call.kind == "helper":
            self._received(call.name, size)
            return self._helper(call)
        return self._module(call, in_data, size)

    def _received(self, what: str, size: int) -> None:
        """Journal what reached the host (command line and stdin, or a file put), for the benchmark's bytes-per-host
        figure. Its own entry kind, so that counts of "call" entries are unchanged."""
        self._host.journal({"kind": "received", "what": what, "bytes": size})

    # ------------------------------------------------------------ modules
    def _module(self, call, in_data, size):
        host = self._host
        key = call_key(call)
        fault = host.next_fault(key)
        kind = fault.get("kind") if fault else None
        if kind in CONNECT_FAULTS:
            host.journal({"kind": "call", "module": call.name, "call": key, "failed": True, "fault": kind,
                          "delivered": False, "args": journal_args(call), "check_mode": call.check_mode,
                          "async": bool(call.async_jid), "changed": False})
            raise self._connect_error(kind)
        self._received(key, size)
        self._open_shell()
        if kind == "hang":
            self._hang(key, fault)
        delivered = time.monotonic()
        if call.async_jid:
            rc, out, err, started = asyncjob.start(host, {
                "call": call.__dict__, "key": key, "fault": fault, "async_dir": call.async_dir,
                "async_jid": call.async_jid}, _startup_timeout(in_data), str(_WINSIM_DIR))
            jid = started["ansible_job_id"] if started else None
        else:
            rc, out, err, jid = 0, result_json(run_module(host, call, fault)), b"", None
        if kind in LOST_REPLY_FAULTS:
            host.event("reply_lost", fault=kind, call=key, ansible_job_id=jid)
            if kind == "read_timeout":
                self._block(key, delivered + self._timeouts()[0])
            raise self._lost_reply_error(kind)
        return rc, out, err

    # ------------------------------------------------------------ faults
    def _timeouts(self) -> tuple[int, int]:
        """(read, operation) timeouts as winrm.py gives them to pywinrm (lines 435-437)."""
        connection_timeout = self.get_option("connection_timeout")
        if connection_timeout:
            return int(connection_timeout) + 10, int(connection_timeout)
        return int(self.get_option("read_timeout_sec")), int(self.get_option("operation_timeout_sec"))

    def _transport_name(self) -> str:
        transports = self.get_option("transport")
        if transports and transports[0]:
            return str(transports[0])
        user = self.get_option("remote_user") or ""
        if "@" in user:  # winrm.py lines 289-296
            return "kerberos"
        return "plaintext" if self._port() == 5985 else "ssl"

    def _port(self) -> int:
        return int(self.get_option("port") or 5985)

    def _pool(self) -> Any:
        """(pool, connection) objects of urllib3, to build the real exceptions with their real text."""
        from urllib3.connection import HTTPConnection, HTTPSConnection
        from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

        host, port = self.get_option("remote_addr") or "localhost", self._port()
        if port == 5985:
            return HTTPConnectionPool(host, port), HTTPConnection(host, port)
        return HTTPSConnectionPool(host, port), HTTPSConnection(host, port)

    def _open_shell(self) -> None:
        """pywinrm's Protocol() checks its timeouts when winrm.py first connects (protocol.py 95-96)."""
        if self._shell_open:
            return
        read, operation = self._timeouts()
        if read <= operation or not operation:
            raise AnsibleConnectionFailure(f"{self._transport_name()}: read_timeout_sec must exceed "
                                           "operation_timeout_sec, and both must be non-zero")
        self._shell_open = True

    def _connect_error(self, kind: str) -> BaseException:
        """The error of a connection that cannot be made: the command never reaches the host."""
        import requests.exceptions  # pywinrm's dependency: needed (with urllib3) only to raise its errors
        from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

        pool, conn = self._pool()
        if kind == "refused":
            reason = NewConnectionError(conn, "Failed to establish a new connection: [Errno 111] Connection refused")
            error: Exception = requests.exceptions.ConnectionError(MaxRetryError(pool, "/wsman", reason))
            if not self._shell_open:
                # winrm.py _winrm_connect: every transport's error joined (lines 446-460).
                return AnsibleConnectionFailure(f"{self._transport_name()}: {error}")
            # Shell already open: protocol.run_command (line 603) raises it through _winrm_exec untouched.
            return error
        if not self._shell_open:
            # winrm.py lines 447-449 (the error text of a connect timeout says "Operation timed out").
            return AnsibleError("the connection attempt timed out")
        timeout = self._timeouts()[0]
        reason = ConnectTimeoutError(conn, f"Connection to {conn.host} timed out. (connect timeout={timeout})")
        # A requests Timeout, caught by _winrm_exec (lines 656-657).
        return AnsibleConnectionFailure(
            f"winrm connection error: {requests.exceptions.ConnectTimeout(MaxRetryError(pool, '/wsman', reason))}")

    def _lost_reply_error(self, kind: str) -> BaseException:
        """The error of a reply lost after the command was delivered (it ran on the host)."""
        import requests.exceptions
        from urllib3.exceptions import ProtocolError, ReadTimeoutError

        if kind == "drop":
            # The Receive request dies with the socket: requests' ConnectionError passes _winrm_exec
            # untouched (only requests Timeout is caught, winrm.py line 656).
            return requests.exceptions.ConnectionError(
                ProtocolError("Connection aborted.", ConnectionResetError(104, "Connection reset by peer")))
        pool, _conn = self._pool()
        timeout = self._timeouts()[0]
        error = requests.exceptions.ReadTimeout(ReadTimeoutError(pool, "/wsman", f"Read timed out. (read timeout={timeout})"))
        return AnsibleConnectionFailure(f"winrm connection error: {error}")  # winrm.py lines 656-657

    def _hang(self, key: str, fault: dict[str, Any]) -> None:
        """A call stuck on the host: WinRM answers every Receive with an OperationTimeout fault, which
        winrm.py retries for ever (lines 578-582), so only the task's ``timeout`` ends the wait; with
        ``seconds`` the host recovers after that long and the call completes."""
        self._host.event("call_hangs", call=key, seconds=fault.get("seconds"))
        seconds = fault.get("seconds")
        self._block(key, None if seconds is None else time.monotonic() + float(seconds))

    def _block(self, key: str, until: float | None) -> None:
        """Wait until ``until`` (monotonic) or for ever; the task timeout's SIGALRM interrupts the sleep."""
        controller = os.getppid()
        while until is None or time.monotonic() < until:
            if os.getppid() != controller:  # ansible-playbook is gone; a real WinRM client would be too
                raise AnsibleConnectionFailure(f"winsim: the controller went away while {key} was waiting")
            time.sleep(0.1 if until is None else max(0.0, min(0.1, until - time.monotonic())))

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

    @_profiled
    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        self._connect()
        self._received("put_file", os.path.getsize(in_path))
        try:
            self._host.copy_file(Path(in_path), self._host.local_path(out_path))
        except WinError as exc:
            raise AnsibleError(f"winsim put_file to {out_path} failed: {exc}") from exc
        self._host.journal({"kind": "transfer", "direction": "put", "path": out_path})

    @_profiled
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


def _startup_timeout(in_data: bytes | None) -> float:
    """``StartupTimeout`` the controller gave async_wrapper.ps1 (WIN_ASYNC_STARTUP_TIMEOUT)."""
    parts = (in_data or b"").split(payload.SEPARATOR)
    if len(parts) > 1 and parts[1].strip():
        for action in json.loads(parts[1]).get("actions", []):
            if action.get("name") == "async_wrapper.ps1":
                return float(action.get("params", {}).get("StartupTimeout") or DEFAULT_STARTUP_TIMEOUT)
    return float(DEFAULT_STARTUP_TIMEOUT)
