"""ansible.windows.win_command: the simulated AlteryxService.exe, nothing else.

A command line is accepted when its executable is the host's installed ``AlteryxService.exe``
(bare name, ``.\\``, or the full path of the install, quoted or not - win_command searches an
unquoted path with spaces like CreateProcess) followed by at most one argument (``getversion``,
``emongodump=D:\\x``...). Any other program fails with rc 1 and ``winsim cannot run <exe>`` on
stderr. ``creates``/``removes`` (paths or wildcard filters) skip the command like the real module;
it skips in check mode. Not modelled: ``chdir`` (accepted, unused), ``stdin``,
``output_encoding_override``. (win_shell is not faked: nothing in the collection or its tests uses it.)
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from typing import Any

from .. import alteryx
from ..host import Host, WinError
from . import Context, Result, fake
from ._fileinfo import path_exists

EXE_NAME = "alteryxservice.exe"
DEFAULT_INSTALL = "C:\\Program Files\\Alteryx"


@fake("ansible.windows.win_command")
def win_command(host: Host, params: dict, ctx: Context) -> Result:
    if ctx.check_mode:  # Ansible.Basic skips before its mutually_exclusive/required_one_of checks
        return {"changed": False, "skipped": True,
                "msg": f"remote module ({ctx.key or 'win_command'}) does not support check mode"}
    given = [k for k in ("_raw_params", "argv", "cmd") if params.get(k)]
    if len(given) > 1:
        raise WinError(f"parameters are mutually exclusive: {', '.join(given)}")
    if not given:
        raise WinError("one of the following is required: _raw_params, argv, cmd")
    if params.get("argv"):
        argv = [str(a) for a in params["argv"]]
        command_line = " ".join(_quote(a) for a in argv)
    else:
        command_line = (params.get("cmd") or params["_raw_params"]).strip()
        argv = split_command_line(command_line)
    skipped = _skip(host, params, command_line)
    if skipped:
        return {**skipped, "rc": 0}
    return _run(host, command_line, argv)


def split_command_line(line: str) -> list[str]:
    """Split a command line like CommandLineToArgvW."""
    args: list[str] = []
    current: list[str] = []
    quote = ""
    started = False
    i = 0
    while i < len(line):
        char = line[i]
        if char == "\\":
            slashes = len(line[i:]) - len(line[i:].lstrip("\\"))
            if i + slashes < len(line) and line[i + slashes] == '"':
                current.append("\\" * (slashes // 2))
                if slashes % 2:
                    current.append('"')
                    i += slashes + 1
                else:
                    i += slashes
                started = True
                continue
            current.append("\\" * slashes)
            i += slashes
            started = True
            continue
        if quote:
            if char == quote:
                quote = ""
            else:
                current.append(char)
        elif char == '"':
            quote = char
            started = True
        elif char.isspace():
            if started:
                args.append("".join(current))
                current, started = [], False
        else:
            current.append(char)
            started = True
        i += 1
    if started:
        args.append("".join(current))
    return args


def _quote(arg: str) -> str:
    """ConvertTo-EscapedArgument: quote an argv entry by the Win32 C rules."""
    if arg and not re.search(r'[\s"]', arg):
        return arg
    escaped = re.sub(r'(\\*)"', lambda m: m.group(1) * 2 + '\\"', arg)
    escaped = re.sub(r"(\\+)$", lambda m: m.group(1) * 2, escaped)
    return f'"{escaped}"'


def _skip(host: Host, params: dict, command_line: str) -> dict[str, Any] | None:
    creates, removes = params.get("creates"), params.get("removes")
    if creates and path_exists(host, creates):
        return {"changed": False, "skipped": True, "cmd": command_line, "msg": f"skipped, since {creates} exists"}
    if removes and not path_exists(host, removes):
        return {"changed": False, "skipped": True, "cmd": command_line,
                "msg": f"skipped, since {removes} does not exist"}
    return None


def _is_alteryx_service(host: Host, executable: str) -> bool:
    """Is ``executable`` this host's installed AlteryxService.exe (bare name, ``.\\`` or full path)?"""
    normalized = executable.replace("/", "\\").lower()
    normalized = normalized[2:] if normalized.startswith(".\\") else normalized
    install = host.state().get("install_dir", DEFAULT_INSTALL) + "\\bin\\AlteryxService.exe"
    if normalized not in (EXE_NAME, EXE_NAME[:-4], install.lower()):
        return False
    try:
        return host.local_path(install).is_file()
    except WinError:
        return False


def _run(host: Host, command_line: str, argv: list[str]) -> Result:
    started = datetime.now(UTC)
    clock = time.monotonic()
    argv = _unquoted_spaces(host, argv)
    if not argv or not _is_alteryx_service(host, argv[0]) or len(argv) > 2:
        return _failed_run(command_line, argv[0] if argv else command_line, started)
    rc, stdout = alteryx.service_exe(host, argv[1] if len(argv) > 1 else "")
    stdout = stdout.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n" if stdout else ""
    elapsed = time.monotonic() - clock
    result = _timed(command_line, rc, stdout, "", started, elapsed)
    result["changed"] = True
    if rc != 0:
        result.update(failed=True, msg="non-zero return code")
    return result


def _unquoted_spaces(host: Host, argv: list[str]) -> list[str]:
    """CreateProcess tries ``C:\\Program``, ``C:\\Program Files\\...`` in turn for an unquoted path with spaces."""
    for end in range(2, len(argv) + 1):
        if _is_alteryx_service(host, " ".join(argv[:end])):
            return [" ".join(argv[:end]), *argv[end:]]
    return argv


def _failed_run(command_line: str, executable: str, started: datetime | None = None) -> Result:
    stderr = f"winsim cannot run {executable}: only AlteryxService.exe with one argument is simulated\r\n"
    result = _timed(command_line, 1, "", stderr, started or datetime.now(UTC), 0.0)
    result.update(changed=True, failed=True, msg="non-zero return code")
    return result


def _timed(command_line: str, rc: int, stdout: str, stderr: str, started: datetime, elapsed: float) -> Result:
    ended = started.timestamp() + elapsed
    end = datetime.fromtimestamp(ended, UTC)
    return {
        "cmd": command_line, "rc": rc, "stdout": stdout, "stderr": stderr,
        "start": started.strftime("%Y-%m-%d %H:%M:%S.%f"), "end": end.strftime("%Y-%m-%d %H:%M:%S.%f"),
        "delta": _delta(elapsed), "stdout_lines": stdout.splitlines(), "stderr_lines": stderr.splitlines(),
    }


def _delta(seconds: float) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{int(hours)}:{int(minutes):02d}:{secs:09.6f}"
