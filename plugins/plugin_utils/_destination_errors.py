# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What to do about a backup destination the host could not write to, decided from the error it saw.

The preflight script probes each destination and returns the raw error (``error``, the exception's message) and
its ``hresult``. The message text is localized on a non-English Windows, so the HResult decides first and the
English text only when the HResult says nothing specific (a plain IOException, for one).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any


def _win32(code: int) -> int:
    """HRESULT_FROM_WIN32(code) as .NET's Exception.HResult (a signed 32-bit integer)."""
    return (0x80070000 | code) - (1 << 32)


ACCESS_DENIED = "access_denied"
NOT_FOUND = "not_found"
INVALID_PATH = "invalid_path"
OTHER = "other"

HRESULTS: dict[int, str] = {
    _win32(5): ACCESS_DENIED,  # ERROR_ACCESS_DENIED (UnauthorizedAccessException)
    _win32(65): ACCESS_DENIED,  # ERROR_NETWORK_ACCESS_DENIED
    _win32(1326): ACCESS_DENIED,  # ERROR_LOGON_FAILURE
    _win32(53): NOT_FOUND,  # ERROR_BAD_NETPATH: "The network path was not found."
    _win32(64): NOT_FOUND,  # ERROR_NETNAME_DELETED
    _win32(67): NOT_FOUND,  # ERROR_BAD_NET_NAME: "The network name cannot be found."
    _win32(1222): NOT_FOUND,  # ERROR_NO_NET_OR_BAD_PATH
    _win32(1231): NOT_FOUND,  # ERROR_NETWORK_UNREACHABLE
    _win32(1232): NOT_FOUND,  # ERROR_HOST_UNREACHABLE
    _win32(123): INVALID_PATH,  # ERROR_INVALID_NAME: "The filename, directory name, or volume label syntax ..."
    _win32(161): INVALID_PATH,  # ERROR_BAD_PATHNAME
    _win32(206): INVALID_PATH,  # ERROR_FILENAME_EXCED_RANGE (PathTooLongException)
    _win32(87): INVALID_PATH,  # E_INVALIDARG (ArgumentException: illegal characters, "UNC path should be ...")
    -2146233067: INVALID_PATH,  # COR_E_NOTSUPPORTED (NotSupportedException: "The given path's format ...")
}
TEXTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"is denied|user name or password is incorrect|logon failure", re.I), ACCESS_DENIED),
    (re.compile(r"network path was not found|network name cannot be found|network name is no longer available|"
                r"network location cannot be reached|network is unreachable|no network provider accepted", re.I),
     NOT_FOUND),
    (re.compile(r"syntax is incorrect|illegal characters|path's format is not supported|UNC path should be of the "
                r"form|too long", re.I), INVALID_PATH),
)


def classify(error: str, hresult: Any = None) -> str:
    """The kind of a destination error: ``access_denied``, ``not_found``, ``invalid_path`` or ``other``."""
    try:
        kind = HRESULTS.get(int(hresult)) if hresult is not None and not isinstance(hresult, bool) else None
    except (TypeError, ValueError):
        kind = None
    if kind:
        return kind
    return next((found for pattern, found in TEXTS if pattern.search(error or "")), OTHER)


def hint(path: str, error: str, hresult: Any = None) -> str:
    """What to do about ``path`` failing with ``error`` ('' when the error says it all)."""
    kind = classify(error, hresult)
    network = path.startswith("\\\\")
    if kind == ACCESS_DENIED and network:
        return ("WinRM does not delegate credentials, so the host reaches the share without the connecting user's "
                "credentials: use become (runas, logon_type new_credentials), CredSSP or Kerberos delegation, or "
                "grant the host's computer account (DOMAIN\\HOST$) write access to the share and folder.")
    if kind == ACCESS_DENIED:
        return "Grant the connecting user (or the become user) write access to the folder."
    if kind == NOT_FOUND:
        return ("Check the server and share names, that the server name resolves in DNS from this host, that the "
                "share exists and that TCP port 445 (SMB) on the server is reachable from this host.")
    if kind == INVALID_PATH:
        return ("Fix the path: a network destination is \\\\server\\share or \\\\server\\share\\folder, without "
                "< > : \" | ? * in its names.")
    return ""


def not_writable_message(destinations: Any) -> str:
    """The preflight failure for destinations the host could not write to ('' when every one was writable).

    ``destinations``: the script's ``[{path, writable, error, hresult}]``. Names the first bad one with its error
    and the hint for that error, and how many others failed."""
    bad = [d for d in destinations or [] if isinstance(d, Mapping) and not d.get("writable")]
    if not bad:
        return ""
    first = bad[0]
    error = str(first.get("error") or "unknown error").strip()
    message = f"Destination not writable: {first.get('path')}: {error}"
    if not message.endswith("."):
        message += "."
    advice = hint(str(first.get("path") or ""), error, first.get("hresult"))
    if advice:
        message += f" {advice}"
    if len(bad) > 1:
        message += f" Also not writable: {', '.join(str(d.get('path')) for d in bad[1:])}."
    return message
