"""meta/runtime.yml's action group holds every module of the collection, so module_defaults for
group/alteryx.server.alteryx reach each of them."""

from __future__ import annotations

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[4]


def test_every_module_is_in_the_action_group():
    group = yaml.safe_load((ROOT / "meta" / "runtime.yml").read_text())["action_groups"]["alteryx"]
    modules = sorted(path.stem for path in (ROOT / "plugins" / "modules").glob("alteryx_*.py"))
    assert sorted(group) == modules
    assert len(group) == len(set(group)), "a module is listed twice"
