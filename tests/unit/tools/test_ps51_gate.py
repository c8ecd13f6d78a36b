"""The PowerShell 5.1 gate: every rule fires on its bad fixture only, and stays quiet on its good one."""

from __future__ import annotations

from pathlib import Path

import ps51_gate
import pytest

FIXTURES = Path(__file__).resolve().parents[2] / "tools" / "fixtures" / "ps51"


def _slug(rule_id: str) -> str:
    return rule_id.removeprefix("PS51-").lower().replace("-", "_")


@pytest.mark.parametrize("rule_id", sorted(ps51_gate.RULES))
def test_bad_fixture_triggers_exactly_its_rule(rule_id: str) -> None:
    findings = ps51_gate.check(FIXTURES / f"{_slug(rule_id)}_bad.ps1")
    assert findings, f"{rule_id} did not fire on its bad fixture"
    assert {f.rule for f in findings} == {rule_id}, [str(f) for f in findings]


@pytest.mark.parametrize("rule_id", sorted(ps51_gate.RULES))
def test_good_fixture_triggers_nothing(rule_id: str) -> None:
    findings = ps51_gate.check(FIXTURES / f"{_slug(rule_id)}_good.ps1")
    assert not findings, [str(f) for f in findings]


def test_every_fixture_belongs_to_a_rule() -> None:
    slugs = {_slug(rule_id) for rule_id in ps51_gate.RULES}
    orphans = [p.name for p in FIXTURES.glob("*.ps1") if p.stem.rsplit("_", 1)[0] not in slugs]
    assert not orphans


@pytest.mark.parametrize("rule_id", sorted(ps51_gate.RULES))
def test_rule_documents_its_heuristic(rule_id: str) -> None:
    assert (ps51_gate.RULES[rule_id].__doc__ or "").strip()


def test_bad_fixture_counts() -> None:
    # Each bad fixture holds several spellings of its construct; every one of them must be found.
    expected = {"PS51-NATIVE-REDIRECT": 4, "PS51-GCI-NOFORCE": 3, "PS51-RESOLVE-PATH-PREFIX": 4,
                "PS51-SERVICE-PENDING": 5, "PS51-STOP-PROCESS": 3, "PS51-PS7-JOIN-PATH": 3, "PS51-EXIT": 2,
                "PS51-PS7-NULL-COALESCE": 2, "PS51-PS7-NULL-CONDITIONAL": 2, "PS51-PS7-PIPELINE-CHAIN": 2,
                "PS51-PS7-CLEAN-BLOCK": 2, "PS51-PS7-PARALLEL": 2, "PS51-PS7-ENCODING": 2}
    counts = {rule_id: len(ps51_gate.check(FIXTURES / f"{_slug(rule_id)}_bad.ps1")) for rule_id in expected}
    assert counts == expected


def test_cli_output_and_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert ps51_gate.main([str(FIXTURES / "exit_bad.ps1")]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{FIXTURES / 'exit_bad.ps1'}:8:5: PS51-EXIT ")
    assert ps51_gate.main([str(FIXTURES / "exit_good.ps1")]) == 0


def test_no_scripts_is_an_error(tmp_path: Path) -> None:
    assert ps51_gate.main([str(tmp_path)]) == 1
