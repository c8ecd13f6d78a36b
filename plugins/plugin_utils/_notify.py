# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a backup run tells people: the notification message and the Windows Event Log entry (pure logic).

The input is each host's outcome as the backup role publishes it with ``set_stats`` (``alteryx_backup.<host>``:
mode, archive, size, destinations_failed, status, failure_class, exit_code) plus host, cluster and msg. From it
come one message per run (or per host): a subject line with the counts and the worst exit code, a plain-text and
an HTML body with one table row per host, a Microsoft Teams card or a generic JSON document for a webhook, and
the Event Log entry each host writes about its own run. Sending is the action plugin's job (alteryx_notify).
"""

from __future__ import annotations

import html
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import FAILURE_CLASSES

SUCCESS = "Success"
WARNING = "Warning"
FAILED = "Failed"
STATUSES = (SUCCESS, WARNING, FAILED)

EVENT_LOG = "Application"
EVENT_SOURCE = "AlteryxBackup"
EVENT_SUCCESS = 1000
EVENT_WARNING = 1001
# A failed run is 1100 + its exit code: 1101 general ... 1106 invalid_mode, so the id names the exit code.
EVENT_FAILURE_BASE = 1100
# .NET's EventLog.WriteEntry refuses longer messages and ReportEvent fails above 31839 characters.
EVENT_MESSAGE_MAX = 31839
# The fleet rule of cli/alteryx_backup_cli/exit_codes.py: the most severe code first.
SEVERITY = (2, 5, 4, 3, 6, 1)
GENERAL_EXIT_CODE = 1
TITLE = "Alteryx backup"
HIDDEN = "********"
_CUT = " ... (cut off)"
_UNITS = ("bytes", "KB", "MB", "GB", "TB")
_CLASS_OF_CODE = {code: name for name, code in FAILURE_CLASSES.items()}


@dataclass(frozen=True)
class Outcome:
    """One host's outcome of a run, normalized."""

    host: str
    cluster: str
    mode: str
    status: str
    archive: str
    size: int
    destinations_failed: int
    failure_class: str
    exit_code: int
    msg: str


def _int(value: Any) -> int:
    """Whole numbers as Ansible templates them (``4``, ``"4"``); anything else is 0."""
    if isinstance(value, bool):
        return int(value)
    try:
        return int(str(value).strip()) if value not in (None, "") else 0
    except ValueError:
        return 0


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def normalize_outcome(raw: Mapping[str, Any]) -> Outcome:
    """One outcome from the role's data; raise ValueError when it names no host.

    The status follows from the exit code and failure class when they say the run failed (the role's failure
    path publishes no status); a status of ``Failed`` without a code counts as exit code 1 (general); a success
    whose copies did not all arrive is a warning.
    """
    host = _text(raw.get("host")).strip()
    if not host:
        raise ValueError(f"an outcome names no host: {sorted(str(key) for key in raw)}")
    failure_class = _text(raw.get("failure_class")).strip()
    exit_code = _int(raw.get("exit_code"))
    if exit_code == 0 and failure_class:
        exit_code = FAILURE_CLASSES.get(failure_class, GENERAL_EXIT_CODE)
    given = _text(raw.get("status")).strip().lower()
    destinations_failed = _int(raw.get("destinations_failed"))
    if exit_code or given in ("failed", "failure", "error", "unreachable"):
        status = FAILED
        exit_code = exit_code or GENERAL_EXIT_CODE
        failure_class = failure_class or _CLASS_OF_CODE.get(exit_code, "general")
    elif given == "warning" or destinations_failed > 0:
        status = WARNING
    else:
        status = SUCCESS
    return Outcome(host=host, cluster=_text(raw.get("cluster")), mode=_text(raw.get("mode")), status=status,
                   archive=_text(raw.get("archive")), size=max(_int(raw.get("size")), 0),
                   destinations_failed=destinations_failed, failure_class=failure_class if status == FAILED else "",
                   exit_code=exit_code if status == FAILED else 0, msg=_text(raw.get("msg")).strip())


def normalize_outcomes(raw: Iterable[Any]) -> tuple[list[Outcome], list[str]]:
    """Every usable outcome, sorted by host, and one warning per entry that is not one."""
    outcomes: list[Outcome] = []
    problems: list[str] = []
    for index, item in enumerate(raw):
        if not isinstance(item, Mapping):
            problems.append(f"outcomes[{index}] is not a mapping and was left out of the message")
            continue
        try:
            outcomes.append(normalize_outcome(item))
        except ValueError as exc:
            problems.append(f"outcomes[{index}]: {exc}; it was left out of the message")
    return sorted(outcomes, key=lambda outcome: outcome.host.lower()), problems


