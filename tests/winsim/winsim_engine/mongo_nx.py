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
import time
from collections.abc import Iterator
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def nx_server(startup_timeout: float = 20.0) -> Iterator[str]:
    """Run a fresh in-memory server; yields its ``127.0.0.1:PORT`` and stops it afterwards."""
    import pymongo

    exe = Path(sys.executable).parent / "nx-27017"
    command = str(exe) if exe.exists() else shutil.which("nx-27017")
    if not command:
        raise RuntimeError("nx-27017 is not installed (pip install nx-27017)")
    port = free_port()
    proc = subprocess.Popen([command, "--db", "memory", "--host", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    address = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            try:
                with pymongo.MongoClient(f"mongodb://{address}/", serverSelectionTimeoutMS=500) as client:
                    client.admin.command("ping")
                break
            except Exception:  # noqa: BLE001  (not listening yet)
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError(f"nx-27017 did not start on {address}") from None
                time.sleep(0.2)
        yield address
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def seed(address: str, counts: dict[str, dict[str, int]]) -> None:
    """Insert ``counts[db][collection]`` documents into the server at ``address``."""
    import pymongo

    with pymongo.MongoClient(f"mongodb://{address}/", serverSelectionTimeoutMS=3000) as client:
        for database, collections in counts.items():
            for collection, count in collections.items():
                client[database][collection].insert_many(
                    [{"name": f"{collection}-{n}", "n": n, "payload": "x" * 50} for n in range(count)])
