"""Syntax gate for the collection's PowerShell: parse with tree-sitter-powershell and check the house rules.

Every script must parse without ERROR/MISSING nodes, start with the ``# alteryx.server: <name>`` marker
matching its file name, carry a contract header, and set ``Set-StrictMode -Version 2.0`` and
``$ErrorActionPreference = 'Stop'``. Exit status 1 lists every problem.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, so this folder is on sys.path; psast holds the one tree-sitter loader.
from psast import PARSER


def problems(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = []
    tree = PARSER.parse(text.encode("utf-8"))
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "ERROR" or node.is_missing:
            snippet = text.encode()[node.start_byte:node.start_byte + 40]
            found.append(f"{path}:{node.start_point[0] + 1}: syntax error near {snippet!r}")
        stack.extend(node.children)
    lines = text.splitlines()
    if not lines or lines[0].strip() != f"# alteryx.server: {path.stem}":
        found.append(f"{path}:1: first line must be '# alteryx.server: {path.stem}'")
    if len(lines) < 2 or not lines[1].startswith("# Contract:"):
        found.append(f"{path}:2: second line must start the '# Contract:' header")
    if "Set-StrictMode -Version 2.0" not in text:
        found.append(f"{path}: missing Set-StrictMode -Version 2.0")
    if "$ErrorActionPreference = 'Stop'" not in text:
        found.append(f"{path}: missing $ErrorActionPreference = 'Stop'")
    return found


def main(roots: list[str]) -> int:
    scripts = sorted(p for root in roots for p in Path(root).rglob("*.ps1"))
    issues = [issue for script in scripts for issue in problems(script)]
    for issue in issues:
        print(issue)
    print(f"ps-syntax: {len(scripts)} script(s), {len(issues)} problem(s)")
    return 1 if issues or not scripts else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["plugins"]))
