"""A detached async job, as ansible-core's Windows async wrapper and watchdog run one.

Ported from ansible-core 2.19 ``ansible/executor/powershell/async_wrapper.ps1`` (the start,
done by the connection with :func:`start`) and ``async_watchdog.ps1`` (this process, :func:`main`):

* The wrapper creates the job process suspended, writes the results file
  ``Path.Combine(AsyncDir, "<AsyncJid>.<its own $pid>")`` with ``[File]::WriteAllText`` (UTF-8, no
  BOM, in place) holding ``started``/``finished``/``results_file``/``ansible_job_id``/
  ``_ansible_suppress_tmpdir_delete``/``ansible_async_watchdog_pid`` (wrapper lines 104-146), resumes
  it, writes the exec payload to its stdin, then waits ``StartupTimeout`` seconds for the job to
  signal that it started (lines 162-194). Its reply is that same JSON (line 197); when the job ends
  before signalling, the results file is removed and the job's raw stdout/stderr/rc come back
  (lines 200-210); when the wait times out the wrapper throws (lines 184-191).
* The watchdog throws when the results file is missing (watchdog lines 26-28), reads it as its base
  result, signals the wrapper (lines 57-60), runs the module and waits ``Timeout`` seconds
  (lines 65-66). Done: ``finished = $true`` plus the module's JSON merged in with ``+`` (a duplicate
  key throws; lines 67-97). Timed out: it throws ``timed out waiting for module completion``
  (line 104); the catch adds ``exception``, ``failed``, ``msg = "failure during async watchdog: ..."``,
  ``stdout`` ($null) and ``stderr`` (lines 107-128). Either way the result is written back IN PLACE
  with ``Set-Content -Encoding UTF8`` (line 131: Windows PowerShell 5.1 writes a BOM and a CRLF).
* After a timeout the watchdog does not stop the module (line 100-102: ``BeginStop`` only); its
  process simply ends, which kills the module's thread: the script's ``finally`` blocks do NOT run.
  Native programs the script started are separate processes and outlive it. Here a native program
  (``AlteryxService.exe``) runs in a forked child registered in the host's ``processes`` with
  ``parent_pid``; the kill journals an ``async_job_killed`` event listing those children, and each
  of them an ``orphan_exit`` event when it ends.

Started by the connection as ``python -m winsim_engine.asyncjob`` in a new session, so killing
ansible-playbook does not stop it, with the job description as JSON on stdin.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import select
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

WATCHDOG_TIMEOUT = "timed out waiting for module completion"
STARTUP_TIMEOUT_MSG = (
    "Ansible encountered a timeout while waiting for the async task to start and signal it has started. "
    "This can be affected by the performance of the target - you can increase this timeout using "
    "WIN_ASYNC_STARTUP_TIMEOUT or just for this host using the ansible_win_async_startup_timeout hostvar "
    "if this keeps happening."
)
STARTED_SIGNAL = b"winsim-async-started\n"
NEWLINE = "\r\n"  # [Environment]::NewLine on Windows


# ----------------------------------------------------------------- wrapper
def results_path(host: Any, async_dir: str, local_jid: str) -> str:
    """``[Path]::Combine([Environment]::ExpandEnvironmentVariables($AsyncDir), $localJid)``.

    Only ``%VAR%`` is expanded; a ``~`` stays a literal folder name (a relative path).
    """
    expanded = host._expand_env(async_dir)
    return expanded + local_jid if expanded.endswith(("\\", "/")) else expanded + "\\" + local_jid


def local_results(host: Any, results_win: str) -> Path:
    """Where the job's results file lives: a relative path is relative to the WinRM shell's folder."""
    absolute = len(results_win) > 1 and results_win[1] == ":" or results_win.startswith(("\\\\", "//"))
    return host.local_path(results_win if absolute else "C:\\Users\\ansible\\" + results_win)


def start(host: Any, job: dict[str, Any], startup_timeout: float,
          winsim_dir: str) -> tuple[int, bytes, bytes, dict[str, Any] | None]:
    """Start a detached job as async_wrapper.ps1 does; returns (rc, stdout, stderr, started reply or None).

    ``job`` holds ``call`` (the decoded Call as a dict), ``key``, ``fault`` (a fault for the module
    itself: fail/disk_full), ``async_dir`` and ``async_jid``.
    """
    local_jid = f"{job['async_jid']}.{os.getpid()}"
    results_win = results_path(host, job["async_dir"], local_jid)
    results = local_results(host, results_win)
    results.parent.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in [winsim_dir, env.get("PYTHONPATH", "")] if p)
    # New session: the job survives the death of ansible-playbook, like a breakaway Windows process.
    proc = subprocess.Popen(
        [sys.executable, "-m", "winsim_engine.asyncjob", str(host.root)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        start_new_session=True, env=env, cwd=str(host.root),
    )
    started = {"started": True, "finished": False, "results_file": results_win, "ansible_job_id": local_jid,
               "_ansible_suppress_tmpdir_delete": True, "ansible_async_watchdog_pid": proc.pid}
    started_json = _ps_json(started)
    # [File]::WriteAllText with UTF8Encoding($false): truncates and writes in place, no BOM, no newline.
    with open(results, "wb") as fh:
        fh.write(started_json.encode("utf-8"))
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        proc.stdin.write(json.dumps({**job, "local_jid": local_jid, "results_file": str(results),
                                     "results_win": results_win}).encode() + b"\n")
        proc.stdin.close()
        signalled, consumed = _wait_for_signal(proc, startup_timeout)
    except BrokenPipeError:  # wrapper line 170: writing to the pipe fails when the process already ended
        signalled, consumed = False, b""
    if signalled is None:
        # Wrapper lines 184-191 throw; the job is not killed. The exec wrapper reports the error.
        proc.stdout.close()
        proc.stderr.close()
        failure = {"failed": True, "msg": f"failure during exec_wrapper: {STARTUP_TIMEOUT_MSG}",
                   "exception": STARTUP_TIMEOUT_MSG}
        return 1, _ps_json(failure).encode(), b"", None
    if not signalled:
        # Wrapper lines 200-210: remove the results file, hand back the process's own output.
        results.unlink(missing_ok=True)
        stdout, stderr = proc.communicate()
        return proc.returncode, consumed + stdout, stderr, None
    proc.stdout.close()
    proc.stderr.close()
    host.event("async_job_started", jid=local_jid, call=job["key"], pid=proc.pid, results_file=results_win)
    return 0, started_json.encode(), b"", started


def _wait_for_signal(proc: subprocess.Popen, timeout: float) -> tuple[bool | None, bytes]:
    """(True, ...) when the job signalled, (False, what it printed) when it ended first, (None, ...) on timeout."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    data = b""
    deadline = time.monotonic() + timeout
    while not data.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return None, data
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                return False, data
            data += chunk
    return data == STARTED_SIGNAL, data


