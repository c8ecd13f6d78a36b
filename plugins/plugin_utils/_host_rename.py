# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Disaster recovery onto another host: which RuntimeSettings.xml values name the old host, and what they become.

After a restore onto a new machine the restored RuntimeSettings.xml still names the machine it was backed up on:
the Server UI's public address (``Gallery/BaseAddress``), a worker's or Server UI node's controller address
(``Worker/ServerName``) and, when MongoDB ran on the old machine, the MongoDB server names. The host step reads the
raw text of these elements from the override layer (never a secret: their names do not match the host's secret
pattern); this module decides the new text, and the host writes it back.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ansible_collections.alteryx.server.plugins.plugin_utils._cluster import _same_host

# (section, element) whose text may name a host. Each is rewritten only where it names the old host.
HOST_ELEMENTS = (
    ("Gallery", "BaseAddress"),
    ("Worker", "ServerName"),
    ("Controller", "MongoDBServerName"),
    ("Gallery", "MongoDBWebServerName"),
    ("Gallery", "MongoDBSearchServerName"),
)
# A host name as it appears in a URL or a host:port value: labels of letters, digits and hyphens joined by dots.
_HOST_TOKEN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*")
_NAME = re.compile(r"[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")


def element_names() -> list[str]:
    """The ``Section/Element`` names the host step reads."""
    return [f"{section}/{element}" for section, element in HOST_ELEMENTS]


def check_name(name: str, what: str) -> str:
    """``name`` when it is a plain host name (letters, digits, hyphens, dots); raises ValueError otherwise."""
    text = str(name or "").strip()
    if not _NAME.fullmatch(text):
        raise ValueError(f"{what} {name!r} is not a host name (letters, digits, hyphens and dots)")
    return text


def rewrite(value: str, source: str, target: str) -> str:
    """``value`` with every host name in it that is ``source`` (in full or by its first label) replaced by
    ``target``; the rest (scheme, port, path) stays as it was. A bare ``target`` keeps the domain of a fully
    qualified name it replaces (``alteryx01.corp.example`` -> ``dr01.corp.example``: a recovery host usually joins
    the same domain, and a short name in a public address would break DNS and TLS for remote users); a fully
    qualified ``target`` is written as given."""
    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        if not _same_host(found, source):
            return found
        return target + found[found.index("."):] if "." in found and "." not in target else target
    return _HOST_TOKEN.sub(replace, value)


def rename_edits(values: Iterable[Mapping[str, Any]], source: str, target: str) -> list[dict[str, str]]:
    """The edits that make the settings name ``target`` instead of ``source``.

    ``values``: [{name ('Section/Element'), value (raw text, None when the override layer has no such element)}].
    Returned items: ``name``, ``old`` (text now), ``new``. An element absent from the override layer takes the
    installer default, which names no host of ours, and is left alone.
    """
    edits = []
    for item in values:
        value = item.get("value")
        if value is None:
            continue
        new = rewrite(str(value), source, target)
        if new != value:
            edits.append({"name": str(item["name"]), "old": str(value), "new": new})
    return edits


def leftover_warnings(mentions: Iterable[str], edited: Iterable[str], source: str) -> list[str]:
    """Warnings for elements the host found naming ``source`` that no edit covered (an admin must check them)."""
    done = {name.rsplit("/", 1)[-1] for name in edited}
    rest = sorted({m for m in mentions if m not in done})
    if not rest:
        return []
    return [f"RuntimeSettings.xml still names {source} in {', '.join(rest)}: check these in System Settings"]
