# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup role's settings, checked before anything on the node is touched (pure logic).

Every setting is named as its role variable without the ``alteryx_backup_`` prefix. All problems
are collected and reported together, one line per setting, so an administrator fixes a
configuration in one go instead of one failed run per mistake.

Whole numbers follow Ansible's ``int`` convention (``2``, ``2.0`` and ``"2"`` from ``-e name=2``
are 2; ``1.5``, ``"abc"`` and booleans are refused), except retention days, which must be real
integers: the spec's ``-RetentionDays 7`` shorthand or a per-mode mapping.
"""

from __future__ import annotations

import ipaddress
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import (
    SECRET_KEYS as CLOUD_SECRET_KEYS,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import (
    CloudSettingsError,
    check_destinations,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._naming import MODES, normalize_mode
from ansible_collections.alteryx.server.plugins.plugin_utils._plan import DEFAULT_MIN_BYTES
from ansible_collections.alteryx.server.plugins.plugin_utils._retention import DEFAULT_RETENTION_DAYS

PREFIX = "alteryx_backup_"
DAY = 86400
WEEK = 7 * DAY
RETENTION_DAYS_MAX = 36500  # 100 years: anything longer is a typo, not a policy
MIN_ARCHIVE_BYTES_MAX = 2**40  # 1 TiB
DUMP_ALLOWANCE_SECONDS = 300  # the emongodump itself, on top of the waits, inside one host job
# Windows PowerShell 5.1 stops at 260 characters and the staging tree adds about 110 below the folder.
PATH_MAX_CHARS = 150
SERVICE_NAME_MAX_CHARS = 256
# Backups must never land where Windows, programs or Alteryx itself keep their files: retention
# deletes in the backup folder, and a restore of the MongoDB folder would swallow its own backups.
PROTECTED_FOLDERS: tuple[str, ...] = (
    "C:\\ProgramData\\Alteryx",
    "C:\\Program Files\\Alteryx",
    "C:\\Program Files",
    "C:\\Program Files (x86)",
    "C:\\Windows",
)


@dataclass(frozen=True)
class Bounds:
    """Inclusive limits of a numeric setting and the unit named in messages."""

    low: float
    high: float
    unit: str


INT_BOUNDS: dict[str, Bounds] = {
    "min_keep": Bounds(1, 1000, "archives"),
    "max_workflow_wait": Bounds(0, WEEK, "seconds"),
    "max_service_wait": Bounds(1, WEEK, "seconds"),
    "copy_retries": Bounds(0, 100, "retries after the first try"),
    "copy_retry_delay": Bounds(0, 3600, "seconds"),
    "lock_stale_seconds": Bounds(1, WEEK, "seconds"),
    "job_timeout": Bounds(60, 30 * DAY, "seconds"),
    "step_timeout": Bounds(1, DAY, "seconds"),
    # A cluster node's safety net must outlast the controller's dump window, or it starts the node mid-backup.
    "safety_net_seconds": Bounds(5, 30 * DAY, "seconds"),
    "notify_smtp_port": Bounds(1, 65535, "(a TCP port)"),
}
FLOAT_BOUNDS: dict[str, Bounds] = {
    "free_space_factor": Bounds(1.0, 100.0, "times the MongoDB data size"),
    # Each poll is one WinRM round trip: faster than 0.1 s only loads the node.
    "poll_interval": Bounds(0.1, 300.0, "seconds"),
}
BOOL_SETTINGS = ("force_stop_workflows", "keys_required", "export_secrets", "secrets_plaintext_allowed",
                 "notify_email_enabled",
                 "notify_only_on_failure", "notify_per_host", "eventlog_enabled", "restrict_acls")
# Shown as hidden in every message: a webhook URL carries its access token in the path or query.
# The secrets recipient is public, but a private key pasted there by mistake must not be echoed.
SECRET_SETTINGS = frozenset({"notify_webhook_url", "notify_smtp_password", "secrets_recipient",
                             "cloud_destinations"})
SMTP_SECURITY = ("starttls", "ssl", "none")
WEBHOOK_FORMATS = ("teams", "generic")

_INT_TEXT = re.compile(r"[+-]?[0-9]+")
_DRIVE_PATH = re.compile(r"[A-Za-z]:\\")
_DRIVE_PREFIX = re.compile(r"[A-Za-z]:")
_FORBIDDEN_CHARS = frozenset('<>:"|?*') | frozenset(chr(code) for code in range(32))
_RESERVED_NAME = re.compile(r"(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\..*)?", re.IGNORECASE)
# 8.3 short names (PROGRA~1) are aliases that would slip past the protected-folder check.
_SHORT_NAME = re.compile(r"[^~\\]{1,6}~[0-9]+(\.[^.\\]{0,3})?")
# Ansible's boolean spellings (ansible.module_utils.parsing.convert_bool), compared lower-cased.
_TRUE = frozenset({"y", "yes", "on", "1", "true", "t"})
_FALSE = frozenset({"n", "no", "off", "0", "false", "f"})
_MODE_KEYS = "Full, DatabaseOnly or DB, ConfigOnly or Config"
_LOCAL_EXAMPLE = "a folder on the node's own disk such as D:\\Alteryx\\Backups"
_UNC_EXAMPLE = "a UNC folder such as \\\\nas01\\backups"


class _Invalid(ValueError):
    """One setting's problem; the text says what is wrong and what is allowed."""