# ---------------------------------------------------------------- watchdog
def main(host_root: str) -> None:
    """The job process: async_watchdog.ps1 around one module run."""
    job = json.loads(sys.stdin.readline())
    results = Path(job["results_file"])
    if not results.is_file():
        # async_watchdog.ps1 line 27: the throw ends the process before it signals the wrapper.
        sys.stdout.write(_ps_json({"failed": True, "msg": "failure during exec_wrapper: async result file at "
                                   f"'{job['results_win']}' does not exist"}))
        sys.stdout.flush()
        sys.exit(1)
    base = json.loads(results.read_text(encoding="utf-8-sig"))
    _signal_started()

    from .dispatch import run_module
    from .host import Host
    from .payload import Call

    host = Host(host_root)
    call = Call(**job["call"])
    _native_children_outlive_the_job(host, job["local_jid"])
    outcome: dict[str, Any] = {}

    def module() -> None:
        outcome["result"] = run_module(host, call, job.get("fault"))

    worker = threading.Thread(target=module, name="module", daemon=True)
    worker.start()
    worker.join(call.async_timeout)
    result = dict(base)
    result["finished"] = True
    if not worker.is_alive():
        module_result = outcome.get("result", {"failed": True, "msg": "winsim: the module thread died"})
        conflict = sorted(set(result) & set(module_result))
        if conflict:
            _fail(result, f"Item has already been added. Key in dictionary: '{conflict[0]}'  Key being added: "
                          f"'{conflict[0]}'", line=90, char=9, statement="$result = $result + $moduleResult",
                  category="InvalidOperation: (:) [], RuntimeException", error_id="System.ArgumentException",
                  stdout=_ps_json(module_result) + NEWLINE)
        else:
            result.update(module_result)
        _set_content(results, result)
        host.event("async_job_finished", jid=job["local_jid"], call=job["key"], failed=bool(result.get("failed")))
        return
    _fail(result, WATCHDOG_TIMEOUT, line=104, char=9, statement=f'throw "{WATCHDOG_TIMEOUT}"',
          category=f"OperationStopped: ({WATCHDOG_TIMEOUT}:String) [], RuntimeException", error_id=WATCHDOG_TIMEOUT)
    _set_content(results, result)
    orphans = [p for p in host.state().get("processes", [])
               if p.get("parent_pid") == os.getpid() and "ends_at" not in p]
    host.event("async_job_killed", jid=job["local_jid"], call=job["key"], timeout=call.async_timeout,
               pid=os.getpid(), orphaned_children=[{k: p.get(k) for k in ("name", "pid", "command_line")}
                                                   for p in orphans])
    # The process ends: the module's thread dies with it, its finally blocks never run.
    os._exit(0)


