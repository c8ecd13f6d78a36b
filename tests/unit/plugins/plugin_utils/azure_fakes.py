"""Test helpers for the Azure Blob store: a host-like uploader and a recording transport.

``put_part`` sends one part the way the host uploader does (PUT with Content-Length and Content-MD5 plus the
headers the store gave) over real HTTP. ``RecordingTransport`` stands in for the SDK's HTTP transport where
Azurite cannot answer (immutability policies): it records each request the SDK built and replies with the
status, headers and body the Blob service documents for that call.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from azure.core.pipeline.transport import HttpResponse, HttpTransport
from azure.core.utils import case_insensitive_dict

from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import PartUrl


@dataclass
class PutResult:
    status: int
    error_code: str
    body: str


def md5_base64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()  # noqa: S324 - the Content-MD5 the service checks


def put_part(part: PartUrl, archive: bytes, *, md5: str | None = None, body: bytes | None = None) -> PutResult:
    """PUT ``archive[offset:offset+length]`` (or ``body``) to the part's URL; ``md5`` overrides the Content-MD5."""
    data = archive[part.offset:part.offset + part.length] if body is None else body
    url = urlsplit(part.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        headers = {**part.headers, "Content-Length": str(len(data)), "Content-MD5": md5 or md5_base64(data)}
        conn.request("PUT", f"{url.path}?{url.query}", body=data, headers=headers)
        reply = conn.getresponse()
        return PutResult(reply.status, reply.getheader("x-ms-error-code") or "", reply.read().decode(errors="replace"))
    finally:
        conn.close()


def get_url(url: str) -> int:
    """The status of a GET of ``url`` (is a write-only SAS refused for reading?)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.request("GET", f"{parts.path}?{parts.query}")
        reply = conn.getresponse()
        reply.read()
        return reply.status
    finally:
        conn.close()


class _Reply(HttpResponse):
    def __init__(self, request: Any, status: int, headers: dict[str, str], body: bytes) -> None:
        super().__init__(request, None)
        self.status_code = status
        self.headers = case_insensitive_dict(headers)
        self.reason = http.client.responses.get(status, "")
        self.content_type = self.headers.get("Content-Type")
        self._body = body

    def body(self) -> bytes:
        return self._body


class RecordingTransport(HttpTransport):
    """Replies to the SDK's requests in order with ``replies`` [(status, headers, body)]; keeps the requests."""

    def __init__(self, replies: Iterable[tuple[int, dict[str, str], bytes]]) -> None:
        self.replies = list(replies)
        self.requests: list[Any] = []

    def send(self, request: Any, **kwargs: Any) -> HttpResponse:
        self.requests.append(request)
        if not self.replies:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        status, headers, body = self.replies.pop(0)
        return _Reply(request, status, {"x-ms-request-id": "recorded", "x-ms-version": "2026-10-06", **headers}, body)

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> RecordingTransport:
        return self

    def __exit__(self, *args: object) -> None:
        pass


def error_reply(status: int, code: str, message: str) -> tuple[int, dict[str, str], bytes]:
    """A Blob service error as the service sends it: x-ms-error-code and the XML body."""
    body = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{code}</Code><Message>{message}\n'
            f"RequestId:recorded\nTime:2026-01-01T00:00:00.0000000Z</Message></Error>").encode()
    return status, {"x-ms-error-code": code, "Content-Type": "application/xml"}, body
