"""Async jobs and connection faults as Windows and the winrm plugin produce them, through ansible-playbook.

Each test writes a playbook into its own folder, injects faults through ``<host>/faults.json`` and
runs a real ``ansible-playbook`` against a fresh winsim fleet. The behaviours are ported from
ansible-core 2.19 (``executor/powershell/async_wrapper.ps1``, ``async_watchdog.ps1``,
``plugins/connection/winrm.py``) and ansible.windows 3.3.0 (``modules/async_status.ps1``); see
docs/winsim.md, "Faults".
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from winsim_testlib import journal, run_playbook, task_results

from winsim_engine import alteryx
from winsim_engine.fleet import new_fleet
from winsim_engine.host import Host

ASYNC_DIR = "C:\\Users\\ansible\\.ansible_async"
JOB_ID = re.compile(r"^j\d+\.\d+$")
SLEEP_MARKER = """\
# alteryx.server: sleep_marker
param([double]$Seconds, [string]$Path)
Start-Sleep -Seconds $Seconds
Set-Content -LiteralPath $Path -Value done
"""
ASYNC_WINDOW = """\
# alteryx.server: test_async_window
param([string]$DumpPath, [string]$FinallyPath, [double]$Seconds)
Stop-Service -Name AlteryxService
try {
    & 'C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe' "emongodump=$DumpPath"
    Start-Sleep -Seconds $Seconds
}
finally {
    Start-Service -Name AlteryxService
    Set-Content -LiteralPath $FinallyPath -Value 'finally ran'
}
$Ansible.Result = @{ dumped = $true }
"""
REFUSED = ("HTTPConnectionPool(host='127.0.0.1', port=5985): Max retries exceeded with url: /wsman (Caused by "
           "NewConnectionError(\"HTTPConnection(host='127.0.0.1', port=5985): Failed to establish a new connection: "
           "[Errno 111] Connection refused\"))")
RESET = "('Connection aborted.', ConnectionResetError(104, 'Connection reset by peer'))"


# ------------------------------------------------------------------ helpers
def _fleet(tmp_path: Path, **options: Any) -> tuple[Path, dict[str, Host]]:
    inventory = new_fleet(tmp_path / "fleet", **options)
    hosts = {p.name: Host(p) for p in sorted((tmp_path / "fleet" / "hosts").iterdir())}
    return inventory, hosts


def _faults(host: Host, *rules: dict[str, Any]) -> None:
    (host.root / "faults.json").write_text(json.dumps(list(rules)))


def _play(tmp_path: Path, tasks: str, name: str = "play.yml") -> str:
    path = tmp_path / name
    path.write_text(f"---\n- name: Test play\n  hosts: all\n  gather_facts: false\n  tasks:\n{tasks}")
    return str(path)


def _indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def _events(host: Host, name: str) -> list[dict[str, Any]]:
    return [e for e in journal(host) if e.get("event") == name]


def _wait_for(condition: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def _results_file(host: Host, jid: str) -> Path:
    return host.local_path(f"{ASYNC_DIR}\\{jid}")


# ------------------------------------------------------------------ async wrapper / watchdog / async_status
def test_async_start_reply_and_results_file_as_the_wrapper_and_watchdog_write_them(tmp_path: Path):
    inventory, hosts = _fleet(tmp_path)
    host = hosts["controller"]
    tasks = f"""\
    - name: Start a job
      ansible.windows.win_powershell:
        script: |
{_indent(SLEEP_MARKER, 10)}        parameters:
          Seconds: 1.5
          Path: C:\\ProgramData\\Alteryx\\marker.txt
      async: 30
      poll: 0
      register: job

    - name: Read the results file while the job runs
      ansible.windows.slurp:
        src: "{{{{ job.results_file }}}}"
      register: running_file

    - name: Wait for the job
      ansible.builtin.async_status:
        jid: "{{{{ job.ansible_job_id }}}}"
      register: status
      until: status.finished
      retries: 60
      delay: 0.2

    - name: Read the results file of the finished job
      ansible.windows.slurp:
        src: "{{{{ job.results_file }}}}"
      register: finished_file