def worst_exit_code(outcomes: Sequence[Outcome]) -> int:
    """0 when every host succeeded (warnings included), else the most severe code (2, 5, 4, 3, 6, 1)."""
    codes = {outcome.exit_code for outcome in outcomes if outcome.exit_code}
    return next((code for code in SEVERITY if code in codes), max(codes, default=0))


def counts(outcomes: Sequence[Outcome]) -> dict[str, int]:
    """``{total, success, warning, failed}``."""
    return {"total": len(outcomes), "success": sum(o.status == SUCCESS for o in outcomes),
            "warning": sum(o.status == WARNING for o in outcomes), "failed": sum(o.status == FAILED for o in outcomes)}


def overall(outcomes: Sequence[Outcome]) -> str:
    """Failed if any host failed, else Warning if any warned, else Success (also for no hosts)."""
    statuses = {outcome.status for outcome in outcomes}
    return FAILED if FAILED in statuses else WARNING if WARNING in statuses else SUCCESS


def due(outcomes: Sequence[Outcome], only_on_failure: bool) -> tuple[bool, str]:
    """Whether a message is sent, and why. With only_on_failure a warning counts: a copy is missing."""
    if not outcomes:
        return False, "no host outcome was given"
    if not only_on_failure:
        return True, "every run is reported (only_on_failure is false)"
    if overall(outcomes) == SUCCESS:
        return False, "every host succeeded and only_on_failure is true"
    return True, "a host failed or has a warning"


def human_size(size: int) -> str:
    """1536 -> '1.5 KB' (powers of 1024, as Windows Explorer shows them)."""
    value = float(size)
    for unit in _UNITS:
        if value < 1024 or unit == _UNITS[-1]:
            return f"{size} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - the loop always returns


def _modes(outcomes: Sequence[Outcome]) -> str:
    return "/".join(sorted({outcome.mode for outcome in outcomes if outcome.mode})) or "backup"


def subject(outcomes: Sequence[Outcome], title: str = TITLE) -> str:
    """The subject line: overall result, counts and worst exit code; a single host is named."""
    tally = counts(outcomes)
    state = overall(outcomes).upper()
    worst = worst_exit_code(outcomes)
    code = f", worst exit code {worst}" if worst else ""
    if len(outcomes) == 1:
        only = outcomes[0]
        detail = f"{only.failure_class}, exit code {only.exit_code}" if only.status == FAILED else only.status.lower()
        return f"[{title}] {state}: {only.mode or 'backup'} backup of {only.host} ({detail})"
    return (f"[{title}] {state}: {_modes(outcomes)} on {tally['total']} server(s) - {tally['success']} succeeded, "
            f"{tally['warning']} with warnings, {tally['failed']} failed{code}")


def _result(outcome: Outcome) -> str:
    if outcome.status == FAILED:
        return f"FAILED ({outcome.failure_class}, exit code {outcome.exit_code})"
    if outcome.status == WARNING:
        return f"WARNING ({outcome.destinations_failed} copy/copies missing)" if outcome.destinations_failed \
            else "WARNING"
    return "OK"


COLUMNS = ("Host", "Cluster", "Mode", "Result", "Size", "Archive")


def rows(outcomes: Sequence[Outcome]) -> list[tuple[str, ...]]:
    """One table row per host, in COLUMNS order."""
    return [(o.host, o.cluster or "-", o.mode or "-", _result(o), human_size(o.size) if o.archive else "-",
             o.archive or "-") for o in outcomes]


def _details(outcomes: Sequence[Outcome]) -> list[tuple[str, str]]:
    return [(outcome.host, outcome.msg) for outcome in outcomes if outcome.msg and outcome.status != SUCCESS]


def text_body(outcomes: Sequence[Outcome], title: str = TITLE) -> str:
    """Plain text: the subject, a fixed-width table, then what went wrong per host."""
    table = [COLUMNS, *rows(outcomes)]
    widths = [max(len(row[i]) for row in table) for i in range(len(COLUMNS))]
    lines = [subject(outcomes, title), ""]
    for number, row in enumerate(table):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    details = _details(outcomes)
    if details:
        lines += ["", "Details:"] + [f"- {host}: {msg}" for host, msg in details]
    return "\n".join(lines) + "\n"


