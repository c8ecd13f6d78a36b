"""Twin of alteryx_cloud_upload.ps1: PUT byte ranges of a file to pre-signed URLs, for real, over http.client.

The requests go to whatever the URLs name (in tests: moto and a fault proxy on loopback), one connection per
try, and fail the way System.Net.HttpWebRequest does in Windows PowerShell 5.1:

- an answer that is not 2xx: GetResponse throws a WebException carrying the response (ProtocolError);
- no answer: a WebException without a response - "Unable to connect to the remote server" (refused, name not
  resolved), "The operation has timed out" (Timeout / ReadWriteTimeout), "The underlying connection was closed:
  An unexpected error occurred on a receive." (the server closed the connection before answering), "... Could not
  establish trust relationship for the SSL/TLS secure channel." (certificate not trusted);
- the connection dropped while the body is written: an IOException from the request stream's Write;
- a header WebHeaderCollection.Add refuses (Content-Type, Content-Length, Host ... must be set through their
  properties): an ArgumentException, before anything is sent.

PowerShell wraps the .NET exceptions in MethodInvocationException; the script unwraps them, so the twin raises
the inner ones directly.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import ssl
import time
from urllib.parse import urlsplit

from ..host import WinError
from . import ScriptFailure
from ._run_log import add_run_log
from ._secure_string import ptr_to_string_bstr, secure_string_to_bstr, zero_free_bstr

BLOCK = 1 << 20
# WebHeaderCollection's restricted headers (HttpWebRequest sets them through properties).
RESTRICTED = {"accept", "connection", "content-length", "content-type", "date", "expect", "host",
              "if-modified-since", "range", "referer", "transfer-encoding", "user-agent", "proxy-connection"}
CLOSED_ON_RECEIVE = "The underlying connection was closed: An unexpected error occurred on a receive."
WRITE_FAILED = ("Unable to write data to the transport connection: An existing connection was forcibly closed by "
                "the remote host.")


class WebException(Exception):
    """System.Net.WebException: ``status``/``body`` of the answer when there was one (``has_response``)."""

    def __init__(self, message: str, status: int = 0, body: bytes = b"", has_response: bool = False) -> None:
        super().__init__(message)
        self.status, self.body, self.has_response = status, body, has_response


class IOExceptionNet(Exception):
    """System.IO.IOException from the request stream."""


class ArgumentExceptionNet(Exception):
    """System.ArgumentException."""


def read_secret(secret) -> str:
    """``Read-Secret``: the SecureString's text through a BSTR, zeroed and freed at once."""
    bstr = secure_string_to_bstr(secret)
    try:
        return ptr_to_string_bstr(bstr)
    finally:
        zero_free_bstr(bstr)


def copy_range(fh, offset: int, length: int, target, path: str) -> None:
    """``Copy-Range``: 1 MiB blocks of [offset, offset + length) into an MD5 or a request stream."""
    fh.seek(offset)
    left = length
    while left > 0:
        block = fh.read(min(BLOCK, left))
        if not block:
            raise WinError(f"{path} ends before byte {offset + length}")
        target(block)
        left -= len(block)


def range_md5(fh, offset: int, length: int, path: str) -> str:
    """``Get-RangeMd5``."""
    md5 = hashlib.md5()  # noqa: S324  (Content-MD5)
    copy_range(fh, offset, length, md5.update, path)
    return base64.b64encode(md5.digest()).decode()


def send_error(failure: Exception) -> dict:
    """``Get-SendError``: status, whether another try may help, and the text (never the URL)."""
    if not isinstance(failure, WebException):
        return {"status": 0, "retry": isinstance(failure, IOExceptionNet), "text": str(failure)}
    if not failure.has_response:
        return {"status": 0, "retry": True, "text": str(failure)}
    status = failure.status
    text = f"HTTP {status}"
    body = failure.body.decode("utf-8", "replace")
    code = re.search(r"<Code>([^<]*)</Code>", body)
    message = re.search(r"<Message>([^<]*)</Message>", body)
    if code:
        text += " " + code.group(1)
    if message:
        text += ": " + message.group(1)
    return {"status": status, "retry": status >= 500 or status in (408, 429), "text": text}


