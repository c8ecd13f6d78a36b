"""Twin of _private_config.ps1: a private folder under $env:TEMP and a --config file holding a SecureString's text."""

from __future__ import annotations

import uuid

from ..host import Host
from ._secure_string import ptr_to_string_bstr, secure_string_to_bstr, zero_free_bstr

ADMINISTRATORS = "S-1-5-32-544"


def new_private_folder(host: Host, prefix: str) -> str:
    """``New-PrivateFolder``: a new folder ``<prefix><guid>`` under $env:TEMP created with a protected ACL (the
    current user and Administrators only). winsim keeps no ACLs on files; the ACL is journalled (``private_folder``)
    so that a test can check it."""
    folder = host.win_path(host.local_path("%TEMP%")) + "\\" + prefix + uuid.uuid4().hex
    host.local_path(folder).mkdir()
    host.event("private_folder", path=folder, inheritance_protected=True,
               allow=[{"sid": "current user", "rights": "FullControl"}, {"sid": ADMINISTRATORS, "rights": "FullControl"}])
    return folder


def write_password_config(host: Host, path: str, secret) -> None:
    """``Write-PasswordConfig``: the SecureString's text through a BSTR (zeroed and freed in finally) into ``path``."""
    bstr = secure_string_to_bstr(secret)
    try:
        text = ptr_to_string_bstr(bstr)
        # [IO.File]::WriteAllText: UTF-8 without a BOM.
        host.write_bytes(host.local_path(path), ("password: '" + text.replace("'", "''") + "'\n").encode())
    finally:
        zero_free_bstr(bstr)