def html_body(outcomes: Sequence[Outcome], title: str = TITLE) -> str:
    """HTML: the same table and details, every value escaped."""
    def cells(tag: str, row: Iterable[str]) -> str:
        return "".join(f"<{tag} style=\"text-align:left;padding:2px 8px\">{html.escape(cell)}</{tag}>" for cell in row)

    parts = [f"<html><body><h3>{html.escape(subject(outcomes, title))}</h3>", "<table border=\"1\" "
             "style=\"border-collapse:collapse\">", f"<tr>{cells('th', COLUMNS)}</tr>"]
    parts += [f"<tr>{cells('td', row)}</tr>" for row in rows(outcomes)]
    parts.append("</table>")
    details = _details(outcomes)
    if details:
        parts.append("<h4>Details</h4><ul>")
        parts += [f"<li><b>{html.escape(host)}</b>: {html.escape(msg)}</li>" for host, msg in details]
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def _summary(outcomes: Sequence[Outcome]) -> dict[str, Any]:
    return {"status": overall(outcomes), "counts": counts(outcomes), "worst_exit_code": worst_exit_code(outcomes)}


def generic_payload(outcomes: Sequence[Outcome], title: str = TITLE) -> dict[str, Any]:
    """A plain JSON document for any webhook receiver."""
    return {"source": "alteryx.server", "title": title, "subject": subject(outcomes, title), **_summary(outcomes),
            "hosts": [asdict(outcome) for outcome in outcomes]}


_TEAMS_COLOR = {SUCCESS: "Good", WARNING: "Warning", FAILED: "Attention"}


def teams_payload(outcomes: Sequence[Outcome], title: str = TITLE) -> dict[str, Any]:
    """A Teams message holding an Adaptive Card (what Teams workflow and connector webhooks accept)."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "size": "Medium", "weight": "Bolder", "wrap": True, "text": subject(outcomes, title),
         "color": _TEAMS_COLOR[overall(outcomes)]},
    ]
    for outcome, row in zip(outcomes, rows(outcomes), strict=True):
        facts = [{"title": name, "value": value} for name, value in zip(COLUMNS[1:], row[1:], strict=True)]
        if outcome.msg and outcome.status != SUCCESS:
            facts.append({"title": "Details", "value": outcome.msg})
        body += [{"type": "TextBlock", "weight": "Bolder", "wrap": True, "text": outcome.host,
                  "color": _TEAMS_COLOR[outcome.status], "separator": True},
                 {"type": "FactSet", "facts": facts}]
    card = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "msteams": {"width": "Full"}, "body": body}
    return {"type": "message", "summary": subject(outcomes, title),
            "attachments": [{"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
                             "content": card}]}


def webhook_payload(outcomes: Sequence[Outcome], fmt: str, title: str = TITLE) -> bytes:
    """The webhook body in ``fmt`` (teams or generic) as UTF-8 JSON."""
    payload = teams_payload(outcomes, title) if fmt == "teams" else generic_payload(outcomes, title)
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def event_id(outcome: Outcome) -> int:
    """1000 success, 1001 warning, 1100 + exit code for a failure (1101 general ... 1106 invalid_mode)."""
    if outcome.status == FAILED:
        return EVENT_FAILURE_BASE + outcome.exit_code
    return EVENT_WARNING if outcome.status == WARNING else EVENT_SUCCESS


def eventlog_entry(outcome: Outcome) -> dict[str, Any]:
    """The Event Log entry of one host's run: ``{host, log, source, event_id, entry_type, message}``."""
    entry_type = {SUCCESS: "Information", WARNING: "Warning", FAILED: "Error"}[outcome.status]
    what = f"{outcome.mode or 'Backup'} backup of {outcome.host}"
    if outcome.status == FAILED:
        message = f"{what} failed [failure_class={outcome.failure_class}, exit_code={outcome.exit_code}]."
    elif outcome.status == WARNING:
        message = f"{what} succeeded with a warning: {outcome.destinations_failed} network destination(s) did not " \
                  "get a copy."
    else:
        message = f"{what} succeeded."
    if outcome.archive:
        message += f"\r\nArchive: {outcome.archive} ({human_size(outcome.size)})"
    if outcome.msg:
        message += f"\r\n{outcome.msg}"
    if len(message) > EVENT_MESSAGE_MAX:
        message = message[:EVENT_MESSAGE_MAX - len(_CUT)] + _CUT
    return {"host": outcome.host, "log": EVENT_LOG, "source": EVENT_SOURCE, "event_id": event_id(outcome),
            "entry_type": entry_type, "message": message}


def redact_text(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and a URL's path and query, which carry webhook tokens) replaced."""
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    return text


def url_origin(url: str) -> str:
    """What may be shown of a webhook URL: ``https://host[:port]``; its path and query hold the token."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return HIDDEN
    return f"{parts.scheme}://{host}{port}/{HIDDEN}" if parts.scheme and host else HIDDEN
