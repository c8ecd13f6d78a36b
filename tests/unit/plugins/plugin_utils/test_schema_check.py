"""The compiled yes/no schema check answers exactly what jsonschema answers, and is what validate_manifest asks first."""

from __future__ import annotations

import copy
import json
import time
from datetime import datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from ansible_collections.alteryx.server.plugins.plugin_utils import _manifest
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._schema_check import (
    TYPES,
    UnsupportedSchema,
    compile_check,
)

SHA = "ab" * 32
FACTS = {"computer_name": "ALTERYX01", "is_admin": True, "version": "2023.1", "service": {"name": "AlteryxService"},
         "roles": ["controller", "worker", "ui"], "persistence": {"type": "embedded"}}
FILE = {"archive_path": "Config/RuntimeSettings.xml", "source_path": "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml",
        "size": 100, "sha256": SHA, "category": "config", "last_modified": "2024-01-10T14:23:11Z"}
DIRECTORY = {"archive_path": "Config/Keys", "source_path": "C:\\ProgramData\\Alteryx\\Keys", "file_count": 2,
             "total_bytes": 10}


def _dump(collections: int) -> dict[str, Any]:
    files = [{"path": f"AlteryxGallery\\c{i:05d}{suffix}", "size": 100, "sha256": SHA}
             for i in range(collections) for suffix in (".bson", ".metadata.json")]
    return {"files": files, "workflows_running": 0, "databases": [
        {"name": "AlteryxGallery", "collections": [{"name": f"c{i:05d}", "documents": 1, "bytes": 100}
                                                   for i in range(collections)]}]}


def _manifest_of(mode: str = "Full", collections: int = 3) -> dict[str, Any]:
    return _manifest.build_manifest(
        mode=mode, archive_name=f"ServerBackup_{ {'Full': 'Full', 'DatabaseOnly': 'DB'}.get(mode, 'Config')}"
                                    "_20250101_000000.zip",
        run_id="r1", started=datetime(2025, 1, 1, 2, 0), facts=FACTS, version="0.1.0",
        dump=_dump(collections) if mode != "ConfigOnly" else {},
        files=[FILE] if mode != "DatabaseOnly" else [], directories=[DIRECTORY] if mode != "DatabaseOnly" else [])


