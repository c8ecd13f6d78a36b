"""extensions/inventory: the example fleet parses, its groups fit the backup role, its settings are real ones.

* ansible-inventory reads it: two clusters and two single-node servers, each host in one role group and one cluster
  group whose alteryx_cluster is the group's name;
* every ``alteryx_backup_*`` variable is an option of the backup role and passes its argument spec;
* every ``ansible_winrm_*`` variable is an argument of pywinrm's Protocol (the winrm plugin hands them over) or of
  the winrm plugin, every ``ansible_psrp_*`` one a variable of the psrp plugin, with an allowed value;
* every host is reached over HTTPS on 5986 with the server certificate checked;
* no secret is written in the examples: passwords only in ``*.example`` placeholders, never in a loaded file.
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

REPO = Path(__file__).resolve().parents[3]
INVENTORY_DIR = REPO / "extensions" / "inventory"
FLEET = INVENTORY_DIR / "fleet.yml"
BIN = Path(sys.executable).parent
ROLE_GROUPS = ("alteryx_controller", "alteryx_workers", "alteryx_ui")
SECRET_KEY = re.compile(r"pass(word)?$|secret|token|webhook_url", re.IGNORECASE)


def _ansible_json(*args: str) -> Any:
    proc = subprocess.run([*args], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def inventory() -> dict[str, Any]:
    return _ansible_json(str(BIN / "ansible-inventory"), "-i", str(FLEET), "--list")


def _hosts(inventory: dict[str, Any], group: str) -> set[str]:
    """Hosts of a group, children included."""
    entry = inventory.get(group, {})
    hosts = set(entry.get("hosts", []))
    for child in entry.get("children", []):
        hosts |= _hosts(inventory, child)
    return hosts


def _hostvars(inventory: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return inventory["_meta"]["hostvars"]


def _role_options() -> dict[str, Any]:
    specs = yaml.safe_load((REPO / "roles/backup/meta/argument_specs.yml").read_text(encoding="utf-8"))
    return specs["argument_specs"]["main"]["options"]


def test_clusters_and_single_servers(inventory):
    hostvars = _hostvars(inventory)
    clusters: dict[str, set[str]] = {}
    for host, variables in hostvars.items():
        clusters.setdefault(variables["alteryx_cluster"], set()).add(host)
        assert sum(host in _hosts(inventory, group) for group in ROLE_GROUPS) == 1, host
    for name, members in clusters.items():
        assert _hosts(inventory, name) == members, f"group {name} differs from its alteryx_cluster members"
        assert len(members & _hosts(inventory, "alteryx_controller")) == 1, f"{name} needs exactly one controller"
    assert sorted(len(members) for members in clusters.values()) == [1, 1, 2, 4]
    singles = {name for name, members in clusters.items() if len(members) == 1}
    assert _hosts(inventory, "alteryx_single_node") == {host for name in singles for host in clusters[name]}


def test_backup_settings_pass_the_role_argument_spec(inventory):
    options = _role_options()
    spec = {name: {key: value for key, value in option.items() if key in ("type", "elements", "choices")}
            for name, option in options.items()}
    for host, variables in _hostvars(inventory).items():
        settings = {k: v for k, v in variables.items() if k.startswith("alteryx_backup_")}
        assert settings, host
        unknown = set(settings) - set(options)
        assert not unknown, f"{host}: not options of the backup role: {sorted(unknown)}"
        result = ArgumentSpecValidator(spec).validate(settings)
        assert not result.error_messages, f"{host}: {result.error_messages}"


def test_connection_variables_are_real(inventory):
    import winrm.protocol

    protocol_args = set(inspect.signature(winrm.protocol.Protocol.__init__).parameters) - {"self"}
    winrm_doc = _ansible_json(str(BIN / "ansible-doc"), "-t", "connection", "-j", "winrm")["winrm"]["doc"]["options"]
    psrp_doc = _ansible_json(str(BIN / "ansible-doc"), "-t", "connection", "-j", "psrp")["psrp"]["doc"]["options"]
    winrm_vars = {var["name"] for option in winrm_doc.values() for var in option.get("vars", [])}
    psrp_vars = {var["name"]: option for option in psrp_doc.values() for var in option.get("vars", [])}
    for host, variables in _hostvars(inventory).items():
        for name, value in variables.items():
            if name.startswith("ansible_winrm_") and name not in winrm_vars:
                assert name.removeprefix("ansible_winrm_") in protocol_args, f"{host}: {name} reaches no pywinrm argument"
            if name.startswith("ansible_psrp_"):
                assert name in psrp_vars, f"{host}: {name} is not a psrp connection variable"
                assert value in psrp_vars[name].get("choices", [value]), f"{host}: {name}={value}"


def test_every_host_uses_https_on_5986_with_certificates_checked(inventory):
    transports = set()
    for host, variables in _hostvars(inventory).items():
        assert variables["ansible_port"] == 5986, host
        if variables["ansible_connection"] == "winrm":
            assert variables["ansible_winrm_scheme"] == "https", host
            assert variables["ansible_winrm_server_cert_validation"] == "validate", host
        else:
            assert variables["ansible_connection"] == "psrp", host
            assert variables["ansible_psrp_protocol"] == "https", host
            assert variables["ansible_psrp_cert_validation"] == "validate", host
        transports.add(variables["ansible_connection"])
    assert transports == {"winrm", "psrp"}


def test_become_for_shares_is_runas_with_new_credentials(inventory):
    for variables in _hostvars(inventory).values():
        assert variables["ansible_become_method"] == "runas"
        flags = dict(item.split("=") for item in variables["ansible_become_flags"].split())
        assert flags == {"logon_type": "new_credentials", "logon_flags": "netcredentials_only"}


def _keys(data: Any) -> list[tuple[str, Any]]:
    if isinstance(data, dict):
        return [(k, v) for k, v in data.items()] + [kv for v in data.values() for kv in _keys(v)]
    if isinstance(data, list):
        return [kv for item in data for kv in _keys(item)]
    return []


@pytest.mark.parametrize("path", sorted(p.relative_to(REPO) for d in ("extensions/inventory", "extensions/awx")
                                        for p in (REPO / d).rglob("*") if p.suffix in (".yml", ".yaml")),
                         ids=str)
def test_no_secret_in_a_loaded_file(path):
    text = (REPO / path).read_text(encoding="utf-8")
    data = yaml.load(text, Loader=_UnsafeTolerantLoader)
    for key, value in _keys(data):
        if SECRET_KEY.search(str(key)):
            # A secret-named string is empty or a reference filled at run time (flags such as secret: true are fine).
            assert not isinstance(value, str) or value == "" or "{{" in value, f"{path}: {key} has a value"


@pytest.mark.parametrize("path", sorted(p.relative_to(REPO) for p in INVENTORY_DIR.rglob("*.example")), ids=str)
def test_vault_examples_hold_placeholders_of_real_variables(path):
    data = yaml.safe_load((REPO / path).read_text(encoding="utf-8"))
    assert data
    known = set(_role_options()) | {"ansible_password", "ansible_become_password"}
    for key, value in data.items():
        assert key in known, f"{path}: {key}"
        assert re.fullmatch(r"<[^<>]+>", value), f"{path}: {key} must be a <placeholder>"


class _UnsafeTolerantLoader(yaml.SafeLoader):
    """SafeLoader that reads Ansible's ``!unsafe`` and ``!vault`` tags as plain strings."""


for _tag in ("!unsafe", "!vault"):
    _UnsafeTolerantLoader.add_constructor(_tag, lambda loader, node: loader.construct_scalar(node))
