"""Issue 12: the controller secrets are encrypted to a recipient certificate on the host; the key is kept apart.

A Full backup holds Secrets/*.cms only: the token planted in winsim appears in no archive entry, no host file, no
journal line and no output at -vvvv, and the .cms decrypts with the test key. Without a recipient the run fails
validation before anything stops; with plaintext allowed the .txt files come back with a warning. Offline verify
decrypts with the right key and fails clearly with a wrong one.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, SECRETS_CERT, SECRETS_KEY, Run, ansible_env
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ansible_collections.alteryx.server.plugins.plugin_utils._secret_box import decrypt_cms, recipient_info

FULL = "playbooks/backup_full.yml"
CANARIES = {"server_secret": "CANARYCMS" + "9" * 55, "emongo_password": "CanaryCmsUserPw5521",
            "emongo_admin_password": "CanaryCmsAdminPw7730"}
STOPPING_CALLS = ("alteryx_service_state", "alteryx_dump_window")


def _archive_entries(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _host_files(fleet) -> dict[str, bytes]:
    """Every file the simulated host holds, except winsim's own record of the real secrets (its 'registry')."""
    return {str(p.relative_to(fleet.root)): p.read_bytes() for p in (fleet.root).rglob("*")
            if p.is_file() and p.name != "state.json"}


def test_a_full_archive_holds_no_plaintext_secret_and_decrypts_with_the_key(fleet):
    fleet.set_state(secrets=CANARIES)
    run = fleet.playbook(FULL, verbosity=4)
    assert run.rc == 0, run.output[-3000:]
    [archive] = fleet.archives()
    entries = _archive_entries(archive)
    assert {n for n in entries if n.startswith("Secrets/")} == {"Secrets/ControllerToken.cms",
                                                                "Secrets/MongoPasswords.cms"}
    places = {f"archive:{n}": data for n, data in entries.items()}
    places.update(_host_files(fleet))  # journal, host log, staging leftovers, archive copies, sidecars
    places["ansible-playbook output"] = run.output.encode()
    leaks = [f"{name} in {where}" for where, data in places.items() for name, canary in CANARIES.items()
             if canary.encode() in data]
    assert not leaks, leaks
    # The private key was never given to the backup: not one of its lines is anywhere.
    key_lines = [line for line in SECRETS_KEY.read_text().splitlines() if "PRIVATE KEY" not in line]
    assert not [where for where, data in places.items() for line in key_lines if line.encode() in data]
    key = SECRETS_KEY.read_bytes()
    assert decrypt_cms(entries["Secrets/ControllerToken.cms"], key).decode() == CANARIES["server_secret"]
    assert CANARIES["emongo_admin_password"] in decrypt_cms(entries["Secrets/MongoPasswords.cms"], key).decode()
    manifest = json.loads(entries["BackupManifest.json"])
    info = recipient_info(SECRETS_CERT.read_bytes())
    assert manifest["Extensions"]["SecretsEncryption"] == {
        "Format": "CMS EnvelopedData (AES-256-CBC, RSA key transport)",
        "Recipient": {"Subject": info["subject"], "Thumbprint": info["thumbprint"], "NotAfter": info["not_after"]},
        "Files": ["Secrets/ControllerToken.cms", "Secrets/MongoPasswords.cms"]}
    warning = manifest["EncryptionKeyWarning"]["Message"]
    assert info["thumbprint"] in warning and "keep its private key apart from the backups" in warning
    assert "Secrets/ControllerToken.cms" in warning and "ControllerToken.txt" not in warning


def test_no_recipient_fails_validation_before_anything_stops(fleet):
    run = fleet.playbook(FULL, extra={"alteryx_backup_secrets_recipient": ""})
    assert run.rc != 0
    assert "failure_class=validation, exit_code=3" in run.output
    assert "openssl req -x509 -newkey rsa:3072 -nodes -keyout alteryx-secrets.key" in run.output
    assert "Ansible Vault" in run.output and "alteryx_backup_secrets_plaintext_allowed=true" in run.output
    calls = fleet.calls()
    assert not [c for c in calls if any(name in c for name in STOPPING_CALLS)], calls
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"
    assert not fleet.archives()


def test_an_unreadable_recipient_fails_validation_before_any_host_call(fleet, tmp_path):
    run = fleet.playbook(FULL, extra={"alteryx_backup_secrets_recipient": str(tmp_path / "missing.crt")})
    assert run.rc != 0
    assert "cannot read the certificate" in run.output and "missing.crt" in run.output
    assert fleet.calls() == []
    assert fleet.state()["services"]["AlteryxService"]["state"] == "running"


def test_plaintext_allowed_keeps_the_txt_files_with_a_warning(fleet):
    run = fleet.playbook(FULL, extra={"alteryx_backup_secrets_recipient": "",
                                      "alteryx_backup_secrets_plaintext_allowed": True})
    assert run.rc == 0, run.output[-3000:]
    assert "alteryx_backup_secrets_plaintext_allowed is true: the controller token and the MongoDB passwords go" \
           in run.output
    [archive] = fleet.archives()
    entries = _archive_entries(archive)
    assert {n for n in entries if n.startswith("Secrets/")} == {"Secrets/ControllerToken.txt",
                                                                "Secrets/MongoPasswords.txt"}
    manifest = json.loads(entries["BackupManifest.json"])
    assert manifest["Extensions"]["SecretsEncryption"] is None
    assert any("plaintext" in w for w in manifest["Warnings"])


def _verify(path: Path, **extra: object) -> Run:
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(REPO / "playbooks" / "verify.yml"),
               "-e", json.dumps({"alteryx_verify_path": str(path), **extra})]
    proc = subprocess.run(command, capture_output=True, text=True, env=ansible_env(), cwd=REPO, timeout=300)
    return Run(proc.returncode, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def encrypted_backup(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import Fleet

    fleet = Fleet(tmp_path_factory.mktemp("secrets") / "fleet")
    run = fleet.playbook(FULL)
    assert run.rc == 0, run.output[-3000:]
    [archive] = fleet.archives()
    return archive


def test_verify_with_the_right_key_passes(encrypted_backup):
    run = _verify(encrypted_backup, alteryx_verify_secrets_key=str(SECRETS_KEY))
    assert run.rc == 0, run.output[-3000:]
    assert "PASSED" in run.output


def test_verify_with_a_wrong_key_fails_clearly(encrypted_backup, tmp_path):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    wrong = tmp_path / "wrong.key"
    wrong.write_bytes(other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()))
    run = _verify(encrypted_backup, alteryx_verify_secrets_key=str(wrong))
    assert run.rc != 0
    thumbprint = recipient_info(SECRETS_CERT.read_bytes())["thumbprint"]
    shown = " ".join(run.output.split())  # the YAML callback wraps long lines (and doubles the apostrophe)
    assert "secrets_decrypt Secrets/ControllerToken.cms" in shown
    assert f"secrets were encrypted to CN=alteryx-backup-secrets-test (thumbprint {thumbprint})" in shown
    assert "does not decrypt it" in shown
