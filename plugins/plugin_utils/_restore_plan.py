# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a restore must do besides putting files and data back, decided before anything stops (pure logic).

The controller token (a Full or ConfigOnly archive of a controller holds it as ``Secrets/ControllerToken.txt``,
plaintext, or ``Secrets/ControllerToken.cms``, CMS encrypted to a certificate), the logon accounts the archive
recorded against the node's, and whether the archive comes from another host (disaster recovery).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._cluster import _same_host
from ansible_collections.alteryx.server.plugins.plugin_utils._restore import listed_files

TOKEN_PLAINTEXT = "Secrets/ControllerToken.txt"
TOKEN_CMS = "Secrets/ControllerToken.cms"
# What the Alteryx Server Host Recovery Guide and its encryption-key notes say a new host cannot get from a backup.
RECOVERY_LIMITS = (
    "values RuntimeSettings.xml holds encrypted (the Run As password, SMTP and MongoDB passwords) were encrypted "
    "for {source} with Windows DPAPI and do not decrypt on {target}: enter them again in System Settings",
    "DCM connections and Server data connections need the Alteryx Encryption Key Transfer Process, run while "
    "{source} still works (or a RuntimeSettings.xml prepared in advance as in Alteryx's Disaster Recovery "
    "Preparation): a backup alone cannot bring their encryption keys to {target}",
)


def token_source(manifest: Mapping[str, Any], scope: str, key_path: str) -> dict[str, str]:
    """Where the controller token of the archive is, and how it is set.

    Returned keys: ``kind`` ('' when nothing is set: DatabaseOnly scope or no token in the archive, ``plaintext``
    or ``cms``) and ``entry`` (the zip entry, '' when none). An encrypted token wins over a plaintext one.
    Raises ValueError when the token is encrypted and no private key was given (nothing is touched then).
    """
    if scope == "DatabaseOnly":
        return {"kind": "", "entry": ""}
    entries = {str(f.get("RelativePathInArchive") or "") for f in listed_files(manifest)}
    if TOKEN_CMS in entries:
        if not key_path:
            raise ValueError(
                f"the archive holds the controller token encrypted ({TOKEN_CMS}) and no private key was given: set "
                "alteryx_restore_secrets_key to the PEM private key (on the machine running Ansible) of the "
                "certificate the backup encrypted to, and alteryx_restore_secrets_passphrase if it is protected, "
                "or restore with alteryx_restore_scope=DatabaseOnly")
        return {"kind": "cms", "entry": TOKEN_CMS}
    if TOKEN_PLAINTEXT in entries:
        return {"kind": "plaintext", "entry": TOKEN_PLAINTEXT}
    return {"kind": "", "entry": ""}


def _account(value: Any) -> str:
    return str(value or "").strip()


def account_warnings(manifest: Mapping[str, Any], facts: Mapping[str, Any], scope: str) -> list[str]:
    """Warnings where the node's service logon account or Run As user differs from what the archive recorded.

    Passwords cannot be restored (Windows keeps the service's, DPAPI encrypts the Run As one), so a difference is
    for the administrator to settle; nothing is changed.
    """
    extensions = manifest.get("Extensions") or {}
    recorded_logon = _account(extensions.get("ServiceLogonAccount")
                              or (manifest.get("ControllerSettings") or {}).get("ServiceAccountUser"))
    current_logon = _account(facts.get("service_logon_account") or (facts.get("service") or {}).get("username"))
    warnings = []
    if recorded_logon and current_logon and recorded_logon.lower() != current_logon.lower():
        warnings.append(f"the service logs on as {current_logon} here, the archive recorded {recorded_logon}: the "
                        "restore does not change the service account (its password cannot be restored); set it in "
                        "services.msc if the restored server needs it")
    recorded_run_as = _account(extensions.get("RunAsUser"))
    current_run_as = _account(facts.get("run_as_user"))
    if scope != "DatabaseOnly" and "RunAsUser" in extensions and recorded_run_as.lower() != current_run_as.lower():
        warnings.append(f"the Worker Run As user is {current_run_as or 'not set'} here, the archive recorded "
                        f"{recorded_run_as or 'none'}: the restored RuntimeSettings.xml brings the archive's back, "
                        "but not a password that decrypts here; check System Settings > Worker > Run As")
    return warnings


def recovery_plan(manifest: Mapping[str, Any], facts: Mapping[str, Any], *, source_host: str = "",
                  target_host: str = "") -> dict[str, Any]:
    """Whether the archive is restored onto another host than the one it came from.

    ``source_host`` defaults to the manifest's SystemInformation.ServerHostname, ``target_host`` to the node's
    computer name (lower case, as URLs write it). Returned keys: ``source_host``, ``target_host``,
    ``disaster_recovery`` (bool: both known and not the same host), ``warnings`` (the limits of such a recovery).
    """
    source = (source_host or str((manifest.get("SystemInformation") or {}).get("ServerHostname") or "")).strip()
    target = (target_host or str(facts.get("computer_name") or "").lower()).strip()
    moved = bool(source and target and not _same_host(source, target))
    warnings = [limit.format(source=source, target=target) for limit in RECOVERY_LIMITS] if moved else []
    return {"source_host": source, "target_host": target, "disaster_recovery": moved, "warnings": warnings}
