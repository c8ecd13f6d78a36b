"""Generate the key tables of docs/configuration.md from plugin_utils/_config.py.

``CONFIG_KEYS`` (backup-config.json key -> role setting) and ``FLAT_KEYS`` (the old flat keys) in
``plugins/plugin_utils/_config.py`` are the single source of truth; the defaults come from the role's
argument spec (``roles/backup/meta/argument_specs.yml``) and the types and the spec's defaults from
``plugins/plugin_utils/backup_config.schema.json``. The script rewrites only the blocks between
``<!-- BEGIN GENERATED: <name> -->`` and ``<!-- END GENERATED: <name> -->``; the prose around them is
written by hand. The output is deterministic, so CI can check that the document is up to date.

Usage:
    python tests/tools/gen_config_doc.py            # rewrite the generated blocks
    python tests/tools/gen_config_doc.py --check    # exit 1 if a block is out of date
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

import yaml

REPO_ROOT = Path(__file__).resolve().parents[2]
DOC = Path("docs") / "configuration.md"
ROLE_SPEC = Path("roles") / "backup" / "meta" / "argument_specs.yml"
BLOCK = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[a-z_]+) .*?-->\n)(?P<body>.*?)(<!-- END GENERATED: (?P=name) -->)",
                   re.DOTALL)


def _config_module(root: Path) -> Any:
    """Import plugin_utils/_config.py as the collection alteryx.server found through .build/collections."""
    collections = root / ".build" / "collections"
    if not (collections / "ansible_collections" / "alteryx" / "server").exists():
        raise SystemExit(f"{collections}/ansible_collections/alteryx/server is missing: run `make setup` first")
    sys.path.insert(0, str(collections))
    from ansible_collections.alteryx.server.plugins.plugin_utils import _config

    return _config


def _code(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = text if text else '""'
    return f"`{text}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _type(node: dict[str, Any]) -> str:
    kinds = node.get("type", "")
    text = " or ".join(kinds) if isinstance(kinds, list) else kinds
    if text == "array":
        text = f"array of {node['items']['type']}"
    return text


def keys_table(config: Any, options: dict[str, Any]) -> str:
    """One row per CONFIG_KEYS entry: file key, role variable, default, type, notes."""
    rows = ["| Key in backup-config.json | Role variable | Default | Type | Notes |", "| --- | --- | --- | --- | --- |"]
    for entry in config.CONFIG_KEYS:
        node = config.schema_node(entry.key)
        if entry.status == config.ACCEPTED:
            variable = f"none (`settings.{entry.setting}`)"
            default = f"{_code(node.get('default'))} (spec)"
            note = f"**Accepted, not acted on yet:** {entry.note}"
        else:
            variable = f"`{entry.variable}`"
            option = options.get(entry.variable)
            if option is None:
                raise SystemExit(f"{entry.variable} (for {entry.key}) is not in {ROLE_SPEC}")
            default = _code(option["default"]) if "default" in option else ""
            note = entry.note if entry.status == config.USED else f"**Not acted on yet.** {entry.note}"
        rows.append(f"| `{entry.key}` | {variable} | {_cell(default)} | {_type(node)} | {_cell(note)} |")
    return "\n".join(rows) + "\n"


def flat_table(config: Any, options: dict[str, Any]) -> str:
    """One row per old flat key: where it goes in the nested file, or that it is a role variable only."""
    by_setting = {entry.setting: entry for entry in config.CONFIG_KEYS}
    rows = ["| Old flat key | Role variable | Key in the nested file |", "| --- | --- | --- |"]
    for key, setting in config.FLAT_KEYS.items():
        variable = f"alteryx_backup_{setting}"
        if variable not in options:
            raise SystemExit(f"{variable} (old flat key {key}) is not in {ROLE_SPEC}")
        entry = by_setting.get(setting)
        if entry is None:
            target = "none: set the role variable instead"
        else:
            target = f"`{entry.key}`" + (" (in MB: bytes / 1048576)" if entry.convert else "")
        rows.append(f"| `{key}` | `{variable}` | {target} |")
    return "\n".join(rows) + "\n"


def render(text: str, root: Path) -> str:
    """``text`` with every generated block rewritten."""
    config = _config_module(root)
    specs = yaml.safe_load((root / ROLE_SPEC).read_text(encoding="utf-8"))
    options = specs["argument_specs"]["main"]["options"]
    blocks = {"keys": keys_table(config, options), "flat_keys": flat_table(config, options)}
    found = {match.group("name") for match in BLOCK.finditer(text)}
    if found != set(blocks):
        raise SystemExit(f"{DOC} must hold the generated blocks {sorted(blocks)}; found {sorted(found)}")
    return BLOCK.sub(lambda m: m.group(1) + blocks[m.group("name")] + m.group(4), text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if the document is out of date")
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="collection root (default: this checkout)")
    args = parser.parse_args(argv)
    root = args.root.resolve()
    path = root / DOC
    current = path.read_text(encoding="utf-8")
    text = render(current, root)
    if text == current:
        return 0
    if args.check:
        print(f"out of date (run python tests/tools/gen_config_doc.py): {DOC}", file=sys.stderr)
        return 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