def _plain(value: Any) -> Any:
    """Builtin copy of ``value``: templated values may be tagged subclasses whose repr is noisy."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


def _line(name: str, value: Any, problem: str) -> str:
    shown = "'(hidden)'" if name in SECRET_SETTINGS else repr(_plain(value))
    return f"{PREFIX}{name}={shown}: {problem}"


# --- numbers and booleans -------------------------------------------------------------------------

def _whole_number(value: Any) -> int:
    """Ansible's int conversion, minus booleans (``true`` is never meant as 1)."""
    if isinstance(value, bool):
        raise _Invalid("is a boolean, not a number")
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_TEXT.fullmatch(value.strip()):
        return int(value.strip())
    raise _Invalid("is not a whole number")


def _number(value: Any) -> float:
    """Ansible's float conversion, minus booleans; NaN and infinities are refused."""
    if isinstance(value, bool):
        raise _Invalid("is a boolean, not a number")
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError, OverflowError):
        raise _Invalid("is not a number") from None
    if not math.isfinite(number):
        raise _Invalid("is not a finite number")
    return number


def _shown(number: float) -> str:
    """Limits as people write them: 604800, 1099511627776, 0.1 (never 1.09951e+12)."""
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def _allowed(bounds: Bounds, kind: str) -> str:
    return f"allowed: {kind} from {_shown(bounds.low)} to {_shown(bounds.high)} {bounds.unit}"


def _in_bounds(number: float, bounds: Bounds, kind: str) -> None:
    if number < bounds.low:
        raise _Invalid(f"is below the minimum {_shown(bounds.low)}; {_allowed(bounds, kind)}")
    if number > bounds.high:
        raise _Invalid(f"is above the maximum {_shown(bounds.high)}; {_allowed(bounds, kind)}")


def _checked(parse: Callable[[Any], Any], kind: str, bounds: Bounds) -> Callable[[Any], Any]:
    """A check that parses a value (``_whole_number`` or ``_number``) and keeps it within ``bounds``."""
    def check(value: Any) -> Any:
        try:
            number = parse(value)
        except _Invalid as exc:
            raise _Invalid(f"{exc}; {_allowed(bounds, kind)}") from None
        _in_bounds(number, bounds, kind)
        return number
    return check


def _checked_int(bounds: Bounds) -> Callable[[Any], int]:
    return _checked(_whole_number, "a whole number", bounds)


def _checked_float(bounds: Bounds) -> Callable[[Any], float]:
    return _checked(_number, "a number", bounds)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise _Invalid("is not a boolean; allowed: true or false (yes/no, on/off, 1/0)")


# --- per-mode values ------------------------------------------------------------------------------

def _per_mode(value: Mapping[Any, Any], defaults: Mapping[str, int], check: Callable[[Any], int]) -> dict[str, int]:
    """Merge a {mode or short form: value} mapping over ``defaults``; every mode ends up present."""
    merged = dict(defaults)
    given: dict[str, Any] = {}
    problems = []
    for key, item in value.items():
        try:
            mode = normalize_mode(key)
        except AlteryxStepError:
            problems.append(f"unknown mode {_plain(key)!r}; allowed keys: {_MODE_KEYS}")
            continue
        if mode in given:
            problems.append(f"{_plain(key)!r} repeats {_plain(given[mode])!r}; allowed: each mode once")
            continue
        given[mode] = key
        try:
            merged[mode] = check(item)
        except _Invalid as exc:
            problems.append(f"{mode} {exc}")
    if problems:
        raise _Invalid("; ".join(problems))
    return merged


