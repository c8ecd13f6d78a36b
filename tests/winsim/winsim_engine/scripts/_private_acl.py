"""Twin of _private_acl.ps1: the restricted ACL (Administrators, SYSTEM, the current user; nothing inherited) on what a
run writes on the node."""

from __future__ import annotations

from ..host import Host, WinError

ADMINISTRATORS = "BUILTIN\\Administrators"
SYSTEM = "NT AUTHORITY\\SYSTEM"


def restricted_rules(host: Host) -> list[tuple[str, str]]:
    """``New-RestrictedAcl``: FullControl for Administrators, SYSTEM and the current user (one rule per identity:
    AddAccessRule merges a repeated one, as when the run is SYSTEM itself)."""
    return [(identity, "FullControl") for identity in dict.fromkeys((ADMINISTRATORS, SYSTEM, host.current_user()))]


def set_restricted_acl(host: Host, win_path: str) -> None:
    """``Set-RestrictedAcl``: SetAccessControl with the protected DACL; a missing item or a FAT volume raises."""
    host.set_access_control(win_path, restricted_rules(host), protected=True)


def new_restricted_folder(host: Host, win_path: str) -> bool:
    """``New-RestrictedFolder``: CreateDirectory(path, acl) then SetAccessControl; False (untouched) when it exists."""
    if host.local_path(win_path).is_dir():
        return False
    host.create_directory(win_path, restricted_rules(host))
    set_restricted_acl(host, win_path)
    return True


def new_restricted_file(host: Host, win_path: str) -> None:
    """``New-RestrictedFile``: [IO.File]::WriteAllBytes(path, @()) (created or emptied), then its ACL."""
    local = host.local_path(win_path)
    if not local.parent.is_dir():
        raise WinError(f"Could not find a part of the path '{win_path}'.")
    host.write_bytes(local, b"")
    set_restricted_acl(host, win_path)


def new_restricted_log(host: Host, win_path: str) -> None:
    """``New-RestrictedLog``: the log's folder restricted when created here; a missing log created restricted."""
    folder = win_path.rsplit("\\", 1)[0] if "\\" in win_path.rstrip("\\") else win_path
    new_restricted_folder(host, folder)
    if not host.local_path(win_path).exists():
        new_restricted_file(host, win_path)


def restricted_acl_error(host: Host, win_path: str, exc: BaseException) -> str:
    """``Format-RestrictedAclError``: why ``win_path`` could not be restricted, and what to do."""
    return (f"Cannot limit access to {win_path} to Administrators, SYSTEM and {host.current_user()}: {exc} Keep the "
            "backup, temp and log folders on an NTFS volume, or set alteryx_backup_restrict_acls to false.")
