"""Write docs/reliability.md from a pytest JUnit XML report: tried and passed per test (category).

Usage: python tests/tools/reliability_report.py REPORT.xml OUT.md COMMAND
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import OrderedDict
from datetime import UTC, datetime
from pathlib import Path

HEADER = """# Reliability figures

Safe runs (issue 7): one run per host, a good backup is never lost, services end as the admin left them,
bad settings are refused before anything is touched, no host secret is ever printed. Every case is a real
`ansible-playbook` run against a winsim host; the verdicts come from the host's files, state and journal.

Produced on {date} (2-core Linux machine, winsim) by:

    {command}

| File | Test (category) | Tried | Passed |
|---|---|---:|---:|
"""


def main(report: str, out: str, command: str) -> int:
    rows: OrderedDict[tuple[str, str], list[int]] = OrderedDict()
    for case in ET.parse(report).getroot().iter("testcase"):
        name = case.get("name", "").split("[", 1)[0]
        module = case.get("classname", "").rsplit(".", 1)[-1]
        counts = rows.setdefault((module, name), [0, 0])
        if case.find("skipped") is not None:
            continue
        counts[0] += 1
        if case.find("failure") is None and case.find("error") is None:
            counts[1] += 1
    modules = list(OrderedDict.fromkeys(module for module, _ in rows))
    ordered = sorted(rows.items(), key=lambda item: modules.index(item[0][0]))
    lines = [f"| {module} | {name.removeprefix('test_').replace('_', ' ')} | {tried} | {passed} |"
             for (module, name), (tried, passed) in ordered]
    tried = sum(t for t, _ in rows.values())
    passed = sum(p for _, p in rows.values())
    lines.append(f"| **all** | | **{tried}** | **{passed}** |")
    header = HEADER.format(command=command, date=datetime.now(UTC).strftime("%Y-%m-%d"))
    Path(out).write_text(header + "\n".join(lines) + "\n" + FOOTER)
    return 0 if tried == passed else 1


FOOTER = """
## What the categories prove

- **Runs started together** (2, 5, 10 `ansible-playbook` processes at once, same second): exactly one archive,
  one service stop in the journal, the service running; every other run fails at once saying it changed nothing.
  The lock is created with `CreateNew`; each run stages in a folder named after its run id.
- **kill -9 at ten moments** (seeded): the whole controller process group is killed at a random moment of a
  Full run; the next run from the same controller takes the lock over at once (its ansible-playbook process is
  gone), or, while the dead run's dump job still runs, is refused with that job's end time -- never for
  `lock_stale_seconds`. Every archive left verifies against its sidecar; nothing partial stays.
- **A long dump** (8 s dump, `lock_stale_seconds` 4): the lock's heartbeat (its file time) never gets older than
  the stale period while the dump runs, and a second run started meanwhile touches nothing.
- **Services end as they were found**: a service the administrator left stopped is neither started nor stopped
  by a clean run or by runs failing early (facts, preflight) or late (dump, archive, finalize).
- **Faults after publishing** (retention, service check, log/cleanup; failed call or lost reply): the verified
  archive and its network copy stay, the failure is reported with its class, the service runs.
- **Double faults**, one of them in the rescue path: the service ends running, nothing partial is published, and
  the next run succeeds (taking over the lock the failed cleanup left).
- **Hung host calls**: `alteryx_backup_step_timeout` ends them; the rescue runs.
- **Bad settings**: each is refused in the first task with no host call at all (journal empty, service running).
- **Retention safety**: 0-byte, wrong-sidecar and look-alike archives never count as the newest good backup.
- **No secret printed**: canary passwords in RuntimeSettings.xml and in AlteryxService.exe's answers never appear
  at `-vvvv` or with `ANSIBLE_DEBUG=1`.
- **Fault matrix** (`test_faults.py`): a fault at every host call of every mode.

## Known limits

- Wrongly typed values (`"abc"` for a number, `"maybe"` for a bool) are refused by the role's argument spec
  before the role starts: the message names the variable, but the failure carries no `failure_class`.
- Two runs started in the same second append to the same `BackupLog_{Mode}_YYYYMMDD_HHmmss.log` (the spec's name
  has no run id); the refused run's lines say it changed nothing.
- When a failed run's cleanup itself fails before it could wait for a lost dump job, the rescue's restart may
  start the service while that job still dumps; the job then starts it again in its own `finally`.
- Taking a lock over at once needs the holder's controller to be this machine (Linux `/proc`); a holder from
  another controller is taken over after `lock_stale_seconds` without heartbeat.
"""

if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