def _signal_started() -> None:
    """Set the wait handle the wrapper waits on; the job keeps no handle on the wrapper's pipes."""
    sys.stdout.buffer.write(STARTED_SIGNAL)
    sys.stdout.flush()
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.close(devnull)


def _fail(result: dict[str, Any], message: str, *, line: int, char: int, statement: str, category: str,
          error_id: str, stdout: str | None = None) -> None:
    """The watchdog's catch block (async_watchdog.ps1 lines 107-127)."""
    position = f"At line:{line} char:{char}{NEWLINE}+ {' ' * (char - 1)}{statement}{NEWLINE}" \
               f"+ {' ' * (char - 1)}{'~' * len(statement)}"
    result["exception"] = NEWLINE.join([
        message, position, f"+ CategoryInfo          : {category}", f"+ FullyQualifiedErrorId : {error_id}", "",
        "ScriptStackTrace:", f"at <ScriptBlock>, <No file>: line {line}",
    ])
    result["failed"] = True
    result["msg"] = f"failure during async watchdog: {message}"
    result["stdout"] = stdout  # $jobOutput: $null when the module never returned
    result["stderr"] = ""  # $jobError | Out-String of nothing


def _set_content(path: Path, result: dict[str, Any]) -> None:
    """``Set-Content -LiteralPath $ResultPath -Value $json -Encoding UTF8`` (PowerShell 5.1): truncate, then write."""
    data = ("\ufeff" + _ps_json(result) + NEWLINE).encode("utf-8")
    with open(path, "wb") as fh:  # truncates the file in place (no temporary file, no rename)
        fh.flush()
        half = len(data) // 2
        fh.write(data[:half])  # not atomic: a reader can see an empty or a partial file
        fh.flush()
        fh.write(data[half:])


def _ps_json(value: dict[str, Any]) -> str:
    """``ConvertTo-Json -Compress``."""
    return json.dumps(value, separators=(",", ":"), default=str)


# ------------------------------------------------------- native children
def _native_children_outlive_the_job(host: Any, jid: str) -> None:
    """Run ``AlteryxService.exe`` in a child process of the job, as Windows would.

    ``alteryx.run_service_exe`` (every twin's way to the binary) is replaced, in this job process
    only, by a fork: the child registers itself in the host's ``processes`` (``parent_pid`` = the
    job), so it is visible while it runs and stays alive when the watchdog ends the job; it records
    ``ends_at`` and ``exit_code`` when it is done, and journals ``orphan_exit`` if its job is gone.
    """
    from . import alteryx

    original = alteryx.run_service_exe
    if getattr(original, "winsim_native_child", False):
        return

    def run_service_exe(host_: Any, argument: str) -> Any:
        read_fd, write_fd = os.pipe()
        parent = os.getpid()
        token = f"{jid}:{time.monotonic_ns()}"
        pid = os.fork()
        if pid == 0:  # the native process
            code = 1
            try:
                os.close(read_fd)
                with host_.locked_state() as state:
                    state.setdefault("processes", []).append({
                        "name": "AlteryxService.exe", "pid": os.getpid(), "parent_pid": parent,
                        "command_line": f"AlteryxService.exe {argument}", "owner": "NT AUTHORITY\\SYSTEM",
                        "started_at": time.time(), "native": token})
                try:
                    outcome: tuple[str, Any] = ("ok", original(host_, argument))
                except Exception as exc:  # noqa: BLE001  (handed to the job, which raises it)
                    outcome = ("error", exc)
                _end_native(host_, token, int(outcome[1][0]) if outcome[0] == "ok" else 1, jid, parent)
                code = 0
                with contextlib.suppress(OSError), os.fdopen(write_fd, "wb") as fh:
                    pickle.dump(outcome, fh)  # the job may be gone (killed by its watchdog)
            finally:  # a child must never return into the job's code
                os._exit(code)
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as fh:
            data = fh.read()
        os.waitpid(pid, 0)
        if not data:
            raise RuntimeError(f"winsim: the native process AlteryxService.exe {argument} died")
        status, value = pickle.loads(data)  # noqa: S301  (our own child's result)
        if status == "error":
            raise value
        return value

    run_service_exe.winsim_native_child = True  # type: ignore[attr-defined]
    alteryx.run_service_exe = run_service_exe


def _end_native(host: Any, token: str, rc: int, jid: str, parent: int) -> None:
    """Record the native process's end; journal ``orphan_exit`` when its job is gone (killed by the watchdog)."""
    pid = None
    with host.locked_state() as state:
        for proc in state.get("processes", []):
            if proc.get("native") == token and "ends_at" not in proc:
                proc["ends_at"] = time.time()
                proc["exit_code"] = rc
                pid = proc.get("pid")
    if os.getppid() != parent:
        host.event("orphan_exit", pid=pid, process="AlteryxService.exe", exit_code=rc, job=jid)


if __name__ == "__main__":
    main(sys.argv[1])
