"""The plan loads the manifest signing key (alteryx_backup_plan), so that a key that cannot be used fails validation
before anything on a node is touched; and restrict_acls flows through the settings as a boolean."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.rsa import generate_private_key

from ansible_collections.alteryx.server.plugins.action.alteryx_backup_plan import ActionModule
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._manifest_signature import sign_manifest, signing_key_id
from ansible_collections.alteryx.server.plugins.plugin_utils._settings import validate_settings

PASSPHRASE = "plan-canary-5d1c"


def _plan(**args: Any) -> dict[str, Any]:
    validation = ArgumentSpecValidator(ActionModule.ARGUMENT_SPEC).validate(
        {"host_folder": "node1", "mode": "Full", "local_dir": "D:\\B", **args})
    assert not validation.error_messages, validation.error_messages
    action = ActionModule.__new__(ActionModule)
    action._task = SimpleNamespace(check_mode=True, async_val=0)
    action._loader = SimpleNamespace(path_dwim=lambda path: str(Path("/nonexistent/playbook") / path))
    return action.step(validation.validated_parameters, {})


def _ed25519(tmp_path: Path, passphrase: str | None = PASSPHRASE) -> tuple[Path, Ed25519PrivateKey]:
    key = Ed25519PrivateKey.generate()
    encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                  else serialization.NoEncryption())
    path = tmp_path / "signing.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption))
    return path, key


def _refusal(**args: Any) -> str:
    with pytest.raises(AlteryxStepError) as info:
        _plan(**args)
    assert info.value.failure_class == "validation" and info.value.exit_code == 3
    assert info.value.msg.endswith("Nothing was done on the node.")
    assert PASSPHRASE not in info.value.msg
    return info.value.msg


def test_no_key_means_no_signing() -> None:
    assert _plan()["signing"] == {"enabled": False, "key_id": ""}


def test_a_usable_key_is_loaded_and_named_as_the_manifest_step_will_sign(tmp_path: Path) -> None:
    path, _key = _ed25519(tmp_path)
    signing = _plan(signing_key=str(path), signing_key_passphrase=PASSPHRASE)["signing"]
    pem = path.read_bytes()
    assert signing == {"enabled": True, "key_id": sign_manifest("{}", pem, PASSPHRASE)["key_id"]}
    assert signing["key_id"] == signing_key_id(pem, PASSPHRASE) and len(signing["key_id"]) == 16


def test_an_unencrypted_key_needs_no_passphrase(tmp_path: Path) -> None:
    path, _key = _ed25519(tmp_path, passphrase=None)
    assert _plan(signing_key=str(path))["signing"]["enabled"] is True


def test_a_wrong_passphrase_is_refused(tmp_path: Path) -> None:
    path, _key = _ed25519(tmp_path)
    assert "the passphrase is wrong" in _refusal(signing_key=str(path), signing_key_passphrase="not-it")


def test_a_missing_passphrase_is_refused(tmp_path: Path) -> None:
    path, _key = _ed25519(tmp_path)
    assert "it is encrypted: set the passphrase" in _refusal(signing_key=str(path))


def test_a_passphrase_for_a_plain_key_is_refused(tmp_path: Path) -> None:
    path, _key = _ed25519(tmp_path, passphrase=None)
    assert "it is not encrypted: drop the passphrase" in _refusal(signing_key=str(path), signing_key_passphrase=PASSPHRASE)


def test_a_key_of_another_kind_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rsa.pem"
    path.write_bytes(generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    assert "not an Ed25519 key" in _refusal(signing_key=str(path))


def test_text_that_is_no_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("not a key\n")
    assert "not a PEM private key" in _refusal(signing_key=str(path))


def test_an_unreadable_path_is_refused_relative_paths_from_the_playbook(tmp_path: Path) -> None:
    message = _refusal(signing_key=str(tmp_path / "missing.pem"))
    assert message.startswith(f"Cannot read the manifest signing key {tmp_path / 'missing.pem'} on the controller: ")
    assert "No such file" in message
    assert "keys/signing.pem" in _refusal(signing_key="keys/signing.pem")


def test_the_key_is_checked_after_the_settings(tmp_path: Path) -> None:
    # Bad settings are reported first (all at once); the key check comes with a valid configuration.
    with pytest.raises(AlteryxStepError) as info:
        _plan(settings={"local_path": "Backups"}, signing_key=str(tmp_path / "missing.pem"))
    assert "invalid backup setting" in info.value.msg


@pytest.mark.parametrize(("given", "expected"), [(True, True), ("no", False), ("1", True), (0, False)])
def test_restrict_acls_is_a_boolean_setting(given: Any, expected: bool) -> None:
    assert validate_settings({"restrict_acls": given}) == {"restrict_acls": expected}


def test_restrict_acls_refuses_what_is_no_boolean() -> None:
    with pytest.raises(AlteryxStepError) as info:
        validate_settings({"restrict_acls": "sometimes"})
    assert "alteryx_backup_restrict_acls='sometimes': is not a boolean" in info.value.msg
