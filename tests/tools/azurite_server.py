"""Azurite, the Azure Storage emulator (npm), as a real Blob service on loopback for tests.

``make azurite`` installs the pinned version (tests/tools/azurite/package.json and package-lock.json) into
``.build/node``. ``AzuriteServer().start()`` runs ``azurite-blob`` on a free loopback port with a temporary
workspace and a storage account of its own whose key is random for each server (so a test can look for that key
as a canary); ``stop()`` ends it. It never skips: a missing install or a server that does not come up raises
``AzuriteUnavailable`` with the reason and Azurite's own output.

Use::

    with AzuriteServer() as server:
        server.connection_string, server.account_url, server.account_name, server.account_key
"""

from __future__ import annotations

import base64
import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
AZURITE_BLOB = REPO / ".build" / "node" / "node_modules" / ".bin" / "azurite-blob"
INSTALL_HINT = "run `make azurite` (npm installs the pinned azurite into .build/node)"
_PR_SET_PDEATHSIG = 1


class AzuriteUnavailable(RuntimeError):
    """Azurite is not installed or did not start; the message says why."""


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM it when the test process dies, however it dies (Linux prctl)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AzuriteServer:
    """An azurite-blob process. Attributes after ``start()``: ``port``, ``account_url``, ``connection_string``,
    ``account_name``, ``account_key``."""

    def __init__(self, account_name: str = "alteryxtest", start_timeout: float = 30.0) -> None:
        self.account_name = account_name
        self.account_key = base64.b64encode(secrets.token_bytes(64)).decode()
        self.start_timeout = start_timeout
        self.port = 0
        self._proc: subprocess.Popen | None = None
        self._workdir: str | None = None

    @property
    def account_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.account_name}"

    @property
    def connection_string(self) -> str:
        return (f"DefaultEndpointsProtocol=http;AccountName={self.account_name};AccountKey={self.account_key};"
                f"BlobEndpoint={self.account_url};")

    def start(self) -> AzuriteServer:
        if not os.access(AZURITE_BLOB, os.X_OK):
            raise AzuriteUnavailable(f"{AZURITE_BLOB} is missing: {INSTALL_HINT}")
        if shutil.which("node") is None:
            raise AzuriteUnavailable("node is not on PATH; azurite runs on Node.js")
        self._workdir = tempfile.mkdtemp(prefix="azurite-")
        errors = []
        for _attempt in range(3):  # another process may take the free port between our check and azurite's bind
            self.port = _free_port()
            log = Path(self._workdir) / f"azurite-{self.port}.log"
            self._spawn(log)
            if self._wait_listening():
                return self
            errors.append(log.read_text(errors="replace").strip() or f"exit code {self._proc.poll()}")
            self._terminate()
        self.stop()
        raise AzuriteUnavailable("azurite-blob did not start: " + " | ".join(errors))

    def _spawn(self, log: Path) -> None:
        assert self._workdir
        env = {**os.environ, "AZURITE_ACCOUNTS": f"{self.account_name}:{self.account_key}"}
        with open(log, "wb") as out:
            self._proc = subprocess.Popen(  # noqa: S603 - our pinned azurite
                [str(AZURITE_BLOB), "--blobHost", "127.0.0.1", "--blobPort", str(self.port),
                 "--location", str(Path(self._workdir) / "data"), "--silent", "--disableTelemetry",
                 "--skipApiVersionCheck"],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env,
                preexec_fn=_die_with_parent)

    def _wait_listening(self) -> bool:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                return False
            with socket.socket() as sock:
                sock.settimeout(0.5)
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return True
            time.sleep(0.1)
        return False

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def stop(self) -> None:
        self._terminate()
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> AzuriteServer:
        return self.start() if self._proc is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()
