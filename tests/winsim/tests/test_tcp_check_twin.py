"""alteryx_tcp_check.ps1 through the win_powershell fake: a real TCP connect from the simulated host.

winsim runs on this machine, so a socket on loopback is the node's view of a MongoDB port: open, closed
(refused), or silent (the SYN is never answered, so the connect times out).
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._host import RESULT_DEPTH, script_text
from winsim_engine import argspec, fakes
from winsim_engine.fleet import new_fleet
from winsim_engine.host import Host

SCRIPT = script_text("alteryx_tcp_check")


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory) -> Host:
    inventory = new_fleet(tmp_path_factory.mktemp("tcpfleet") / "fleet")
    return Host(inventory.parent / "hosts" / "controller")


def tcp_check(host: Host, check_mode: bool = False, **parameters: Any) -> dict:
    module_args = {"script": SCRIPT, "parameters": parameters, "depth": RESULT_DEPTH}
    params, error = argspec.validate("ansible.windows.win_powershell", module_args)
    assert error is None, error
    return fakes.REGISTRY["ansible.windows.win_powershell"](host, params,
                                                            fakes.Context(host=host, check_mode=check_mode, key="t"))


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(5)
        yield sock


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("check_mode", [False, True])
def test_open_port_is_reachable_and_nothing_changes(sim: Host, listener: socket.socket, check_mode: bool):
    port = listener.getsockname()[1]
    reply = tcp_check(sim, check_mode, Address="127.0.0.1", Port=port, TimeoutMs=2000)
    assert reply["failed"] is False and reply["changed"] is False
    result = reply["result"]
    assert result["reachable"] is True and result["error"] == ""
    assert result["address"] == "127.0.0.1" and result["port"] == port and result["elapsed_ms"] >= 0


def test_host_name_and_bracketed_address(sim: Host, listener: socket.socket):
    port = listener.getsockname()[1]
    assert tcp_check(sim, Address="localhost", Port=port)["result"]["reachable"] is True
    assert tcp_check(sim, Address=" [127.0.0.1] ", Port=port)["result"]["reachable"] is True


def test_closed_port_is_refused_with_the_windows_message(sim: Host):
    port = closed_port()
    reply = tcp_check(sim, Address="127.0.0.1", Port=port, TimeoutMs=2000)
    assert reply["failed"] is False and reply["changed"] is False
    assert reply["result"]["reachable"] is False
    assert reply["result"]["error"] == ("No connection could be made because the target machine actively refused "
                                        f"it 127.0.0.1:{port}")


def test_unknown_host(sim: Host):
    reply = tcp_check(sim, Address="no-such-host.invalid", Port=27017, TimeoutMs=2000)
    assert reply["result"] == {**reply["result"], "reachable": False, "error": "No such host is known"}


def test_silent_port_times_out(sim: Host):
    # A listener whose accept queue is full drops further SYNs unanswered (Linux, tcp_abort_on_overflow=0).
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        port = server.getsockname()[1]
        fillers = []
        try:
            for _ in range(3):
                filler = socket.socket()
                filler.setblocking(False)
                filler.connect_ex(("127.0.0.1", port))
                fillers.append(filler)
            time.sleep(0.2)
            began = time.monotonic()
            reply = tcp_check(sim, Address="127.0.0.1", Port=port, TimeoutMs=500)
            took = time.monotonic() - began
        finally:
            for filler in fillers:
                filler.close()
    assert reply["result"]["reachable"] is False
    assert reply["result"]["error"] == "no answer within 500 ms"
    assert 0.4 < took < 5


@pytest.mark.parametrize(("port", "timeout"), [(0, 1000), (65536, 1000), (27017, 0)])
def test_bad_port_or_timeout_is_a_validation_failure(sim: Host, port: int, timeout: int):
    reply = tcp_check(sim, Address="127.0.0.1", Port=port, TimeoutMs=timeout)
    assert reply["failed"] is True and reply["changed"] is False
    assert reply["result"]["failure_class"] == "validation"
    assert f"127.0.0.1:{port}" in reply["result"]["message"]
