"""winsim decodes what ansible-core 2.19 really sends: payloads built by ansible-core's own builders."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ansible.executor.powershell.module_manifest import _bootstrap_powershell_script, _create_powershell_wrapper
from ansible.playbook.play_context import PlayContext
from ansible.plugins.loader import become_loader, connection_loader, shell_loader
from winsim_testlib import journal

from winsim_engine import argspec, payload
from winsim_engine.host import REDACTED


def _module_payload(fqcn: str, args: dict, *, async_timeout: int = 0, become=None,
                    environment: dict | None = None) -> bytes:
    """in_data exactly as ansible-core builds it for a pipelined PowerShell module."""
    path = argspec.module_file(fqcn, (".ps1",))
    namespace, collection, name = fqcn.split(".")
    return _create_powershell_wrapper(
        name=f"ansible_collections.{namespace}.{collection}.plugins.modules.{name}",
        module_data=path.read_bytes(), module_path=str(path), module_args=args,
        environment=environment or {}, async_timeout=async_timeout, become_plugin=become,
        substyle="powershell", task_vars={}, profile="legacy",
    )


def _shell():
    shell = shell_loader.get("powershell")
    shell.set_options()
    return shell


def test_module_name_args_and_flags():
    args = {"path": "C:\\ProgramData\\Alteryx", "get_checksum": False, "_ansible_check_mode": True,
            "_ansible_no_log": True, "_ansible_module_name": "ansible.windows.win_stat", "_ansible_verbosity": 0}
    call = payload.decode("ignored", _module_payload("ansible.windows.win_stat", args))
    assert call.kind == "module"
    assert call.name == "ansible.windows.win_stat"
    assert call.check_mode and call.no_log
    assert call.module_args() == {"path": "C:\\ProgramData\\Alteryx", "get_checksum": False}
    assert not call.async_jid and call.become is None


def test_payload_framing_is_two_json_documents():
    data = _module_payload("ansible.windows.win_service_info", {"name": "AlteryxService"})
    bootstrap, manifest = data.split(payload.SEPARATOR)
    assert json.loads(bootstrap)["name"] == "exec_wrapper"
    actions = [a["name"] for a in json.loads(manifest)["actions"]]
    assert actions[-1] == "module_wrapper.ps1"


def test_collection_module_from_community_windows():
    call = payload.decode("", _module_payload("community.windows.win_wait_for_process",
                                              {"process_name_exact": ["AlteryxEngineCmd"], "state": "absent"}))
    assert call.name == "community.windows.win_wait_for_process"
    assert call.args["process_name_exact"] == ["AlteryxEngineCmd"]


def test_async_jid_dir_and_timeout():
    data = _module_payload("ansible.windows.win_powershell", {"script": "# alteryx.server: smoke\n"},
                           async_timeout=45, environment={"ANSIBLE_ASYNC_DIR": "~\\.ansible_async"})
    call = payload.decode("", data)
    assert call.name == "ansible.windows.win_powershell"
    assert call.async_jid.startswith("j") and call.async_jid[1:].isdigit()
    assert call.async_dir == "~\\.ansible_async"
    assert call.async_timeout == 45


def test_become_runas_keeps_user_drops_password():
    become = become_loader.get("runas")
    become.set_options(direct={"become_user": "CORP\\svc-backup", "become_pass": "S3cret!"})
    call = payload.decode("", _module_payload("ansible.windows.win_service_info", {}, become=become))
    assert call.become is not None
    assert call.become["BecomeUser"] == "CORP\\svc-backup"
    assert "S3cret!" not in json.dumps(call.become)


@pytest.mark.parametrize("name, params", [
    ("powershell_mkdtemp.ps1", {"Directory": "%TEMP%", "Name": "ansible-tmp-123"}),
    ("powershell_expand_user.ps1", {"Path": "~\\.ansible_async"}),
])
def test_helper_scripts(name, params):
    _script, stdin = _bootstrap_powershell_script(name, params)
    call = payload.decode("", stdin)
    assert call.kind == "helper"
    assert call.name == name
    assert call.params == params


def test_shell_mkdtemp_command():
    command = _shell()._mkdtemp2(basefile="ansible-tmp-42", tmpdir="C:\\Windows\\Temp")
    call = payload.decode(command.command, command.input_data)
    assert (call.kind, call.name) == ("helper", "powershell_mkdtemp.ps1")
    assert call.params == {"Directory": "C:\\Windows\\Temp", "Name": "ansible-tmp-42"}


def test_remove_item_is_a_plain_encoded_command():
    command = _shell().remove("C:\\Windows\\Temp\\ansible-tmp-42\\", recurse=True)
    call = payload.decode(command, None)
    assert call.kind == "command"
    assert "Remove-Item 'C:\\Windows\\Temp\\ansible-tmp-42\\' -Force -Recurse;" in call.command


def _connection(host_root: Path):
    connection = connection_loader.get("alteryx_sim.windows.winsim", PlayContext(), None)
    connection.set_options(direct={"winsim_root": str(host_root)})
    return connection


def test_connection_runs_a_real_payload_and_helpers(host):
    connection = _connection(host.root)
    rc, out, _err = connection.exec_command("", _module_payload(
        "ansible.windows.slurp", {"src": "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml", "_ansible_no_log": True}))
    result = json.loads(out)
    assert rc == 0 and result["encoding"] == "base64" and result["content"]
    entry = [e for e in journal(host) if e.get("kind") == "call"][-1]
    assert entry["module"] == "ansible.windows.slurp" and entry["args"] == REDACTED

    command = _shell()._mkdtemp2(basefile="ansible-tmp-7", tmpdir="%TEMP%")
    rc, out, _err = connection.exec_command(command.command, command.input_data)
    assert out.decode().strip() == "C:\\Windows\\Temp\\ansible-tmp-7"
    assert (host.root / "drives" / "C" / "Windows" / "Temp" / "ansible-tmp-7").is_dir()
    rc, _out, _err = connection.exec_command(_shell().remove("C:\\Windows\\Temp\\ansible-tmp-7", recurse=True))
    assert rc == 0 and not (host.root / "drives" / "C" / "Windows" / "Temp" / "ansible-tmp-7").exists()


def test_connection_rejects_misspelled_option(host):
    rc, out, _err = _connection(host.root).exec_command("", _module_payload(
        "ansible.windows.win_service", {"name": "AlteryxService", "stat": "started"}))
    result = json.loads(out)
    assert result["failed"] is True
    assert "Unsupported parameters for (win_service) module: stat" in result["msg"]