SCHEMA = json.loads(_manifest.SCHEMA_PATH.read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)
CHECK = compile_check(VALIDATOR)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every location inside a JSON document (the root excluded)."""
    found = []
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    for key, value in items:
        found.append(prefix + (key,))
        found.extend(_paths(value, prefix + (key,)))
    return found


VALUES = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2.0, 2.0, allow_nan=False),
                   st.sampled_from(["", "x", "a/b", "/abs", "MongoDB/x.bson", SHA, SHA.upper(), "C:\\x\\",
                                    "Directory", "2025-01-01T02:00:00Z", "controller", "Full", "embedded"]),
                   st.just([]), st.just({}), st.just(["controller", "controller"]))


@settings(max_examples=400, deadline=None)
@given(mode=st.sampled_from(["Full", "DatabaseOnly", "ConfigOnly"]), data=st.data())
def test_compiled_check_agrees_with_jsonschema_on_edited_manifests(mode: str, data: st.DataObject) -> None:
    manifest = _manifest_of(mode)
    edits = data.draw(st.integers(0, 3))
    for _ in range(edits):
        paths = _paths(manifest)
        path = data.draw(st.sampled_from(paths))
        parent = manifest
        for key in path[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["set", "delete", "add"]))
        if action == "set":
            parent[path[-1]] = copy.deepcopy(data.draw(VALUES))  # st.just shares its object between examples
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, dict):
            key = data.draw(st.sampled_from(["Extra", "SHA256", "Type", "ServiceNotStopped"]))
            parent[key] = copy.deepcopy(data.draw(VALUES))
        else:
            parent.append(copy.deepcopy(parent[0] if parent and data.draw(st.booleans()) else data.draw(VALUES)))
    assert CHECK(manifest) is VALIDATOR.is_valid(manifest)


@pytest.mark.parametrize("mode", ["Full", "DatabaseOnly", "ConfigOnly"])
def test_every_mode_is_valid_to_both(mode: str) -> None:
    manifest = _manifest_of(mode)
    assert VALIDATOR.is_valid(manifest)
    assert CHECK(manifest) is True


@pytest.mark.parametrize("value", [None, True, False, 0, 1, -1, 1.0, 1.5, 2**70, "", "1", [], {}, [1], {"a": 1}])
def test_types_are_jsonschemas(value: Any) -> None:
    for name, test in TYPES.items():
        assert test(value) is Draft202012Validator.TYPE_CHECKER.is_type(value, name), (name, value)


@pytest.mark.parametrize(("schema", "value"), [
    ({"type": "integer"}, 1.0), ({"type": "integer"}, True), ({"type": ["string", "null"]}, None),
    ({"minimum": 0}, "text"), ({"minimum": 0}, -1), ({"maximum": 3}, 4), ({"minLength": 2}, 5), ({"maxLength": 1}, "ab"),
    ({"pattern": "^a"}, "ba"), ({"minItems": 1}, []), ({"maxItems": 0}, [1]), ({"items": {"type": "string"}}, [1]),
    ({"required": ["a"]}, {}), ({"required": ["a"]}, []), ({"properties": {"a": False}}, {"a": 1}),
    ({"additionalProperties": False, "patternProperties": {"^x": {}}}, {"xa": 1}),
    ({"additionalProperties": False, "patternProperties": {"^x": {}}}, {"ya": 1}),
    ({"additionalProperties": {"type": "integer"}, "properties": {"a": {}}}, {"a": "s", "b": "s"}),
    ({"additionalProperties": 0}, {"a": 1}), ({"oneOf": [{"type": "integer"}, {"minimum": 0}]}, 1),
    ({"anyOf": [{"type": "integer"}, {"type": "null"}]}, "s"), ({"allOf": [True, False]}, 1),
    # Keywords it does not compile are answered by jsonschema itself, refs resolved against the root.
    ({"not": {"$ref": "#/$defs/i"}, "$defs": {"i": {"type": "integer"}}}, 1),
    ({"uniqueItems": True}, [1, True]), ({"uniqueItems": True}, [1, 1.0]), ({"const": 1}, True), ({"enum": [1]}, 1.0),
    ({"if": {"type": "integer"}, "then": {"minimum": 5}}, 3), ({"prefixItems": [{}], "items": False}, [1, 2]),
    ({"x-unknown": 1, "type": "string"}, "s"),
    ({"$ref": "#/$defs/n", "$defs": {"n": {"type": "array", "items": {"$ref": "#/$defs/n"}}}}, [[[]], [[1]]]),
])
def test_each_keyword_agrees_with_jsonschema(schema: dict[str, Any], value: Any) -> None:
    validator = Draft202012Validator(schema)
    assert compile_check(validator)(value) is validator.is_valid(value)


@pytest.mark.parametrize("schema", [
    {"unevaluatedProperties": False}, {"properties": {"a": {"$id": "https://x.invalid/a"}}},
    {"$ref": "https://x.invalid/remote"}, {"$ref": "#/$defs/missing"}, {"type": "decimal"},
    {"properties": {"a": 3}},
])
def test_what_it_cannot_compile_exactly_is_refused(schema: dict[str, Any]) -> None:
    with pytest.raises(UnsupportedSchema):
        compile_check(Draft202012Validator(schema))


def test_validate_manifest_falls_back_to_jsonschema_for_the_messages() -> None:
    manifest = _manifest_of()
    manifest["Extensions"]["MongoDB"]["DumpFiles"][3]["SHA256"] = "zz"
    with pytest.raises(AlteryxStepError, match=r"Extensions\.MongoDB\.DumpFiles\[3\]\.SHA256: 'zz'") as err:
        _manifest.validate_manifest(manifest)
    assert err.value.failure_class == "validation"


def test_validate_manifest_uses_jsonschema_alone_when_the_schema_cannot_be_compiled(monkeypatch) -> None:
    monkeypatch.setattr(_manifest, "_valid", lambda: None)
    _manifest.validate_manifest(_manifest_of())
    manifest = _manifest_of()
    manifest["BackupMetadata"]["BackupMode"] = "Partial"
    with pytest.raises(AlteryxStepError, match=r"BackupMetadata\.BackupMode: 'Partial' is not one of"):
        _manifest.validate_manifest(manifest)


def test_a_manifest_of_10000_collections_validates_in_well_under_a_second() -> None:
    manifest = _manifest_of(collections=10_000)
    _manifest._valid()  # compiled once per process, not per call
    began = time.perf_counter()
    _manifest.validate_manifest(manifest)
    # jsonschema alone takes about 6 s on this machine (issue 13); the compiled check about 0.3 s.
    assert time.perf_counter() - began < 2.0
