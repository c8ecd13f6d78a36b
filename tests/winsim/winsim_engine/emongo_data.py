"""What the embedded MongoDB of a simulated controller holds, kept in its live data folder so that it round-trips.

A data folder that emongorestore filled (or that a test changed through ``winsim mongo``) holds a WiredTiger-like
catalog, ``_mdb_catalog.wt`` (JSON: the namespaces it holds, in order), and one ``collection-<db>--<coll>.wt`` per
collection holding that collection's documents as concatenated BSON. emongodump dumps exactly that. A folder never
restored nor changed has no catalog: the embedded MongoDB then holds the host's seeded dataset (``alteryx.dataset``),
which is what a freshly built host starts with.

The live folder is the one at ``state.persistence.path`` (the restore switches folders by renaming, so the path
stays). Tests change the content with ``drop_collection``, ``delete_documents`` and ``set_field`` (also on the
command line: ``winsim mongo HOST_ROOT drop DB.COLL`` ...); each first materialises the seeded dataset into the
folder, as the first write of a real mongod would.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import bson

from .host import Host

CATALOG = "_mdb_catalog.wt"
DEFAULT_DATA_PATH = "C:\\ProgramData\\Alteryx\\Service\\Persistence\\MongoDB"
Content = dict[str, dict[str, list[dict[str, Any]]]]


def data_path(host: Host) -> str:
    """The Windows path of the embedded MongoDB's live data folder."""
    return str((host.state().get("persistence") or {}).get("path") or DEFAULT_DATA_PATH)


def _collection_file(folder: Path, database: str, collection: str) -> Path:
    return folder / f"collection-{database}--{collection}.wt"


def read_folder(folder: Path) -> Content | None:
    """The content a data folder holds, or None when it has no catalog (never restored nor changed)."""
    catalog = folder / CATALOG
    if not catalog.is_file():
        return None
    content: Content = {}
    for namespace in json.loads(catalog.read_text(encoding="utf-8")):
        database, collection = namespace.split(".", 1)
        data = _collection_file(folder, database, collection).read_bytes()
        content.setdefault(database, {})[collection] = bson.decode_all(data)
    return content


def write_folder(host: Host, folder: Path, content: Content) -> None:
    """Write ``content`` into ``folder`` (catalog last, so a folder cut short by a full disk holds no catalog)."""
    namespaces = []
    for database, collections in content.items():
        for collection, docs in collections.items():
            host.write_bytes(_collection_file(folder, database, collection),
                             b"".join(bson.encode(doc) for doc in docs))
            namespaces.append(f"{database}.{collection}")
    host.write_bytes(folder / CATALOG, json.dumps(namespaces).encode())


def live_content(host: Host) -> Content:
    """What the embedded MongoDB serves now: the live folder's content, else the seeded dataset."""
    from .alteryx import dataset

    found = read_folder(host.local_path(data_path(host)))
    return found if found is not None else dataset(host.state())


def _change(host: Host, edit) -> Content:
    content = live_content(host)
    edit(content)
    folder = host.local_path(data_path(host))
    for stale in folder.glob("collection-*--*.wt"):
        stale.unlink()
    write_folder(host, folder, content)
    return content


def drop_collection(host: Host, database: str, collection: str) -> int:
    """Drop ``database.collection`` from the live data; returns how many documents it held (KeyError if none)."""
    dropped: list[int] = []

    def edit(content: Content) -> None:
        dropped.append(len(content[database].pop(collection)))
    _change(host, edit)
    host.event("emongo_data_changed", change="drop", namespace=f"{database}.{collection}")
    return dropped[0]


def delete_documents(host: Host, database: str, collection: str, count: int) -> None:
    """Delete the first ``count`` documents of ``database.collection`` from the live data."""
    def edit(content: Content) -> None:
        del content[database][collection][:count]
    _change(host, edit)
    host.event("emongo_data_changed", change="delete", namespace=f"{database}.{collection}", count=count)


def set_field(host: Host, database: str, collection: str, field: str, value: Any) -> None:
    """Set ``field`` to ``value`` in every document of ``database.collection`` of the live data."""
    def edit(content: Content) -> None:
        for doc in content[database][collection]:
            doc[field] = value
    _change(host, edit)
    host.event("emongo_data_changed", change="set", namespace=f"{database}.{collection}", field=field)


def cli(host_root: str, action: str, namespace: str, extra: list[str]) -> dict[str, Any]:
    """``winsim mongo HOST_ROOT show|drop|delete|set DB.COLL [COUNT | FIELD=VALUE]``; returns what it did."""
    host = Host(host_root)
    database, _, collection = namespace.partition(".")
    if action == "show":
        content = live_content(host)
        return {db: {c: len(docs) for c, docs in colls.items()} for db, colls in content.items()}
    if action == "drop":
        return {"dropped": namespace, "documents": drop_collection(host, database, collection)}
    if action == "delete":
        delete_documents(host, database, collection, int(extra[0]) if extra else 1)
        return {"deleted": namespace}
    if action == "set":
        field, _, value = (extra[0] if extra else "").partition("=")
        if not field:
            raise ValueError("set needs FIELD=VALUE")
        set_field(host, database, collection, field, value)
        return {"set": namespace, "field": field}
    raise ValueError(f"unknown action {action!r}: show, drop, delete or set")