"""
    rc, output = run_playbook(inventory, _play(tmp_path, tasks), "--limit", "controller")
    results = task_results(output)
    assert rc == 0, json.dumps(results, indent=1)[:3000]
    start = results["Start a job"]["controller"]
    # async_wrapper.ps1 lines 137-144 (_ansible_suppress_tmpdir_delete is consumed by the controller).
    jid = start["ansible_job_id"]
    assert JOB_ID.match(jid), jid
    assert start["started"] is True and start["finished"] is False
    assert start["results_file"] == f"{ASYNC_DIR}\\{jid}"
    assert isinstance(start["ansible_async_watchdog_pid"], int)
    assert "_ansible_suppress_tmpdir_delete" not in start

    # [File]::WriteAllText, UTF-8 without BOM: exactly the reply.
    running = base64.b64decode(results["Read the results file while the job runs"]["controller"]["content"])
    assert not running.startswith(b"\xef\xbb\xbf") and not running.endswith(b"\n")
    assert json.loads(running) == {"started": True, "finished": False, "results_file": start["results_file"],
                                   "ansible_job_id": jid, "_ansible_suppress_tmpdir_delete": True,
                                   "ansible_async_watchdog_pid": start["ansible_async_watchdog_pid"]}

    # Set-Content -Encoding UTF8 (5.1): BOM, compact JSON, CRLF; the wrapper's keys plus the module's result.
    finished = base64.b64decode(results["Read the results file of the finished job"]["controller"]["content"])
    assert finished.startswith(b"\xef\xbb\xbf") and finished.endswith(b"}\r\n")
    data = json.loads(finished.decode("utf-8-sig"))
    assert data["finished"] is True and data["started"] is True and data["ansible_job_id"] == jid
    assert data["result"] == {"path": "C:\\ProgramData\\Alteryx\\marker.txt", "slept": 1.5}
    status = results["Wait for the job"]["controller"]
    assert status["finished"] is True and status["result"] == data["result"]
    assert host.local_path("C:\\ProgramData\\Alteryx\\marker.txt").read_text() == "done"
    assert [e["jid"] for e in _events(host, "async_job_started")] == [jid]


def test_watchdog_kill_skips_the_finally_and_native_children_outlive_the_job(tmp_path: Path):
    inventory, hosts = _fleet(tmp_path, workers=1)
    for host in hosts.values():
        with host.locked_state() as state:
            state["mongo"] = {**state["mongo"], "type": "embedded", "dump_seconds": 3}
    tasks = f"""\
    - name: A dump window
      ansible.windows.win_powershell:
        script: |
{_indent(ASYNC_WINDOW, 10)}        parameters:
          DumpPath: D:\\dump
          FinallyPath: C:\\ProgramData\\Alteryx\\finally.txt
          Seconds: 0
      async: "{{{{ 1 if inventory_hostname == 'controller' else 60 }}}}"
      poll: 0
      register: job

    - name: Wait for the job
      ansible.builtin.async_status:
        jid: "{{{{ job.ansible_job_id }}}}"
      register: status
      until: status.finished
      retries: 100
      delay: 0.2
      ignore_errors: true
