"""A real S3 API on loopback for tests: ``moto_server`` in a subprocess, behind a small gateway.

moto stores objects, multipart uploads, versions and Object Lock retention like S3, but it does not check what
S3's front end checks on a pre-signed request. The gateway (``S3Gateway``) adds those checks, as S3 answers them:

- a pre-signed SigV4 URL past ``X-Amz-Date + X-Amz-Expires``: 403 ``AccessDenied`` "Request has expired";
- a ``Content-MD5`` that is not the MD5 of the body: 400 ``BadDigest``;

and injects faults a test arms (``faults``): cut the connection in the middle of a part's body, drop the answer
after the part was stored, or flip a byte of a part and drop its Content-MD5 (a middlebox that corrupts data).
Everything else is passed through unchanged, so boto3 on the controller talks to it as to S3.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import os
import socket
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

MOTO = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "moto_server"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _error(code: str, message: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code><Message>{message}</Message>'
            f"<RequestId>gateway</RequestId></Error>").encode()


@dataclass
class Faults:
    """Faults armed by a test, each for a part number: how many more times it fires."""

    cut_body: Counter = field(default_factory=Counter)  # close the connection after half the body
    drop_answer: Counter = field(default_factory=Counter)  # store the part, then close without answering
    flip_byte: Counter = field(default_factory=Counter)  # corrupt one byte and drop Content-MD5
    delay_once: dict[int, float] = field(default_factory=dict)  # wait once before checking (the URL may expire)
    puts: Counter = field(default_factory=Counter)  # part PUTs that reached the gateway, by part number


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _GatewayServer

    def log_message(self, *args: object) -> None:  # quiet
        return

    def _forward(self, body: bytes | None, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
        upstream = http.client.HTTPConnection("127.0.0.1", self.server.upstream_port, timeout=60)
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            response = upstream.getresponse()
            return response.status, response.getheaders(), response.read()
        finally:
            upstream.close()

    def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        length = str(len(body))
        for name, value in headers:
            if name.lower() == "content-length" and self.command == "HEAD":
                length = value  # a HEAD answer tells the object's size without a body
            elif name.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(name, value)
        self.send_header("Content-Length", length)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        length = int(self.headers.get("Content-Length") or 0)
        part = int(query["partNumber"][0]) if "partNumber" in query and self.command == "PUT" else 0
        faults = self.server.faults
        if part:
            faults.puts[part] += 1
            if faults.cut_body[part] > 0:
                faults.cut_body[part] -= 1
                self.rfile.read(length // 2)
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            time.sleep(faults.delay_once.pop(part, 0))
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "keep-alive")}
        if "X-Amz-Expires" in query and "X-Amz-Date" in query:
            signed = datetime.strptime(query["X-Amz-Date"][0], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            if (datetime.now(UTC) - signed).total_seconds() > int(query["X-Amz-Expires"][0]):
                self._answer(403, [("Content-Type", "application/xml")], _error("AccessDenied", "Request has expired"))
                return
        if part and faults.flip_byte[part] > 0 and body:
            faults.flip_byte[part] -= 1
            body = bytes([body[0] ^ 0xFF]) + body[1:]
            headers = {k: v for k, v in headers.items() if k.lower() != "content-md5"}
        md5 = next((v for k, v in headers.items() if k.lower() == "content-md5"), None)
        if md5 is not None and base64.b64encode(hashlib.md5(body or b"").digest()).decode() != md5:
            self._answer(400, [("Content-Type", "application/xml")],
                         _error("BadDigest", "The Content-MD5 you specified did not match what we received."))
            return
        status, answer_headers, answer = self._forward(body, headers)
        if part and faults.drop_answer[part] > 0:
            faults.drop_answer[part] -= 1
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._answer(status, answer_headers, answer)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _handle  # noqa: N815  (BaseHTTPRequestHandler's names)


class _GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    upstream_port: int
    faults: Faults


class S3Gateway:
    """moto_server plus the gateway; ``endpoint`` is the URL to give boto3 (and so the pre-signed URLs)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.faults = Faults()
        self._moto: subprocess.Popen[bytes] | None = None
        self._server: _GatewayServer | None = None

    def __enter__(self) -> S3Gateway:
        port = free_port()
        log = open(self.workdir / "moto.log", "wb")  # noqa: SIM115  (the subprocess owns it)
        env = {**os.environ, "MOTO_PORT": str(port)}
        self._moto = subprocess.Popen([str(MOTO), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log, env=env)
        deadline = time.monotonic() + 30
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if time.monotonic() > deadline or self._moto.poll() is not None:
                raise RuntimeError(f"moto_server did not start: {(self.workdir / 'moto.log').read_text()[-2000:]}")
            time.sleep(0.1)
        self._server = _GatewayServer(("127.0.0.1", 0), _Handler)
        self._server.upstream_port = port
        self._server.faults = self.faults
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    @property
    def endpoint(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._moto is not None:
            self._moto.terminate()
            try:
                self._moto.wait(10)
            except subprocess.TimeoutExpired:
                self._moto.kill()
                self._moto.wait()


def bucket_client(gateway: S3Gateway, key_id: str, secret: str, bucket: str):
    """A boto3 client of ``gateway`` with ``bucket`` created (Object Lock enabled), its name in ``client.bucket``."""
    import boto3

    client = boto3.client("s3", endpoint_url=gateway.endpoint, region_name="us-east-1", aws_access_key_id=key_id,
                          aws_secret_access_key=secret)
    client.create_bucket(Bucket=bucket, ObjectLockEnabledForBucket=True)
    client.bucket = bucket
    return client
