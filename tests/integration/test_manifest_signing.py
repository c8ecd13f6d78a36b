"""Signed manifests end to end: the backup role signs on the controller, verify and restore check the signature.

A Full backup of a winsim controller with ``alteryx_backup_signing_key`` set; ``playbooks/verify.yml`` with the
public key passes, a manifest edited to match a changed file (manifest hashes, zip CRCs, sidecar and manifest copy
all recomputed) fails ``manifest_signature``, and so does a one-byte change of the manifest and another key. The
private key and its passphrase appear nowhere on the simulated host.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, Fleet, Run, ansible_env
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(REPO / ".build" / "collections"))  # verify_archives builds manifests with the collection

from verify_archives import read_entries, rewrite  # noqa: E402

SIG = "BackupManifest.json.sig"
PASSPHRASE = "canary-passphrase-7f3e"


def _verify(path: Path, **extra: object) -> Run:
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(REPO / "playbooks" / "verify.yml"),
               "-e", json.dumps({"alteryx_verify_path": str(path), **extra})]
    proc = subprocess.run(command, capture_output=True, text=True, env={**ansible_env(), "PWD": str(REPO)}, cwd=REPO,
                          timeout=300)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def _write_keys(folder: Path, key: Ed25519PrivateKey) -> tuple[Path, Path]:
    private = folder / "signing.pem"
    private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.BestAvailableEncryption(PASSPHRASE.encode())))
    public = folder / "signing.pub.pem"
    public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                     serialization.PublicFormat.SubjectPublicKeyInfo))
    return private, public


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("signing")
    keys = root / "keys"
    keys.mkdir()
    private, public = _write_keys(keys, Ed25519PrivateKey.generate())
    fleet = Fleet(root / "fleet")
    run = fleet.playbook("playbooks/backup_full.yml", extra={"alteryx_backup_signing_key": str(private),
                                                             "alteryx_backup_signing_key_passphrase": PASSPHRASE,
                                                             # Secret encryption is another feature's concern.
                                                             "alteryx_backup_export_secrets": False})
    assert run.rc == 0, run.output
    [archive] = fleet.archives()
    return {"fleet": fleet, "archive": archive, "public": public, "private": private, "output": run.output}


@pytest.fixture
def archive(signed: dict, tmp_path: Path) -> Path:
    backup = signed["archive"]
    for suffix in ("", ".sha256", ".manifest.json"):
        (tmp_path / f"{backup.name}{suffix}").write_bytes(Path(f"{backup}{suffix}").read_bytes())
    return tmp_path / backup.name


def test_archive_carries_the_signature_and_no_key_reaches_the_host(signed: dict) -> None:
    entries = read_entries(signed["archive"])
    record = json.loads(entries[SIG])
    assert record["Algorithm"] == "Ed25519" and len(record["KeyId"]) == 16
    private_pem = signed["private"].read_text()
    body = "".join(private_pem.splitlines()[1:-1])
    host = signed["fleet"].host()
    for path in host.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert PASSPHRASE.encode() not in data, path
            assert body[:40].encode() not in data, path
            assert str(signed["private"]).encode() not in data or path.name == "journal.jsonl", path
    assert PASSPHRASE not in signed["output"]


def test_signed_archive_verifies_with_the_public_key(archive: Path, signed: dict) -> None:
    run = _verify(archive, alteryx_verify_public_key=str(signed["public"]))
    assert run.rc == 0, run.output
    assert "PASSED" in run.stdout


def test_unpinned_verify_passes_with_a_warning(archive: Path) -> None:
    run = _verify(archive)
    assert run.rc == 0, run.output
    assert "not checked against a trusted key" in " ".join(run.output.split())


def test_manifest_edited_to_match_a_changed_file_fails_the_signature(archive: Path, signed: dict) -> None:
    def tamper(entries: dict[str, bytes]) -> None:
        entries["Config/RuntimeSettings.xml"] = entries["Config/RuntimeSettings.xml"] + b"<!-- edited -->"
    rewrite(archive, tamper, fix_manifest=True, fix_sidecar=True, fix_copy=True)
    run = _verify(archive, alteryx_verify_public_key=str(signed["public"]))
    assert run.rc != 0
    text = " ".join(run.stdout.split())
    assert "FAILED - 1 of" in text and "(manifest_signature)" in text


def test_one_changed_byte_of_the_manifest_fails(archive: Path, signed: dict) -> None:
    def one_byte(entries: dict[str, bytes]) -> None:
        # Still valid JSON with the same values: only the signature can tell.
        entries["BackupManifest.json"] = entries["BackupManifest.json"].replace(b"\n  ", b"\n\t ", 1)
    rewrite(archive, one_byte, fix_manifest=False, fix_sidecar=True, fix_copy=True)
    run = _verify(archive, alteryx_verify_public_key=str(signed["public"]))
    assert run.rc != 0
    text = " ".join(run.stdout.split())
    assert "FAILED - 1 of" in text and "(manifest_signature)" in text


def test_another_key_fails(archive: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.pub.pem"
    other.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    run = _verify(archive, alteryx_verify_public_key=str(other))
    assert run.rc != 0
    assert "signed by key" in " ".join(run.stdout.split())


def test_restore_refuses_an_archive_not_signed_by_the_pinned_key(signed: dict, tmp_path: Path) -> None:
    other = tmp_path / "other.pub.pem"
    other.write_bytes(Ed25519PrivateKey.generate().public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    fleet = signed["fleet"]
    run = fleet.playbook("playbooks/restore.yml", extra={"alteryx_restore_scope": "ConfigOnly",
                                                         "alteryx_restore_public_key": str(other)})
    assert run.rc != 0
    text = " ".join(run.output.split())
    assert "is damaged, nothing was restored" in text and "wrong_key" in text
    assert not list(fleet.host().rglob("*.pre-restore-*"))


def test_restore_accepts_the_archive_signed_by_the_pinned_key(signed: dict) -> None:
    run = signed["fleet"].playbook("playbooks/restore.yml", extra={"alteryx_restore_scope": "ConfigOnly",
                                                                   "alteryx_restore_public_key": str(signed["public"])})
    assert run.rc == 0, run.output
