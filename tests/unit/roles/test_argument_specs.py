"""Role argument specs (roles/*/meta/argument_specs.yml): well-formed, in step with defaults and README.

* every spec has a ``main`` entry point; every option is named ``alteryx_<role>_*`` and has a
  description and a type; ``defaults/main.yml`` and the spec list the same variables;
* ``tests/tools/gen_role_readme.py --check`` passes, so every role README matches its spec;
* ansible-playbook can load the spec and validate variables against it (a wrong type fails).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

REPO_ROOT = Path(__file__).resolve().parents[3]
VENV_BIN = Path(sys.executable).parent
GENERATOR = REPO_ROOT / "tests" / "tools" / "gen_role_readme.py"
PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "validate_role_spec.yml"
SPEC_FILES = sorted((REPO_ROOT / "roles").glob("*/meta/argument_specs.yml"))
ROLES = [path.parents[1].name for path in SPEC_FILES]

# Variables in defaults/main.yml that are derived values for the role's own tasks, not settings:
# they need no spec entry. Keep this short; a real setting belongs in the spec.
INTERNAL_DEFAULTS: dict[str, set[str]] = {"backup": set()}


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _options(role: str) -> dict[str, Any]:
    return _yaml(REPO_ROOT / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"]["main"]["options"]


def _defaults(role: str) -> dict[str, Any]:
    path = REPO_ROOT / "roles" / role / "defaults" / "main.yml"
    return (_yaml(path) or {}) if path.exists() else {}


def test_roles_have_argument_specs() -> None:
    roles_with_tasks = sorted(p.parents[1].name for p in (REPO_ROOT / "roles").glob("*/tasks/main.yml"))
    assert roles_with_tasks, "no roles found"
    assert roles_with_tasks == ROLES, "every role needs meta/argument_specs.yml"


@pytest.mark.parametrize("role", ROLES)
def test_spec_has_main_entry_point(role: str) -> None:
    specs = _yaml(REPO_ROOT / "roles" / role / "meta" / "argument_specs.yml")
    assert "main" in specs["argument_specs"]
    main = specs["argument_specs"]["main"]
    assert main.get("short_description")
    assert isinstance(main.get("options"), dict) and main["options"]


@pytest.mark.parametrize("role", ROLES)
def test_options_are_prefixed_described_and_typed(role: str) -> None:
    for entry_point, spec in _yaml(REPO_ROOT / "roles" / role / "meta" / "argument_specs.yml")["argument_specs"].items():
        for name, option in (spec.get("options") or {}).items():
            where = f"{role}:{entry_point}:{name}"
            assert name.startswith(f"alteryx_{role}_"), f"{where} must start with alteryx_{role}_"
            assert option.get("description"), f"{where} has no description"
            assert option.get("type"), f"{where} has no type"
            if option["type"] == "list":
                assert option.get("elements"), f"{where} is a list without elements"


@pytest.mark.parametrize("role", ROLES)
def test_spec_defaults_have_their_declared_types(role: str) -> None:
    validation = ArgumentSpecValidator(_options(role)).validate({})
    assert not validation.error_messages


@pytest.mark.parametrize("role", ROLES)
def test_defaults_and_spec_list_the_same_variables(role: str) -> None:
    internal = INTERNAL_DEFAULTS.get(role, set())
    defaults = set(_defaults(role))
    secrets = {name for name, option in _options(role).items() if option.get("no_log")}
    assert not secrets & defaults, f"secrets must have no default: {sorted(secrets & defaults)}"
    options = set(_options(role)) - secrets
    assert internal <= defaults, f"INTERNAL_DEFAULTS lists variables not in defaults/main.yml: {internal - defaults}"
    assert not (defaults - internal) - options, f"defaults without a spec entry: {sorted((defaults - internal) - options)}"
    assert not options - defaults, f"spec options without a default in defaults/main.yml: {sorted(options - defaults)}"


@pytest.mark.parametrize("role", ROLES)
def test_literal_defaults_match_the_spec(role: str) -> None:
    """A default that is not a template must equal the spec's documented default."""
    options = _options(role)
    for name, value in _defaults(role).items():
        if name not in options or (isinstance(value, str) and "{{" in value):
            continue
        assert "default" in options[name], f"{name} has a default in defaults/main.yml but none in the spec"
        assert value == options[name]["default"], f"{name}: defaults/main.yml {value!r} != spec {options[name]['default']!r}"


def _generator(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(GENERATOR), *args], capture_output=True, text=True, check=False,
                          cwd=REPO_ROOT)


def test_role_readmes_are_up_to_date() -> None:
    result = _generator("--check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_check_detects_a_stale_readme(tmp_path: Path) -> None:
    shutil.copy(REPO_ROOT / "galaxy.yml", tmp_path / "galaxy.yml")
    shutil.copytree(REPO_ROOT / "roles", tmp_path / "roles")
    readme = tmp_path / "roles" / ROLES[0] / "README.md"
    readme.write_text("stale\n", encoding="utf-8")
    assert _generator("--check", "--root", str(tmp_path)).returncode == 1
    assert readme.read_text(encoding="utf-8") == "stale\n", "--check must not write"
    assert _generator("--root", str(tmp_path)).returncode == 0
    first = readme.read_text(encoding="utf-8")
    assert first.startswith("<!-- Generated")
    assert _generator("--check", "--root", str(tmp_path)).returncode == 0
    assert _generator("--root", str(tmp_path)).returncode == 0
    assert readme.read_text(encoding="utf-8") == first, "output must be deterministic"


def _playbook(case: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": f"{REPO_ROOT / '.build' / 'collections'}:{REPO_ROOT / 'tests' / 'winsim'}",
        "ANSIBLE_CALLBACK_RESULT_FORMAT": "json",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCALHOST_WARNING": "0",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "0",
    }
    command = [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", str(PLAYBOOK),
               "-e", json.dumps({"spec_case": case, "alteryx_repo_root": str(REPO_ROOT)})]
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=REPO_ROOT, env=env, timeout=300)


def test_ansible_accepts_valid_role_variables() -> None:
    result = _playbook("valid")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ok=1" in result.stdout and "failed=0" in result.stdout


def test_ansible_rejects_a_wrongly_typed_role_variable() -> None:
    result = _playbook("wrong_type")
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0, output
    assert "failed=1" in output
    assert "argument 'alteryx_backup_min_keep' is of type str and we were unable to convert to int" in output