_DAYS_ALLOWED = (f"allowed: a whole number of days from 0 to {RETENTION_DAYS_MAX} (0 keeps only the min_keep newest), "
                 "or a mapping such as {Full: 30, DatabaseOnly: 7, ConfigOnly: 14}")


def _days(value: Any) -> int:
    # Strict on purpose: a quoted "30" is refused rather than guessed at.
    if isinstance(value, bool) or not isinstance(value, int):
        hint = " (write it without quotes; on the command line give -e as JSON)" if isinstance(value, str) else ""
        raise _Invalid(f"is {_plain(value)!r}, not an integer{hint}")
    if not 0 <= value <= RETENTION_DAYS_MAX:
        raise _Invalid(f"is {int(value)}, out of range")
    return int(value)


def _retention_days(value: Any) -> dict[str, int]:
    """One integer for every mode, or {Full, DatabaseOnly, ConfigOnly} (DB/Config too) over the defaults."""
    try:
        if isinstance(value, Mapping):
            return _per_mode(value, DEFAULT_RETENTION_DAYS, _days)
        return dict.fromkeys(MODES, _days(value))
    except _Invalid as exc:
        raise _Invalid(f"{exc}; {_DAYS_ALLOWED}") from None


def _min_archive_bytes(value: Any) -> dict[str, int]:
    if not isinstance(value, Mapping):
        raise _Invalid("is not a mapping; allowed: {Full: bytes, DatabaseOnly: bytes, ConfigOnly: bytes}")
    return _per_mode(value, DEFAULT_MIN_BYTES, _checked_int(Bounds(0, MIN_ARCHIVE_BYTES_MAX, "bytes")))


# --- paths ----------------------------------------------------------------------------------------

def _text(value: Any, allowed: str) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"is not a string; allowed: {allowed}")
    return value.strip().replace("/", "\\")


def _segments(path: str) -> list[str]:
    """The folder names of ``path`` (after its drive or UNC prefix); repeated backslashes collapse."""
    segments = [segment for segment in path.split("\\") if segment]
    for segment in segments:
        bad = sorted({char for char in segment if char in _FORBIDDEN_CHARS})
        if bad:
            shown = " ".join(repr(char) for char in bad)
            raise _Invalid(f"contains characters Windows forbids in names ({shown}); allowed: none of < > : \" | ? *")
        if segment in (".", ".."):
            raise _Invalid(f"contains a {segment!r} segment; allowed: a path without . or .. segments")
        if segment[-1] in ". ":
            raise _Invalid(f"has a name ending in a dot or blank ({segment!r}), which Windows silently drops; "
                           "allowed: names without a trailing dot or blank")
        if _RESERVED_NAME.fullmatch(segment):
            raise _Invalid(f"uses the reserved device name {segment!r}; allowed: any other folder name")
        if _SHORT_NAME.fullmatch(segment):
            raise _Invalid(f"uses the 8.3 short name {segment!r}; allowed: the folder's long name")
    return segments


def _checked_length(path: str) -> str:
    if len(path) > PATH_MAX_CHARS:
        raise _Invalid(f"is {len(path)} characters long; allowed: at most {PATH_MAX_CHARS} "
                       "(the backup's own files add about 110 below it)")
    return path


def is_inside(path: str, folder: str) -> bool:
    """True if ``path`` is ``folder`` or below it: case-insensitive, on whole folder names."""
    inner = path.replace("/", "\\").rstrip("\\").lower()
    outer = folder.replace("/", "\\").rstrip("\\").lower()
    return bool(outer) and (inner == outer or inner.startswith(outer + "\\"))


def _local_folder(value: Any, *, allow_empty: bool = False) -> str:
    """An absolute folder on a drive of the node, normalized, outside the protected folders."""
    path = _text(value, _LOCAL_EXAMPLE)
    if not path:
        if allow_empty:
            return ""
        raise _Invalid(f"is empty; allowed: {_LOCAL_EXAMPLE}")
    if path.startswith("\\\\"):
        raise _Invalid(f"is a network (UNC) path; allowed: {_LOCAL_EXAMPLE}")
    if not _DRIVE_PATH.match(path):
        raise _Invalid(f"is not an absolute path (drive letter, colon, backslash); allowed: {_LOCAL_EXAMPLE}")
    path = path[:3] + "\\".join(_segments(path[3:]))
    for folder in PROTECTED_FOLDERS:
        if is_inside(path, folder):
            raise _Invalid(f"is inside {folder}, which Windows, programs or Alteryx own; allowed: {_LOCAL_EXAMPLE}")
    return _checked_length(path)


