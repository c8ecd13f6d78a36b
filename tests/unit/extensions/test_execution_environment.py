"""execution-environment.yml and meta/execution-environment.yml: ansible-builder accepts them and the image gets
what the collection needs. No container engine exists here, so ``ansible-builder create`` (the Containerfile and
build context) and ``ansible-builder introspect`` (what a collection adds) are what runs.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parents[3]
EE_FILE = REPO / "execution-environment.yml"
BIN = Path(sys.executable).parent
VERSION = yaml.safe_load((REPO / "galaxy.yml").read_text(encoding="utf-8"))["version"]
TARBALL = f"alteryx-server-{VERSION}.tar.gz"
# Third-party imports of plugins/ and the requirement that provides each; ansible-core brings ansible and yaml.
IMPORT_PROVIDERS = {"bson": "pymongo", "pymongo": "pymongo", "defusedxml": "defusedxml", "jsonschema": "jsonschema",
                    "boto3": "boto3", "botocore": "boto3", "azure": "azure-storage-blob"}
# cryptography is a dependency of ansible-core itself.
FROM_ANSIBLE_CORE = {"ansible", "ansible_collections", "yaml", "jinja2", "cryptography"}
CONNECTIONS = {"pywinrm": {"kerberos", "credssp"}, "pypsrp": {"kerberos", "credssp"}}


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*args], capture_output=True, text=True, cwd=cwd, timeout=300)


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements/constraints.txt").read_text(encoding="utf-8").splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def _requirements(lines: list[str]) -> list[Requirement]:
    return [Requirement(line.split("#")[0].strip()) for line in lines if line.split("#")[0].strip()]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The collection built from this checkout, where execution-environment.yml expects it (.build/dist)."""
    root = tmp_path_factory.mktemp("ee")
    shutil.copy(EE_FILE, root / EE_FILE.name)
    proc = _run(str(BIN / "ansible-galaxy"), "collection", "build", "--output-path", str(root / ".build/dist"),
                str(REPO), cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root


@pytest.fixture(scope="module")
def context(built) -> Path:
    proc = _run(str(BIN / "ansible-builder"), "create", "-f", EE_FILE.name, "-c", "context",
                "--output-filename", "Containerfile", cwd=built)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "No matches" not in proc.stdout + proc.stderr
    return built / "context"


def test_create_writes_a_containerfile_from_the_public_minimal_ee(context):
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert re.search(r'^ARG EE_BASE_IMAGE="ghcr\.io/ansible-community/community-ee-minimal:[\w.-]+"$', containerfile,
                     re.MULTILINE)
    pins = _constraints()
    assert f'ARG ANSIBLE_INSTALL_REFS="ansible-core=={pins["ansible-core"]} ansible-runner=={pins["ansible-runner"]}"' \
        in containerfile
    # The galaxy stage installs from /build, where the build context's _build folder (with the tarball) lands.
    assert "COPY _build /build" in containerfile and "-r requirements.yml" in containerfile
    assert "import winrm, pypsrp, kerberos, gssapi, krb5, requests_credssp" in containerfile
    assert "ansible-doc alteryx.server.alteryx_facts" in containerfile


def test_the_collection_from_this_checkout_is_in_the_context(context, built):
    galaxy = yaml.safe_load((context / "_build/requirements.yml").read_text(encoding="utf-8"))
    collections = {entry["name"]: entry for entry in galaxy["collections"]}
    assert collections[f"collections/{TARBALL}"]["type"] == "file", "bump the tarball name with galaxy.yml's version"
    copied = context / "_build/collections" / TARBALL
    assert copied.read_bytes() == (built / ".build/dist" / TARBALL).read_bytes()
    tags = yaml.safe_load(EE_FILE.read_text(encoding="utf-8"))["options"]["tags"]
    assert all(tag.endswith(f":{VERSION}") for tag in tags)


def test_windows_collections_are_the_tested_versions(context):
    galaxy = yaml.safe_load((context / "_build/requirements.yml").read_text(encoding="utf-8"))
    wanted = {entry["name"]: str(entry["version"]) for entry in galaxy["collections"] if "version" in entry}
    for name, version in wanted.items():
        installed = _installed_collection_version(name)
        assert version == installed, f"{name}: the image gets {version}, the tests run {installed}"
    assert set(wanted) == {"ansible.windows", "community.windows"}


def _installed_collection_version(fqcn: str) -> str:
    namespace, name = fqcn.split(".")
    spec = importlib.util.find_spec(f"ansible_collections.{namespace}.{name}")
    assert spec and spec.submodule_search_locations, f"{fqcn} is not installed"
    manifest = Path(next(iter(spec.submodule_search_locations))) / "MANIFEST.json"
    return json.loads(manifest.read_text(encoding="utf-8"))["collection_info"]["version"]


def test_python_requirements_are_pinned_to_the_tested_versions(context):
    lines = (context / "_build/requirements.txt").read_text(encoding="utf-8").splitlines()
    pins = _constraints()
    requirements = _requirements(lines)
    assert {r.name for r in requirements} == {"pywinrm", "pypsrp", "pymongo", "defusedxml", "jsonschema", "boto3",
                                                "azure-storage-blob"}
    for requirement in requirements:
        assert str(requirement.specifier) == f"=={pins[requirement.name.lower()]}", requirement
        assert requirement.extras >= CONNECTIONS.get(requirement.name, set())


def test_system_requirements_are_valid_bindep_with_kerberos(context):
    from bindep.depends import Depends

    text = (context / "_build/bindep.txt").read_text(encoding="utf-8")
    rules = Depends(text)._rules
    names = {rule[0] for rule in rules}
    assert {"krb5-devel", "krb5-workstation", "gcc", "python3-devel"} <= names
    compile_only = {rule[0] for rule in rules if any(selector[1] == "compile" for selector in rule[1])}
    assert compile_only == {"gcc", "python3-devel", "krb5-devel"}, "build tools stay out of the final image"


def test_collection_metadata_adds_what_the_code_imports(built, tmp_path):
    installed = tmp_path / "installed"
    proc = _run(str(BIN / "ansible-galaxy"), "collection", "install", "--offline", "--no-deps", "--force", "-p", str(installed),
                str(built / ".build/dist" / TARBALL), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    meta = installed / "ansible_collections/alteryx/server/meta"
    assert {p.name for p in meta.iterdir()} >= {"execution-environment.yml", "ee-requirements.txt", "ee-bindep.txt"}
    proc = _run(str(BIN / "ansible-builder"), "introspect", str(installed), cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    data = yaml.safe_load(proc.stdout.split("\n", 1)[1])
    ours = [line.split("#")[0].strip() for line in data["python"] if "from collection alteryx.server" in line]
    requirements = {r.name: r for r in _requirements(ours)}
    assert set(requirements) >= set(IMPORT_PROVIDERS.values()) | set(CONNECTIONS)
    for name, extras in CONNECTIONS.items():
        assert requirements[name].extras >= extras
    assert not [line for line in ours if line.startswith("-") or "./" in line], "no -e ./cli or other local paths"
    system = [line.split("#")[0].strip() for line in data["system"] if "from collection alteryx.server" in line]
    assert any(line.startswith("krb5-devel ") for line in system)
    assert set(_third_party_imports()) <= set(IMPORT_PROVIDERS) | FROM_ANSIBLE_CORE


def _third_party_imports() -> set[str]:
    found: set[str] = set()
    for path in (REPO / "plugins").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return {name for name in found if name not in sys.stdlib_module_names}


def test_a_missing_tarball_is_reported(tmp_path):
    """Without `make build` first, ansible-builder only warns; the image build would then fail in ansible-galaxy."""
    shutil.copy(EE_FILE, tmp_path / EE_FILE.name)
    proc = _run(str(BIN / "ansible-builder"), "create", "-f", EE_FILE.name, "-c", "context", cwd=tmp_path)
    assert proc.returncode == 0
    assert f"No matches for '.build/dist/{TARBALL}'" in proc.stdout + proc.stderr
    assert not (tmp_path / "context/_build/collections" / TARBALL).exists()


def _ee() -> dict[str, Any]:
    return yaml.safe_load(EE_FILE.read_text(encoding="utf-8"))


def test_definition_is_version_3():
    assert _ee()["version"] == 3
    assert yaml.safe_load((REPO / "meta/execution-environment.yml").read_text(encoding="utf-8")) == {
        "version": 1, "dependencies": {"python": "meta/ee-requirements.txt", "system": "meta/ee-bindep.txt"}}