"""
    # (ansible-core's own poll would give up at the async limit before the watchdog writes its result.)
    rc, output = run_playbook(inventory, _play(tmp_path, tasks))
    results = task_results(output)["Wait for the job"]
    assert rc == 0, json.dumps(results, indent=1)[:3000]

    killed, control = hosts["controller"], hosts["worker1"]
    # async_watchdog.ps1 lines 104-128: the timeout's message, exception and keys.
    result = results["controller"]
    assert result["failed"] and result["finished"]
    assert result["msg"] == "failure during async watchdog: timed out waiting for module completion"
    assert result["stderr"] == "" and not result["stdout"]
    assert "result" not in result
    # (ansible hides a failed result's exception unless tracebacks are on: read it from the host.)
    written = json.loads(_results_file(killed, result["ansible_job_id"]).read_text(encoding="utf-8-sig"))
    assert written["exception"].startswith("timed out waiting for module completion\r\nAt line:104 char:9\r\n")
    assert "+ FullyQualifiedErrorId : timed out waiting for module completion" in written["exception"]
    assert written["stdout"] is None and written["stderr"] == ""
    assert set(written) == {"started", "finished", "results_file", "ansible_job_id", "_ansible_suppress_tmpdir_delete",
                            "ansible_async_watchdog_pid", "exception", "failed", "msg", "stdout", "stderr"}

    # The job's process ended: its finally never ran, so the service stays stopped and no marker exists...
    [kill] = _events(killed, "async_job_killed")
    assert kill["timeout"] == 1
    assert alteryx.service(killed)["state"] == "stopped"
    assert not killed.local_path("C:\\ProgramData\\Alteryx\\finally.txt").exists()
    # ...while the native emongodump child it started outlives it and finishes the dump.
    [child] = kill["orphaned_children"]
    assert child["name"] == "AlteryxService.exe" and child["command_line"] == "AlteryxService.exe emongodump=D:\\dump"
    record = next(p for p in killed.state()["processes"] if p["pid"] == child["pid"])
    assert record["parent_pid"] == kill["pid"]
    _wait_for(lambda: _events(killed, "orphan_exit"), 15, "the orphaned emongodump to finish")
    assert "done dumping" in killed.local_path("D:\\dump\\mongoDump.log").read_text()
    record = next(p for p in killed.state()["processes"] if p["pid"] == child["pid"])
    assert record["exit_code"] == 0 and record["ends_at"] > kill["t"]
    assert alteryx.service(killed)["state"] == "stopped"

    # Within its timeout the same job runs its finally.
    assert not results["worker1"].get("failed") and results["worker1"]["result"] == {"dumped": True}
    assert control.local_path("C:\\ProgramData\\Alteryx\\finally.txt").read_bytes() == b"finally ran\r\n"
    assert alteryx.service(control)["state"] == "running"
    assert not _events(control, "async_job_killed")


def test_async_status_reads_torn_empty_and_missing_results_files_as_the_module_does(tmp_path: Path):
    inventory, hosts = _fleet(tmp_path, workers=2)
    _faults(hosts["controller"], {"call": "ansible.windows.async_status", "occurrence": 1, "kind": "torn_read"})
    _faults(hosts["worker1"], {"call": "ansible.windows.async_status", "occurrence": 1, "kind": "torn_read",
                               "bytes": 0})
    # (A file removed while the job runs comes back: the watchdog's final Set-Content creates it. So both polls.)
    _faults(hosts["worker2"], *({"call": "ansible.windows.async_status", "occurrence": n, "kind": "results_missing"}
                                for n in (1, 2)))
    tasks = f"""\
    - name: Start a job
      ansible.windows.win_powershell:
        script: |
{_indent(SLEEP_MARKER, 10)}        parameters:
          Seconds: 0.3
          Path: C:\\ProgramData\\Alteryx\\marker.txt
      async: 30
      poll: 0
      register: job

    - name: First poll
      ansible.builtin.async_status:
        jid: "{{{{ job.ansible_job_id }}}}"
      register: first
      ignore_errors: true

    - name: Poll again
      ansible.builtin.async_status:
        jid: "{{{{ job.ansible_job_id }}}}"
      register: again
      until: again.finished
      retries: 50
      delay: 0.2
      ignore_errors: true