def send_part(fh, part: dict, md5: str, timeout: int, path: str) -> dict:
    """``Send-Part``: one HttpWebRequest PUT, the body streamed from the file."""
    url = urlsplit(str(part["url"]))
    headers = {"Content-MD5": md5}
    for name, value in (part.get("headers") or {}).items():
        if name.lower() in RESTRICTED:
            raise ArgumentExceptionNet(f"The '{name}' header must be modified using the appropriate property or "
                                       "method.\r\nParameter name: name")
        headers[name] = str(value)
    if url.scheme == "https":
        connection: http.client.HTTPConnection = http.client.HTTPSConnection(
            url.hostname or "", url.port, timeout=timeout, context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=timeout)
    target = url.path + (f"?{url.query}" if url.query else "")
    try:
        try:  # GetRequestStream: connect, send the headers
            connection.putrequest("PUT", target, skip_accept_encoding=True)
            connection.putheader("Content-Length", str(int(part["length"])))
            for name, value in headers.items():
                connection.putheader(name, value)
            connection.endheaders()
        except ssl.SSLCertVerificationError:
            raise WebException("The underlying connection was closed: Could not establish trust relationship for "
                               "the SSL/TLS secure channel.") from None
        except TimeoutError:
            raise WebException("The operation has timed out") from None
        except OSError:
            raise WebException("Unable to connect to the remote server") from None
        try:  # the request stream's Write
            copy_range(fh, int(part["offset"]), int(part["length"]), connection.send, path)
        except TimeoutError:
            raise WebException("The operation has timed out") from None
        except (ConnectionError, BrokenPipeError):
            raise IOExceptionNet(WRITE_FAILED) from None
        try:  # GetResponse
            response = connection.getresponse()
            body = response.read()
        except TimeoutError:
            raise WebException("The operation has timed out") from None
        except (http.client.HTTPException, ConnectionError):
            raise WebException(CLOSED_ON_RECEIVE) from None
        if not 200 <= response.status < 300:
            raise WebException(f"The remote server returned an error: ({response.status}).", response.status, body,
                               has_response=True)
        return {"status": response.status, "etag": response.getheader("ETag") or ""}
    finally:
        connection.close()


def run(host, p, ctx):
    add_run_log(host, p)
    path = p["Path"]
    result = {"path": path, "size": 0, "parts": []}
    if p["PartsJson"] is None:
        raise ScriptFailure("PartsJson (the part URLs) is missing", "validation", result, changed=False)
    try:
        parts = json.loads(read_secret(p["PartsJson"]))
    except ValueError as exc:
        raise ScriptFailure(f"PartsJson is not a JSON list of parts: {exc}", "validation", result,
                            changed=False) from exc
    if isinstance(parts, dict):  # foreach over one object iterates once
        parts = [parts]
    try:
        local = host.local_path(path)
        fh = open(local, "rb")  # noqa: SIM115  (closed in finally, as the script's Dispose)
    except (WinError, OSError) as exc:
        raise ScriptFailure(f"Cannot open {path} : Could not find file '{path}'.", "storage", result,
                            changed=False) from exc
    reports = []
    changed = False
    try:
        size = local.stat().st_size
        result["size"] = size
        for part in parts:
            if int(part["offset"]) + int(part["length"]) > size:
                raise ScriptFailure(f"{path} is {size} bytes, shorter than part {part['number']} needs", "storage",
                                    {**result, "parts": list(reports)}, changed=changed)
            md5 = range_md5(fh, int(part["offset"]), int(part["length"]), path)
            report = {"number": int(part["number"]), "ok": False, "status": 0, "etag": "", "md5_base64": md5,
                      "attempts": 0, "error": ""}
            while True:
                report["attempts"] += 1
                try:
                    answer = send_part(fh, part, md5, p["TimeoutSeconds"], path)
                    report.update(ok=True, status=answer["status"], etag=answer["etag"], error="")
                    changed = True
                    break
                except (WebException, IOExceptionNet, ArgumentExceptionNet, WinError) as exc:
                    failure = send_error(exc)
                    report.update(status=failure["status"], error=failure["text"])
                    if not failure["retry"] or report["attempts"] > p["Retries"]:
                        break
                time.sleep(p["RetryDelay"])
            reports.append(report)
    finally:
        fh.close()
    result["parts"] = reports
    return {"changed": changed, "result": result}