def _network_folder(value: Any) -> str:
    path = _text(value, _UNC_EXAMPLE)
    if _DRIVE_PREFIX.match(path):
        raise _Invalid(f"is a drive-letter path; allowed: {_UNC_EXAMPLE}")
    if not path.startswith("\\\\"):
        raise _Invalid(f"is not a UNC path; allowed: {_UNC_EXAMPLE}")
    segments = _segments(path[2:])
    if len(segments) < 2:
        raise _Invalid(f"names no share; allowed: {_UNC_EXAMPLE}")
    return _checked_length("\\\\" + "\\".join(segments))


def _network_paths(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise _Invalid("is not a list; allowed: a list of UNC folders such as [\\\\nas01\\backups]")
    paths, problems, seen = [], [], set()
    for item in items:
        try:
            path = _network_folder(item)
        except _Invalid as exc:
            problems.append(f"{_plain(item)!r} {exc}")
            continue
        if path.lower() in seen:
            problems.append(f"{path!r} is listed twice; allowed: each folder once")
        seen.add(path.lower())
        paths.append(path)
    if problems:
        raise _Invalid("; ".join(problems))
    return paths


def _secrets_recipient(value: Any) -> str:
    """The certificate the exported secrets are encrypted to: a path on the controller, the PEM text, or ''.

    Only the form is checked here; the plan reads the certificate and checks it (plugin_utils/_secret_box.py)."""
    allowed = "a path on the controller to the certificate (.crt, PEM), the PEM text itself, or '' for none"
    if not isinstance(value, str):
        raise _Invalid(f"is not a string; allowed: {allowed}")
    text = value.strip()
    if "-----BEGIN" in text and "-----BEGIN CERTIFICATE-----" not in text:
        raise _Invalid(f"is PEM text but not a certificate (a private key must never be given to the backup); "
                       f"allowed: {allowed}")
    return text


def _service_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _Invalid("is empty or not a string; allowed: the Windows service name, e.g. AlteryxService")
    name = value.strip()
    if len(name) > SERVICE_NAME_MAX_CHARS or any(char in "\\/" or ord(char) < 32 for char in name):
        raise _Invalid(f"is not a Windows service name; allowed: up to {SERVICE_NAME_MAX_CHARS} characters, no \\ or /")
    return name


# --- notifications --------------------------------------------------------------------------------

_ADDRESS = re.compile(r"[^@\s<>(),;:\"\[\]\\]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*")
_HOST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*")
_ADDRESS_EXAMPLE = "an e-mail address such as backup@example.com or 'Alteryx Backup <backup@example.com>'"


def _choice(allowed: Sequence[str]) -> Callable[[Any], str]:
    def check(value: Any) -> str:
        if not isinstance(value, str) or value.strip().lower() not in allowed:
            raise _Invalid(f"is not one of the choices; allowed: {', '.join(allowed)}")
        return value.strip().lower()
    return check


def _smtp_server(value: Any) -> str:
    """A host name or IP address without a port (the port is its own setting); '' when e-mail is off."""
    if not isinstance(value, str):
        raise _Invalid("is not a string; allowed: a host name such as smtp.example.com or an IP address")
    name = value.strip()
    if not name:
        return ""
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        pass
    if ":" in name:
        raise _Invalid(f"holds a port or scheme; allowed: the host name alone, with the port in {PREFIX}notify_smtp_port")
    if len(name) > 253 or not _HOST_NAME.fullmatch(name):
        raise _Invalid("is not a host name; allowed: a host name such as smtp.example.com or an IP address")
    return name


def _address(value: Any) -> str:
    if not isinstance(value, str):
        raise _Invalid(f"is not a string; allowed: {_ADDRESS_EXAMPLE}")
    text = value.strip()
    _name, address = parseaddr(text)
    if not text or not _ADDRESS.fullmatch(address) or any(char in text for char in "\r\n"):
        raise _Invalid(f"is not an e-mail address; allowed: {_ADDRESS_EXAMPLE}")
    return text


def _optional_address(value: Any) -> str:
    return "" if isinstance(value, str) and not value.strip() else _address(value)


def _addresses(value: Any) -> list[str]:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, (list, tuple)):
        raise _Invalid("is not a list; allowed: a list of e-mail addresses such as [ops@example.com]")
    problems, addresses = [], []
    for item in items:
        try:
            addresses.append(_address(item))
        except _Invalid as exc:
            problems.append(f"{_plain(item)!r} {exc}")
    if problems:
        raise _Invalid("; ".join(problems))
    return addresses