"""
    rc, output = run_playbook(inventory, _play(tmp_path, tasks))
    results = task_results(output)
    assert rc == 0, json.dumps(results, indent=1)[:3000]
    first, again = results["First poll"], results["Poll again"]

    # Caught mid-rewrite (async_status.ps1 line 46): finished + failed, "$data" still $null.
    torn = first["controller"]
    assert torn["failed"] and torn["finished"] is True and torn["started"] is True
    assert torn["msg"] == "Could not parse job output: "
    assert torn["results_file"] == f"{ASYNC_DIR}\\{torn['ansible_job_id']}"
    assert not again["controller"].get("failed") and again["controller"]["result"]["slept"] == 0.3

    # Caught between truncation and write (line 43): still running, not failed.
    empty = first["worker1"]
    assert not empty.get("failed") and empty["finished"] is False and empty["started"] is True
    assert not again["worker1"].get("failed") and again["worker1"]["finished"] is True

    # Gone (lines 18-20): finished + failed, for good.
    for result in (first["worker2"], again["worker2"]):
        assert result["failed"] and result["finished"] is True and result["started"] is True
        assert result["msg"] == f"could not find job at '{ASYNC_DIR}'"
    assert len([e for e in journal(hosts["worker2"]) if e.get("call") == "ansible.windows.async_status"]) == 2


# ------------------------------------------------------------------ connection faults
def test_connect_faults_never_reach_the_host(tmp_path: Path):
    inventory, hosts = _fleet(tmp_path, workers=2)
    # win_copy with content makes two calls in one task: the query, then the copy.
    _faults(hosts["controller"], {"call": "ansible.windows.win_copy", "occurrence": 1, "kind": "refused"})
    _faults(hosts["worker1"], {"call": "ansible.windows.win_copy", "occurrence": 2, "kind": "refused"})
    _faults(hosts["worker2"], {"call": "ansible.windows.win_copy", "occurrence": 1, "kind": "connect_timeout"})
    tasks = """\
    - name: Copy
      ansible.windows.win_copy:
        content: "marker\\n"
        dest: C:\\ProgramData\\Alteryx\\marker.txt
      ignore_errors: true
      ignore_unreachable: true
"""
    rc, output = run_playbook(inventory, _play(tmp_path, tasks))
    results = task_results(output)["Copy"]
    assert rc == 0, json.dumps(results, indent=1)[:3000]
    # No connection yet: winrm.py _winrm_connect joins each transport's error (lines 446-460).
    assert results["controller"]["unreachable"] and not results["controller"].get("failed")
    assert results["controller"]["msg"].endswith(f"plaintext: {REFUSED}")
    # Shell already open: protocol.run_command's requests ConnectionError escapes _winrm_exec (line 603).
    assert results["worker1"]["failed"] and not results["worker1"].get("unreachable")
    assert results["worker1"]["msg"].endswith(REFUSED) and "plaintext" not in results["worker1"]["msg"]
    # A connect timeout reported as 'Operation timed out' becomes a plain AnsibleError (lines 447-449).
    assert results["worker2"]["failed"] and not results["worker2"].get("unreachable")
    assert results["worker2"]["msg"].endswith("the connection attempt timed out")
    for host in hosts.values():
        assert not host.local_path("C:\\ProgramData\\Alteryx\\marker.txt").exists()
        [entry] = [e for e in journal(host) if e.get("fault")]
        assert entry["delivered"] is False and entry["failed"] is True


def test_drop_after_delivery_runs_the_call_then_raises_the_raw_requests_error(tmp_path: Path):
    inventory, hosts = _fleet(tmp_path, workers=1)
    _faults(hosts["controller"], {"call": "ansible.windows.win_copy", "occurrence": 2, "kind": "drop"})
    _faults(hosts["worker1"], {"call": "ansible.windows.win_powershell:sleep_marker", "occurrence": 1, "kind": "drop"})
    tasks = f"""\
    - name: Copy
      ansible.windows.win_copy:
        content: "marker\\n"
        dest: C:\\ProgramData\\Alteryx\\marker.txt
      when: inventory_hostname == 'controller'
      ignore_errors: true

    - name: Start a job
      ansible.windows.win_powershell:
        script: |
{_indent(SLEEP_MARKER, 10)}        parameters:
          Seconds: 1
          Path: C:\\ProgramData\\Alteryx\\job-marker.txt
      when: inventory_hostname == 'worker1'
      async: 30
      poll: 1
      ignore_errors: true
