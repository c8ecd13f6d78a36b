"""A real MongoDB wire-protocol server for tests: ``nx-27017 --db memory`` on a free loopback port.

There is no mongod for these machines; nx-27017 (PyPI) answers pymongo's handshake, CRUD, counts and
listings, which is all a self-managed controller's mongodump.exe (winsim_engine.mongodump) needs. It knows
no authentication (SCRAM): a login attempt fails its handshake.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(proc: subprocess.Popen, address: str, timeout: float, last: bool, log: Path) -> bool:
    """True once the server answers a ping; False when it exited early (try another port) unless ``last``."""
    import pymongo

    deadline = time.monotonic() + timeout
    while True:
        try:
            with pymongo.MongoClient(f"mongodb://{address}/", serverSelectionTimeoutMS=500) as client:
                client.admin.command("ping")
            return True
        except Exception:  # noqa: BLE001  (not listening yet)
            exited = proc.poll() is not None
            if exited and not last:
                return False
            if exited or time.monotonic() > deadline:
                proc.terminate()
                said = log.read_text(errors="replace")[-2000:] if log.is_file() else "(no log)"
                raise RuntimeError(f"nx-27017 did not start on {address}: {said}") from None
            time.sleep(0.2)


@contextlib.contextmanager
def nx_server(startup_timeout: float = 60.0, attempts: int = 3) -> Iterator[str]:
    """Run a fresh in-memory server; yields its ``127.0.0.1:PORT`` and stops it afterwards.

    A server that exits at once (the free port was taken by a parallel test in between) is started again on
    another port, up to ``attempts`` times."""
    exe = Path(sys.executable).parent / "nx-27017"
    command = str(exe) if exe.exists() else shutil.which("nx-27017")
    if not command:
        raise RuntimeError("nx-27017 is not installed (pip install nx-27017)")
    # Its own PID and log file: nx-27017 refuses to start while the PID file it defaults to (/tmp/nx_27017.pid)
    # names a running server, so servers of tests running side by side would stop each other from starting.
    home = Path(tempfile.mkdtemp(prefix="nx27017_"))
    try:
        for attempt in range(1, attempts + 1):
            port = free_port()
            proc = subprocess.Popen([command, "--db", "memory", "--host", "127.0.0.1", "-p", str(port),
                                     "--pid-file", str(home / f"{port}.pid"), "--log-file", str(home / f"{port}.log")],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            address = f"127.0.0.1:{port}"
            if _wait_until_up(proc, address, startup_timeout, last=attempt == attempts, log=home / f"{port}.log"):
                break
        try:
            yield address
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    finally:
        shutil.rmtree(home, ignore_errors=True)


def seed(address: str, counts: dict[str, dict[str, int]]) -> None:
    """Insert ``counts[db][collection]`` documents into the server at ``address``."""
    import pymongo

    with pymongo.MongoClient(f"mongodb://{address}/", serverSelectionTimeoutMS=3000) as client:
        for database, collections in counts.items():
            for collection, count in collections.items():
                client[database][collection].insert_many(
                    [{"name": f"{collection}-{n}", "n": n, "payload": "x" * 50} for n in range(count)])