def _webhook_url(value: Any) -> str:
    """An http(s) URL with a host, or '' for no webhook. Never quoted in a message: it holds a token."""
    if not isinstance(value, str):
        raise _Invalid("is not a string; allowed: an https:// URL, or '' for no webhook")
    url = value.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
        has_host = bool(parts.hostname)
        _port = parts.port
    except ValueError:
        raise _Invalid("is not a valid URL; allowed: an https:// URL such as the Teams workflow's URL") from None
    if parts.scheme.lower() not in ("https", "http") or not has_host or any(char.isspace() for char in url):
        raise _Invalid("is not an http:// or https:// URL with a host; allowed: an https:// URL such as the Teams "
                       "workflow's URL")
    return url


NOTIFY_CHECKS: dict[str, Callable[[Any], Any]] = {
    "notify_smtp_server": _smtp_server,
    "notify_smtp_security": _choice(SMTP_SECURITY),
    "notify_smtp_username": lambda value: _text(value, "a user name, or '' for no SMTP login").strip(),
    "notify_from": _optional_address,
    "notify_to": _addresses,
    "notify_webhook_url": _webhook_url,
    "notify_webhook_format": _choice(WEBHOOK_FORMATS),
}


def _cloud_destinations(value: Any) -> list[dict[str, Any]]:
    """Check the S3 / Azure destinations before anything is stopped; keep what is no secret (the plan is shown)."""
    value = _plain(value)
    try:
        check_destinations(value, host="<host>")
    except CloudSettingsError as exc:
        raise _Invalid(f"{exc}; allowed: a list of dicts as docs/cloud.md describes") from None
    return [{k: v for k, v in entry.items() if k not in CLOUD_SECRET_KEYS} for entry in value or []]


def _email_problem(settings: Mapping[str, Any]) -> tuple[str, str] | None:
    """E-mail switched on needs a server, a sender and at least one recipient: (setting, problem) or None."""
    needed = ("notify_smtp_server", "notify_from", "notify_to")
    if not settings.get("notify_email_enabled") or not set(needed) <= settings.keys():
        return None
    missing = [f"{PREFIX}{name}" for name in needed if not settings[name]]
    if not missing:
        return None
    return "notify_email_enabled", f"is true but {', '.join(missing)} is empty; allowed: set them, or false"


CHECKS: dict[str, Callable[[Any], Any]] = {
    "local_path": _local_folder,
    "network_paths": _network_paths,
    "log_path": lambda value: _local_folder(value, allow_empty=True),
    "temp_path": lambda value: _local_folder(value, allow_empty=True),
    "retention_days": _retention_days,
    "min_archive_bytes": _min_archive_bytes,
    "service_name": _service_name,
    "secrets_recipient": _secrets_recipient,
    "cloud_destinations": _cloud_destinations,
    **{name: _checked_int(bounds) for name, bounds in INT_BOUNDS.items()},
    **{name: _checked_float(bounds) for name, bounds in FLOAT_BOUNDS.items()},
    **dict.fromkeys(BOOL_SETTINGS, _boolean),
    **NOTIFY_CHECKS,
}
PASSED_THROUGH = ("mode",)  # an invalid mode is its own failure (invalid_mode, exit 6), reported by the plan


def _is_default_log(log_path: Any, local_path: Any) -> bool:
    """True if ``log_path`` is the role's default, ``Logs`` under ``local_path`` (compared as given)."""
    if not isinstance(log_path, str) or not isinstance(local_path, str):
        return False

    def folded(path: str) -> str:
        return path.strip().replace("/", "\\").rstrip("\\").lower()

    return folded(log_path) == folded(local_path) + "\\logs"


def _timeout_problem(settings: Mapping[str, Any]) -> str | None:
    """The host job that holds the dump window must outlast its worst case, or it is killed mid-dump."""
    if not {"job_timeout", "max_workflow_wait", "max_service_wait"} <= settings.keys():
        return None
    workflow, service = settings["max_workflow_wait"], settings["max_service_wait"]
    needed = workflow + 2 * service + DUMP_ALLOWANCE_SECONDS
    if settings["job_timeout"] >= needed:
        return None
    return (f"is shorter than the dump window can last: max_workflow_wait {workflow} + 2 x max_service_wait {service}"
            f" + {DUMP_ALLOWANCE_SECONDS} s for the dump = {needed} s; allowed: at least {needed} - raise "
            f"{PREFIX}job_timeout to {needed} or lower {PREFIX}max_workflow_wait / {PREFIX}max_service_wait")