"""
    rc, output = run_playbook(inventory, _play(tmp_path, tasks))
    results = task_results(output)
    assert rc == 0, json.dumps(results, indent=1)[:3000]
    controller, worker = hosts["controller"], hosts["worker1"]

    copy = results["Copy"]["controller"]
    # requests' ConnectionError is no AnsibleError: the task fails (not unreachable) with its text.
    assert copy["failed"] and not copy.get("unreachable") and copy["msg"].endswith(RESET)
    assert controller.local_path("C:\\ProgramData\\Alteryx\\marker.txt").read_text() == "marker\n"
    [lost] = _events(controller, "reply_lost")
    assert lost["fault"] == "drop" and lost["call"] == "ansible.windows.win_copy"

    job = results["Start a job"]["worker1"]
    assert job["failed"] and job["msg"].endswith(RESET) and "ansible_job_id" not in job
    # The async wrapper had started the job: it runs on and leaves its marker.
    marker = worker.local_path("C:\\ProgramData\\Alteryx\\job-marker.txt")
    _wait_for(marker.exists, 15, "the orphaned job's marker")
    [lost] = _events(worker, "reply_lost")
    assert JOB_ID.match(lost["ansible_job_id"])
    assert _wait_for(lambda: _events(worker, "async_job_finished"), 10, "the job to finish")[0]["failed"] is False


def test_read_timeout_waits_the_read_timeout_and_is_a_connection_failure(tmp_path: Path):
    inventory, hosts = _fleet(tmp_path, workers=1)
    _faults(hosts["controller"], {"call": "ansible.windows.win_service", "occurrence": 1, "kind": "read_timeout"})
    tasks = """\
    - name: Stop the service
      ansible.windows.win_service:
        name: AlteryxService
        state: stopped
      vars:
        ansible_winrm_read_timeout_sec: "{{ 2 if inventory_hostname == 'controller' else 20 }}"
        ansible_winrm_operation_timeout_sec: "{{ 1 if inventory_hostname == 'controller' else 20 }}"
      ignore_errors: true
      ignore_unreachable: true
"""
    started = time.monotonic()
    rc, output = run_playbook(inventory, _play(tmp_path, tasks))
    results = task_results(output)["Stop the service"]
    assert rc == 0, json.dumps(results, indent=1)[:3000]
    assert time.monotonic() - started >= 2
    # winrm.py lines 656-657: the requests ReadTimeout wrapped as a connection failure.
    assert results["controller"]["unreachable"]
    assert results["controller"]["msg"].endswith("winrm connection error: HTTPConnectionPool(host='127.0.0.1', "
                                                 "port=5985): Read timed out. (read timeout=2)")
    assert alteryx.service(hosts["controller"])["state"] == "stopped"  # the call had run
    # pywinrm refuses a read timeout that does not exceed the operation timeout (protocol.py lines 95-96).
    assert results["worker1"]["unreachable"]
    assert results["worker1"]["msg"].endswith("plaintext: read_timeout_sec must exceed operation_timeout_sec, "
                                              "and both must be non-zero")
    assert alteryx.service(hosts["worker1"])["state"] == "running"


@pytest.mark.parametrize("recovers", [False, True], ids=["stuck", "slow"])
def test_hang_lasts_until_the_task_timeout_or_until_the_host_recovers(tmp_path: Path, recovers: bool):
    inventory, hosts = _fleet(tmp_path)
    rule = {"call": "ansible.windows.win_service", "occurrence": 1, "kind": "hang"}
    _faults(hosts["controller"], {**rule, "seconds": 1} if recovers else rule)
    tasks = """\
    - name: Stop the service
      ansible.windows.win_service:
        name: AlteryxService
        state: stopped
      timeout: 3
      ignore_errors: true
