"""Python fakes of the Windows modules the collection calls.

Each fake is ``fn(host, params, ctx) -> result`` registered under the module's FQCN with
``@fake(...)``. ``params`` are already validated against the real module's documentation;
results carry the keys of the installed collection's RETURN docs (a test checks it).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..host import Host

Result = dict[str, Any]
REGISTRY: dict[str, Callable[[Host, dict[str, Any], Context], Result]] = {}


@dataclass
class Context:
    """How a module was called."""

    host: Host
    check_mode: bool = False
    no_log: bool = False
    key: str = ""
    disk_full: bool = False
    # The fault rule that fired on this call (faults.json), for fakes that model their own kinds.
    fault: dict[str, Any] | None = None


def fake(*fqcns: str) -> Callable:
    """Register a fake for one or more module FQCNs."""

    def register(fn: Callable) -> Callable:
        for fqcn in fqcns:
            REGISTRY[fqcn] = fn
        return fn

    return register


def _load_all() -> None:
    for info in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{info.name}")


_load_all()