def validate_settings(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Check and normalize the settings given in ``raw``; raise one AlteryxStepError(validation) listing all problems.

    Keys are role variable names without ``alteryx_backup_``; only the keys given are checked and returned,
    an unknown key is a problem. Returned keys and values:
        mode: exactly as given (not checked here).
        local_path: absolute drive path, ``/`` turned into ``\\``, no trailing ``\\`` (except a drive root).
        network_paths: list of normalized UNC folders.
        log_path: like local_path, or '' (the default: Logs under local_path).
        temp_path: like local_path, or '' (staging under local_path).
        retention_days, min_archive_bytes: {Full, DatabaseOnly, ConfigOnly} -> int, merged over the defaults.
        min_keep, max_workflow_wait, max_service_wait, copy_retries, copy_retry_delay, lock_stale_seconds,
        job_timeout, step_timeout, safety_net_seconds: int.  free_space_factor, poll_interval: float.
        force_stop_workflows, keys_required, export_secrets, secrets_plaintext_allowed: bool.  service_name: str.
        secrets_recipient: path on the controller or PEM text of the certificate the secrets are encrypted to, or ''.
        notify_email_enabled, notify_only_on_failure, notify_per_host, eventlog_enabled: bool.
        restrict_acls: bool (host-side ACLs on staging, archives and logs; docs/security.md).
        notify_smtp_server: host name or IP address, or ''.  notify_smtp_port: int.
        notify_smtp_security: starttls, ssl or none.  notify_smtp_username: str.
        notify_from: e-mail address or ''.  notify_to: list of e-mail addresses.
        notify_webhook_url: http(s) URL or '' (never shown in a message).  notify_webhook_format: teams or generic.
        cloud_destinations: the entries as given without their secret keys (checked by _cloud_settings; the
        upload and retention steps take the role variable itself, credentials included).
    """
    settings: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for name, value in raw.items():
        if name in PASSED_THROUGH:
            settings[name] = value
            continue
        check = CHECKS.get(name)
        if check is None:
            errors[name] = _line(name, value, f"unknown setting; allowed: {', '.join(sorted(CHECKS))}")
            continue
        try:
            settings[name] = check(value)
        except _Invalid as exc:
            errors[name] = _line(name, value, str(exc))
    problem = _timeout_problem(settings)
    if problem:
        errors["job_timeout"] = _line("job_timeout", raw["job_timeout"], problem)
    email = _email_problem(settings)
    if email:
        errors[email[0]] = _line(email[0], raw[email[0]], email[1])
    if "local_path" in errors and "log_path" in errors and _is_default_log(raw["log_path"], raw["local_path"]):
        # The role's default log folder is Logs under the backup folder: one mistake, reported once.
        del errors["log_path"]
    if errors:
        raise AlteryxStepError(f"{len(errors)} invalid backup setting(s); nothing was done on the node:\n"
                               + "\n".join(errors.values()), "validation")
    return settings


def validate_paths_against_install(*, local_path: str, log_path: str, install_dir: str, protected: Sequence[str],
                                   temp_path: str = "") -> None:
    """Refuse backup or log folders inside the installation or a data folder the node reported.

    ``protected`` holds the folders the read-only facts call found (MongoDB data path, persistence
    path); empty entries are ignored, and an empty ``log_path`` means the default under ``local_path``.
    Raises AlteryxStepError(validation) naming every offending setting.
    """
    folders = [("the Alteryx installation folder", install_dir)]
    folders += [("the Alteryx data folder", folder) for folder in protected]
    errors = []
    for name, path in (("local_path", local_path), ("log_path", log_path), ("temp_path", temp_path)):
        for what, folder in folders:
            if path and folder and is_inside(path, folder):
                errors.append(_line(name, path, f"is inside {what} {folder} reported by the node; "
                                                "allowed: a folder outside it"))
                break
    if errors:
        raise AlteryxStepError(f"{len(errors)} invalid backup setting(s); nothing was done on the node:\n"
                               + "\n".join(errors), "validation")
