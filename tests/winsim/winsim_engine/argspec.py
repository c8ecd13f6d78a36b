"""Validate a call's arguments against the real module's DOCUMENTATION, as Ansible.Basic would.

The payload carries only what the task passed; on Windows, Ansible.Basic rejects unknown
or wrong-typed options. We rebuild an argument spec from the installed collection's docs
(``.py`` DOCUMENTATION or ``.yml`` sidecar, with doc fragments) and run ansible-core's
``ArgumentSpecValidator`` on it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.plugins.loader import fragment_loader
from ansible.utils.plugin_docs import get_docstring

# Undocumented options ansible-core itself passes (async_status gets the async folder).
_INTERNAL_OPTIONS = {"_async_dir"}

# Documentation types that Ansible.Basic treats as plain strings.
_TYPE_MAP = {"path": "str", "sid": "str"}


def module_file(fqcn: str, suffixes: tuple[str, ...] = (".py", ".yml", ".yaml")) -> Path:
    """Locate the documentation file of a module given by FQCN."""
    namespace, collection, name = fqcn.split(".", 2)
    spec = importlib.util.find_spec(f"ansible_collections.{namespace}.{collection}")
    if spec is None or not spec.submodule_search_locations:
        raise LookupError(f"collection {namespace}.{collection} is not installed")
    for location in spec.submodule_search_locations:
        for suffix in suffixes:
            candidate = Path(location) / "plugins" / "modules" / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    raise LookupError(f"no documentation found for {fqcn}")


def ensure_collection_loader() -> None:
    """Install Ansible's collection finder when running outside ansible (CLI, pytest, async job)."""
    from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

    if any(type(finder).__name__ == "_AnsibleCollectionFinder" for finder in sys.meta_path):
        return
    paths = [p for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if p]
    _AnsibleCollectionFinder(paths=paths, scan_sys_paths=True)._install()


@functools.cache
def module_docs(fqcn: str) -> dict[str, Any]:
    """Return ``{'doc': ..., 'returndocs': ...}`` of an installed module."""
    ensure_collection_loader()
    path = module_file(fqcn)
    namespace, collection, _ = fqcn.split(".", 2)
    doc, _plainexamples, returndocs, _metadata = get_docstring(
        str(path), fragment_loader, collection_name=f"{namespace}.{collection}", is_module=True
    )
    return {"doc": doc or {}, "returndocs": returndocs or {}}


def spec_from_options(options: dict[str, Any]) -> dict[str, Any]:
    """Turn DOCUMENTATION ``options`` into an argument_spec."""
    spec: dict[str, Any] = {}
    for name, option in (options or {}).items():
        entry: dict[str, Any] = {"type": _TYPE_MAP.get(option.get("type", "str"), option.get("type", "str"))}
        for key in ("required", "choices", "aliases", "default", "no_log"):
            if key in option:
                entry[key] = option[key]
        if "elements" in option:
            entry["elements"] = _TYPE_MAP.get(option["elements"], option["elements"])
        if option.get("suboptions"):
            entry["options"] = spec_from_options(option["suboptions"])
        spec[name] = entry
    return spec


# Parsed specs survive the worker process (ansible forks one per task and host), keyed by every file they
# come from, so a changed module or doc fragment is parsed again.
_SPEC_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "argspec"


def _spec_sources(fqcn: str) -> str:
    path = module_file(fqcn)
    files = [path, *sorted((path.parent.parent / "doc_fragments").glob("*.py"))]
    import ansible
    stamp = [ansible.__version__, *(f"{f}:{f.stat().st_mtime_ns}:{f.stat().st_size}" for f in files)]
    return hashlib.sha256("\n".join(stamp).encode()).hexdigest()[:32]


@functools.cache
def module_spec(fqcn: str) -> dict[str, Any]:
    """The argument_spec of an installed module, parsed once per change of its files (cached on disk)."""
    ensure_collection_loader()
    cached = _SPEC_CACHE / f"{fqcn}.{_spec_sources(fqcn)}.json"
    try:
        return json.loads(cached.read_text())
    except (OSError, ValueError):
        pass
    spec = spec_from_options(module_docs(fqcn)["doc"].get("options", {}))
    try:
        text = json.dumps(spec)
        _SPEC_CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=_SPEC_CACHE, delete=False, suffix=".tmp") as handle:
            handle.write(text)
        os.replace(handle.name, cached)
    except (OSError, TypeError, ValueError):
        pass  # an unserialisable default or a read-only tree: parse again next time
    return spec


def validate(fqcn: str, args: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Validate ``args`` for module ``fqcn``.

    Returns ``(params, error)``: the validated parameters with defaults filled in, and
    Ansible's own error message (``Unsupported parameters for (...) module: ...``) or None.
    """
    spec = module_spec(fqcn)
    validator = ArgumentSpecValidator(
        spec,
        mutually_exclusive=None,
        required_together=None,
    )
    internal = {k: v for k, v in args.items() if k in _INTERNAL_OPTIONS}
    result = validator.validate({k: v for k, v in args.items() if k not in _INTERNAL_OPTIONS})
    if not result.error_messages:
        return {**result.validated_parameters, **internal}, None
    short = fqcn.rsplit(".", 1)[-1]
    messages = []
    for error in result.errors:
        if isinstance(error, UnsupportedError):
            messages.append(f"Unsupported parameters for ({short}) module: {error}")
        else:
            messages.append(str(error))
    return result.validated_parameters, "; ".join(messages)
