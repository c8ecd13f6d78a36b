"""Twin of alteryx_progress.ps1: the bytes written so far under each path (folders recursively, hidden files
included as ``-Force`` does); a missing path, or a file gone while it is counted, counts 0."""

from __future__ import annotations


def _length(file):
    try:
        return file.stat().st_size
    except FileNotFoundError:  # removed during the walk: Get-ChildItem -ErrorAction SilentlyContinue skips it
        return None


def run(host, p, ctx):
    total, files, present = 0, 0, []
    for path in p["Paths"] or []:
        local = host.local_path(path)
        if not local.exists():
            continue
        present.append(path)
        members = [f for f in local.rglob("*") if f.is_file()] if local.is_dir() else [local]
        for member in members:
            size = _length(member)
            if size is not None:
                total += size
                files += 1
    return {"changed": False, "result": {"bytes": total, "files": files, "present": present}}