"""
    started = time.monotonic()
    rc, output = run_playbook(inventory, _play(tmp_path, tasks))
    elapsed = time.monotonic() - started
    result = task_results(output)["Stop the service"]["controller"]
    assert rc == 0, json.dumps(result, indent=1)[:3000]
    host = hosts["controller"]
    assert _events(host, "call_hangs")
    if recovers:
        assert not result.get("failed") and alteryx.service(host)["state"] == "stopped"
        assert elapsed >= 1
    else:
        # Only the task timeout bounds it (TaskTimeoutError): WinRM keeps answering OperationTimeout.
        assert result["failed"] and result["msg"].endswith("Timed out after 3 second(s).")
        assert result["timedout"]["period"] == 3
        assert alteryx.service(host)["state"] == "running"  # the call never ran
        assert elapsed >= 3


# ------------------------------------------------------------------ the collection's own host calls
def test_collection_host_calls_survive_lost_replies_and_unusable_results_files(tmp_path: Path):
    inventory, hosts = _fleet(tmp_path, clusters=5)
    torn, dropped_poll, missing, dropped_start, killed = (hosts[f"c{n}-controller"] for n in range(1, 6))
    with killed.locked_state() as state:
        state["mongo"]["dump_seconds"] = 3
    _faults(torn, {"call": "ansible.windows.async_status", "occurrence": 1, "kind": "torn_read"})
    _faults(dropped_poll, {"call": "ansible.windows.async_status", "occurrence": 1, "kind": "drop"})
    _faults(missing, *({"call": "ansible.windows.async_status", "occurrence": n, "kind": "results_missing"}
                       for n in (1, 2, 3)))
    _faults(dropped_start, {"call": "ansible.windows.win_powershell:alteryx_dump_window", "occurrence": 1,
                            "kind": "drop"})
    tasks = """\
    - name: Dump window
      alteryx.server.alteryx_emongodump:
        exe_path: C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe
        dump_path: D:\\dump
        timeout: "{{ 1 if inventory_hostname == 'c5-controller' else 60 }}"
        poll_interval: 0.3
      ignore_errors: true
      ignore_unreachable: true
"""
    rc, output = run_playbook(inventory, _play(tmp_path, tasks))
    results = task_results(output)["Dump window"]
    assert rc == 0, json.dumps(results, indent=1)[:3000]
    for name in results:
        assert not results[name].get("unreachable"), name

    # A torn read is a failed poll (retried), not the job's failure.
    assert not results["c1-controller"].get("failed"), results["c1-controller"]
    assert any("Could not parse job output" in w for w in results["c1-controller"]["warnings"])
    # A poll lost to a raw requests error is retried too.
    assert not results["c2-controller"].get("failed"), results["c2-controller"]
    assert any(f"ConnectionError: {RESET}" in w for w in results["c2-controller"]["warnings"])
    # A results file missing at every poll: the outcome is unknown, said so.
    assert results["c3-controller"]["failed"] and results["c3-controller"]["failure_class"] == "general"
    assert "is gone (could not find job at" in results["c3-controller"]["msg"]
    # The start's reply lost: the step fails clearly while the job runs on and restarts the service.
    result = results["c4-controller"]
    assert result["failed"] and result["failure_class"] == "general"
    assert result["msg"].startswith("lost the reply to the start of the host job for the dump window step (ConnectionError:")
    assert result["msg"].count("lost the reply") == 1 and "then run the backup again" in result["msg"]
    _wait_for(lambda: _events(dropped_start, "async_job_finished"), 20, "the dump window to finish")
    assert alteryx.service(dropped_start)["state"] == "running"
    assert dropped_start.local_path("D:\\dump\\mongoDump.log").is_file()
    # The watchdog ended the job: a service timeout, and the service is still down (the role's rescue starts it).
    result = results["c5-controller"]
    assert result["failed"] and result["failure_class"] == "service_timeout"
    assert "the async watchdog ended it" in result["msg"] and "did not run" in result["msg"]
    assert alteryx.service(killed)["state"] == "stopped"
    assert _events(killed, "async_job_killed")
