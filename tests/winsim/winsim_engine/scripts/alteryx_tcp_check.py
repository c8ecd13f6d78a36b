"""Twin of alteryx_tcp_check.ps1: one real TCP connect from the simulated host (winsim runs on this machine,
so a test server on loopback is reachable exactly when it listens).

Error texts are the Windows socket messages the script reports (``SocketException.Message``).
"""

from __future__ import annotations

import ipaddress
import socket
import time

from . import ScriptFailure

_REFUSED = "No connection could be made because the target machine actively refused it"


def _family(target):
    # [Net.IPAddress]::TryParse: an IP literal gets a socket of its own family, a name TcpClient's IPv4 default.
    try:
        return socket.AF_INET6 if ipaddress.ip_address(target).version == 6 else socket.AF_INET
    except ValueError:
        return socket.AF_INET


def run(host, p, ctx):
    address, port, timeout_ms = p["Address"], p["Port"], p["TimeoutMs"]
    if port < 1 or port > 65535 or timeout_ms < 1:
        raise ScriptFailure(f"TCP check of {address}:{port} needs a port 1-65535 and a positive timeout "
                            f"(got {timeout_ms} ms)", "validation", changed=False)
    target = address.strip().lstrip("[").rstrip("]")
    family = _family(target)
    reachable = False
    error = ""
    began = time.monotonic()
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout_ms / 1000)
        try:
            resolved = socket.getaddrinfo(target, port, family, socket.SOCK_STREAM)
        except socket.gaierror:
            resolved = []
        if not resolved:
            error = "No such host is known"
        else:
            sockaddr = resolved[0][4]
            try:
                sock.connect(sockaddr)
                reachable = True
            except TimeoutError:
                error = f"no answer within {timeout_ms} ms"
            except ConnectionRefusedError:
                shown = f"[{sockaddr[0]}]" if family == socket.AF_INET6 else sockaddr[0]  # IPEndPoint.ToString()
                error = f"{_REFUSED} {shown}:{port}"
            except OSError as exc:
                error = exc.strerror or str(exc)
    finally:
        sock.close()
    result = {"address": address, "port": port, "reachable": reachable,
              "elapsed_ms": int((time.monotonic() - began) * 1000), "error": error}
    return {"changed": False, "result": result}
