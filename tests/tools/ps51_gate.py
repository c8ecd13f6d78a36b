"""Windows PowerShell 5.1 gate: flag constructs that behave differently on the hosts than a reader expects.

The collection's host scripts run in Windows PowerShell 5.1 under ``ansible.windows.win_powershell``, and
PowerShell never runs on our machines, so these rules read the tree-sitter AST of every ``.ps1`` instead.
Each rule is a function registered with :func:`rule`; its docstring states the heuristic and its limits,
its message says what to write instead.

Usage: ``python tests/tools/ps51_gate.py plugins [more files or folders]`` prints
``file:line:col: RULE message`` per finding and exits 1 when there is any.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# Run as a script, so this folder is on sys.path.
from psast import (
    SCOPE_TYPES,
    Command,
    Script,
    ancestors,
    assignment,
    assignments,
    command,
    commands,
    line_col,
    member,
    parse_file,
    scope_of,
    string_value,
    text,
    top_statements,
    unparen,
    unwrap,
    walk,
    walk_scope,
)
from tree_sitter import Node


@dataclass(frozen=True)
class Finding:
    """One rule violation at a position of a file."""

    path: str
    line: int
    col: int
    rule: str
    message: str

    def __str__(self) -> str:
        """``file:line:col: RULE message`` (the format editors and CI annotate)."""
        return f"{self.path}:{self.line}:{self.col}: {self.rule} {self.message}"


RuleFn = Callable[[Script], Iterable[Finding]]
RULES: dict[str, RuleFn] = {}


def rule(rule_id: str) -> Callable[[RuleFn], RuleFn]:
    """Register a rule function under ``rule_id``."""
    def register(function: RuleFn) -> RuleFn:
        RULES[rule_id] = function
        return function
    return register


def found(script: Script, node: Node, rule_id: str, message: str) -> Finding:
    """A finding of ``rule_id`` at ``node`` (at its first non-blank character: ERROR nodes start at blanks)."""
    line, col = line_col(node)
    raw = text(node)
    leading = raw[:len(raw) - len(raw.lstrip())]
    if "\n" in leading:
        line, col = line + leading.count("\n"), len(leading.rsplit("\n", 1)[1]) + 1
    else:
        col += len(leading)
    return Finding(str(script.path), line, col, rule_id, message)


def _named(script: Script, *names: str) -> Iterator[Command]:
    wanted = set(names)
    return (c for c in commands(script.root) if c.name in wanted)


# --- header -------------------------------------------------------------------------------------------------

@rule("PS51-HEADER-MARKER")
def header_marker(script: Script) -> Iterable[Finding]:
    """Line 1 must be ``# alteryx.server: <file name without .ps1>``: winsim dispatches on it to the twin."""
    first = script.text.splitlines()[0].strip() if script.text.strip() else ""
    if first != f"# alteryx.server: {script.name}":
        yield Finding(str(script.path), 1, 1, "PS51-HEADER-MARKER",
                      f"line 1 must be '# alteryx.server: {script.name}' (the marker names the script's twin)")


@rule("PS51-HEADER-CONTRACT")
def header_contract(script: Script) -> Iterable[Finding]:
    """The leading comment block (before ``param`` or the first statement) must contain ``Contract:``."""
    leading = []
    for child in script.root.children:
        if child.type != "comment":
            break
        leading.append(text(child))
    if not any("Contract:" in line for line in leading):
        yield Finding(str(script.path), 1, 1, "PS51-HEADER-CONTRACT",
                      "the header comment must hold the script's 'Contract:' (parameters, result, failure classes)")


def _is_strict_mode(statement: Node) -> bool:
    node = unwrap(statement)
    if node is None or node.type != "command":
        return False
    call = command(node)
    version = call.value_of("version")
    return call.name == "set-strictmode" and version is not None and text(version) in ("2.0", "2")


def _is_eap_stop(statement: Node) -> bool:
    for _assignment, target, value, operator in assignments(statement):
        if operator == "=" and unwrap(target) is not None and text(unwrap(target)).lower() == "$erroractionpreference":
            return (string_value(value) or "").lower() == "stop"
    return False


@rule("PS51-HEADER-PREAMBLE")
def header_preamble(script: Script) -> Iterable[Finding]:
    """The first two statements (after ``param``) must be ``Set-StrictMode -Version 2.0`` and
    ``$ErrorActionPreference = 'Stop'``, in either order: everything after them runs strict and stops on errors."""
    first = top_statements(script)[:2]
    strict = any(_is_strict_mode(s) for s in first)
    stop = any(_is_eap_stop(s) for s in first)
    if not (strict and stop):
        node = first[0] if first else script.root
        yield found(script, node, "PS51-HEADER-PREAMBLE",
                    "start the script body with Set-StrictMode -Version 2.0 and $ErrorActionPreference = 'Stop', "
                    "before any other statement")


# --- native commands and error preference ------------------------------------------------------------------

_CONTINUE = {"continue", "silentlycontinue"}


def error_preference_at(node: Node) -> str:
    """The ``$ErrorActionPreference`` in effect at ``node``, read lexically.

    Walks out from the innermost function / script block; in each scope the last assignment that comes
    before ``node`` in the source wins. Nested statement blocks (if, try, loops) are not scopes in
    PowerShell, so an assignment inside them counts too. Without any assignment: ``stop`` (the house
    preamble, and the harsher case).
    """
    for scope in [a for a in ancestors(node) if a.type in SCOPE_TYPES]:
        latest = None
        for candidate in walk_scope(scope):
            parts = assignment(candidate)
            if parts is None or candidate.start_byte >= node.start_byte:
                continue
            target, value, operator = parts
            if operator == "=" and text(target).lower() == "$erroractionpreference":
                raw = string_value(value) or text(value).rsplit("::", 1)[-1]
                latest = raw.strip().lower()
        if latest is not None:
            return latest
    return "stop"


def _is_native(call: Command) -> bool:
    if call.invoked is not None:
        # '& { ... }' runs a script block, not a native program.
        return unwrap(call.invoked) is None or unwrap(call.invoked).type != "script_block_expression"
    return call.name is not None and call.name.endswith(".exe")


def _stderr_redirects(call: Command) -> list[Node]:
    redirects = [r for r in call.redirections if re.match(r"[2*]>", text(r).strip())]
    # '2>$null' without a space parses as a bare word, not a redirection node.
    redirects += [a.node for a in call.arguments if a.parameter is None and a.node.type == "generic_token"
                  and re.match(r"[2*]>", text(a.node))]
    return redirects


@rule("PS51-NATIVE-REDIRECT")
def native_redirect(script: Script) -> Iterable[Finding]:
    """A native command (``& <expr>`` or a name ending in ``.exe``) with stderr redirected (``2>&1``, ``2>``,
    ``*>``) while ``$ErrorActionPreference`` is ``Stop``: Windows PowerShell 5.1 wraps the first stderr line
    in a NativeCommandError, which is then terminating. Allowed when :func:`error_preference_at` finds
    ``Continue`` / ``SilentlyContinue`` set earlier in the same (or an enclosing) scope. Native commands
    called by bare name without ``.exe`` (``git``) are not recognised."""
    for call in commands(script.root):
        if not _is_native(call):
            continue
        for redirect in _stderr_redirects(call):
            if error_preference_at(call.node) not in _CONTINUE:
                yield found(script, redirect, "PS51-NATIVE-REDIRECT",
                            "stderr of a native command is redirected under $ErrorActionPreference = 'Stop': 5.1 "
                            "throws on the first stderr line. Set $ErrorActionPreference = 'Continue' in a function "
                            "around the call (see _invoke_native.ps1) and judge the exit code and output instead")


# --- file system --------------------------------------------------------------------------------------------

@rule("PS51-GCI-NOFORCE")
def gci_noforce(script: Script) -> Iterable[Finding]:
    """``Get-ChildItem`` / ``gci`` / ``ls`` / ``dir`` with ``-Recurse`` but no ``-Force``: hidden and system
    files are skipped silently, so a backup or a size sum misses them. Abbreviated parameter names
    (``-Rec``) are not recognised."""
    for call in _named(script, "get-childitem", "gci", "ls", "dir"):
        if call.switch_on("recurse") and not call.switch_on("force"):
            yield found(script, call.node, "PS51-GCI-NOFORCE",
                        "Get-ChildItem -Recurse without -Force skips hidden and system files: add -Force")


def _resolve_path_pipeline(node: Node | None) -> bool:
    """True when ``node`` is (a parenthesised) pipeline that ends in Resolve-Path."""
    node = unparen(node)
    while node is not None and node.type == "element_access":
        node = unparen(node.children[0])
    if node is None:
        return False
    if node.type == "command":
        calls = [node]
    elif node.type in ("pipeline", "pipeline_chain"):
        calls = [c for c in node.children if c.type == "command"]
    else:
        return False
    return bool(calls) and command(calls[-1]).name in ("resolve-path", "rvpa")


@rule("PS51-RESOLVE-PATH-PREFIX")
def resolve_path_prefix(script: Script) -> Iterable[Finding]:
    """``.Path`` of ``Resolve-Path``: for a UNC path it is provider-qualified
    (``Microsoft.PowerShell.Core\\FileSystem::\\\\server\\share``), so lengths and substrings computed from
    it are wrong. Catches ``(Resolve-Path ...).Path``, ``$v.Path`` where ``$v`` is assigned from
    Resolve-Path anywhere in the script, and ``Resolve-Path ... | Select-Object -ExpandProperty Path`` /
    ``ForEach-Object Path``."""
    resolved = {text(target).lower() for _a, target, value, op in assignments(script.root)
                if op == "=" and target.type == "variable" and _resolve_path_pipeline(value)}
    message = ("Resolve-Path's .Path is provider-qualified for UNC paths (Microsoft.PowerShell.Core\\FileSystem::): "
               "use (Get-Item -LiteralPath $p).FullName")
    for node in walk(script.root):
        access = member(node) if node.type == "member_access" else None
        if access is None or access[1].lower() != "path":
            continue
        obj = unwrap(access[0])
        if _resolve_path_pipeline(obj) or (obj is not None and obj.type == "variable" and text(obj).lower() in resolved):
            yield found(script, node, "PS51-RESOLVE-PATH-PREFIX", message)
    for node in walk(script.root):
        if node.type != "pipeline_chain":
            continue
        calls = [c for c in node.children if c.type == "command"]
        described = [command(c) for c in calls]
        for before, after in zip(described, described[1:], strict=False):
            if before.name not in ("resolve-path", "rvpa"):
                continue
            expand = after.value_of("expandproperty", "exp", "expand") if after.name in ("select-object", "select") else None
            each = after.positional(set()) if after.name in ("foreach-object", "%", "foreach") else []
            picked = expand if expand is not None else (each[0] if each else None)
            if picked is not None and (string_value(picked) or "").lower() == "path":
                yield found(script, after.node, "PS51-RESOLVE-PATH-PREFIX", message)


@rule("PS51-SPLIT-QUALIFIER")
def split_qualifier(script: Script) -> Iterable[Finding]:
    """``Split-Path -Qualifier`` throws for UNC paths (they have no drive qualifier)."""
    for call in _named(script, "split-path"):
        if call.switch_on("qualifier"):
            yield found(script, call.node, "PS51-SPLIT-QUALIFIER",
                        "Split-Path -Qualifier throws on UNC paths: use [IO.Path]::GetPathRoot($p) and handle '\\\\'")


@rule("PS51-MOVE-NOFORCE")
def move_noforce(script: Script) -> Iterable[Finding]:
    """``Move-Item`` (``move``, ``mv``, ``mi``) without ``-Force`` fails when the destination exists — every
    one is flagged, since whether the destination may exist is not knowable from the AST."""
    for call in _named(script, "move-item", "move", "mv", "mi"):
        if not call.switch_on("force"):
            yield found(script, call.node, "PS51-MOVE-NOFORCE",
                        "Move-Item without -Force fails when the destination exists (a rerun, a leftover): add -Force")


# --- services and processes ---------------------------------------------------------------------------------

_START_STATES = {"stopped"}
_STOP_STATES = {"running", "paused"}
_PENDING = {"startpending", "stoppending"}


def _constants(node: Node) -> set[str]:
    """Lower-cased string constants and ``[Enum]::Member`` names under ``node``."""
    values: set[str] = set()
    for inner in walk(node):
        value = string_value(inner) if inner.type in ("string_literal", "generic_token") else None
        if value is not None:
            values.add(value.lower())
        if inner.type == "member_name" and inner.prev_sibling is not None and text(inner.prev_sibling) == "::":
            values.add(text(inner).lower())
    return values


def _status_guarded(call_node: Node, states: set[str]) -> bool:
    """Heuristic guard: before ``call_node`` in its function / script block, some comparison has an operand
    that mentions ``Status`` (``$svc.Status``, ``$status``) and one of ``states`` on the other side; or
    the scope mentions StartPending / StopPending anywhere."""
    scope = scope_of(call_node)
    for node in walk(scope):
        if node.type in ("string_literal", "generic_token", "member_name", "simple_name") and \
                (string_value(node) or text(node)).lower() in _PENDING:
            return True
        if node.type != "comparison_expression" or node.start_byte >= call_node.start_byte:
            continue
        operator = next((i for i, c in enumerate(node.children) if c.type == "comparison_operator"), None)
        if operator is None:
            continue
        left, right = node.children[:operator], node.children[operator + 1:]
        for side, other in ((left, right), (right, left)):
            mentions_status = any("status" in text(n).lower() for n in side)
            if mentions_status and any(_constants(n) & states for n in other):
                return True
    return False


def _stopwatch_variables(script: Script) -> set[str]:
    return {text(target).lower() for _a, target, value, op in assignments(script.root)
            if op == "=" and target.type == "variable" and "stopwatch" in text(value).lower()}


@rule("PS51-SERVICE-PENDING")
def service_pending(script: Script) -> Iterable[Finding]:
    """``.Start()`` / ``.Stop()`` (no arguments, instance call) and ``Start-Service`` / ``Stop-Service`` /
    ``Restart-Service`` without a status guard: the Service Control Manager refuses a Start while the service
    is StopPending (and a Stop while StartPending), and that throws.

    Heuristic: allowed when the enclosing function or script block, before the call, compares something
    that mentions ``Status`` with ``'Stopped'`` (before a Start) or ``'Running'`` / ``'Paused'`` (before a
    Stop; either for Restart-Service), or mentions ``StartPending`` / ``StopPending`` anywhere. Receivers
    assigned from a ``Stopwatch`` are skipped. It checks that a guard exists, not that it dominates the call.
    """
    stopwatches = _stopwatch_variables(script)
    message = ("{what} without a status guard: the SCM refuses it from a pending state. Poll .Status, wait out "
               "StartPending/StopPending, and only {verb} from {states} (see Set-ServiceTarget in _service_control.ps1)")
    for node in walk(script.root):
        if node.type != "invokation_expression":
            continue
        name = next((c for c in node.children if c.type == "member_name"), None)
        operator = name.prev_sibling if name is not None else None
        arguments = next((c for c in node.children if c.type == "argument_list"), None)
        if name is None or operator is None or text(operator) != "." or arguments is None or arguments.named_child_count:
            continue
        method = text(name).lower()
        if method not in ("start", "stop") or text(unwrap(node.children[0]) or node).lower() in stopwatches:
            continue
        states = _START_STATES if method == "start" else _STOP_STATES
        if not _status_guarded(node, states):
            yield found(script, node, "PS51-SERVICE-PENDING", message.format(
                what=f".{text(name)}()", verb=method, states="Stopped" if method == "start" else "Running/Paused"))
    for call in _named(script, "start-service", "sasv", "stop-service", "spsv", "restart-service"):
        states = {"start-service": _START_STATES, "sasv": _START_STATES}.get(call.name or "", _STOP_STATES)
        if call.name == "restart-service":
            states = _START_STATES | _STOP_STATES
        if not _status_guarded(call.node, states):
            verb = "start" if states == _START_STATES else "stop"
            yield found(script, call.node, "PS51-SERVICE-PENDING", message.format(
                what=call.name, verb=verb, states="Stopped" if verb == "start" else "Running/Paused"))


@rule("PS51-WAITFORSTATUS")
def wait_for_status(script: Script) -> Iterable[Finding]:
    """``.WaitForStatus(...)`` waits the whole timeout when the service crashes back to Stopped on its way
    to Running, and says nothing about why."""
    for node in walk(script.root):
        if node.type == "invokation_expression" and any(
                c.type == "member_name" and text(c).lower() == "waitforstatus" for c in node.children):
            yield found(script, node, "PS51-WAITFORSTATUS",
                        "WaitForStatus waits the full timeout when the service falls back to Stopped: poll "
                        "$svc.Refresh(); $svc.Status in a loop with a deadline and fail fast on Stopped")


@rule("PS51-EXIT")
def exit_statement(script: Script) -> Iterable[Finding]:
    """``exit`` anywhere: win_powershell runs the script in a hosted runspace, where ``exit`` calls
    SetShouldExit on the module host instead of ending the script cleanly."""
    for node in walk(script.root):
        if node.type == "flow_control_statement" and node.children and node.children[0].type == "exit":
            yield found(script, node, "PS51-EXIT",
                        "exit in a win_powershell script ends the hosted runspace: use return at script level, "
                        "or throw and catch it at script level")


@rule("PS51-STOP-PROCESS")
def stop_process(script: Script) -> Iterable[Finding]:
    """``Stop-Process`` (``kill``, ``spps``) without ``-ErrorAction SilentlyContinue`` / ``Ignore``: a process
    that exited between listing and killing makes it a terminating error under ``Stop``."""
    for call in _named(script, "stop-process", "kill", "spps"):
        action = call.value_of("erroraction", "ea")
        if (string_value(action) or "").lower() not in ("silentlycontinue", "ignore"):
            yield found(script, call.node, "PS51-STOP-PROCESS",
                        "Stop-Process throws for a process that already exited: add -ErrorAction SilentlyContinue")


# --- PowerShell 6+ only -------------------------------------------------------------------------------------

def _leaf_errors(script: Script) -> Iterator[Node]:
    """ERROR (and MISSING) nodes that contain no other ERROR node."""
    for node in walk(script.root):
        if (node.type == "ERROR" and not any(c.type == "ERROR" for c in walk(node) if c != node)) or node.is_missing:
            yield node


def _question_construct(script: Script, node: Node) -> str | None:
    """Which 7.x operator a leaf ERROR made of '?' characters is, judged from the source right after it."""
    token = text(node).strip()
    if token not in ("?", "??"):
        return None
    following = script.text.encode("utf-8")[node.end_byte:node.end_byte + 1].decode("utf-8", "replace")
    if token == "??":
        return "PS51-PS7-NULL-COALESCE"
    if following in (".", "["):
        return "PS51-PS7-NULL-CONDITIONAL"
    return "PS51-PS7-TERNARY"


_PS7_MESSAGES = {
    "PS51-PS7-TERNARY": "the ternary operator a ? b : c is PowerShell 7 only: use if ($a) { $b } else { $c }",
    "PS51-PS7-NULL-COALESCE": "?? and ??= are PowerShell 7 only: use if ($null -eq $a) { ... }",
    "PS51-PS7-NULL-CONDITIONAL": "?. and ?[] are PowerShell 7 only: test for $null first",
    "PS51-PS7-PIPELINE-CHAIN": "&& and || between pipelines are PowerShell 7 only: use if ($?) { ... } or try/catch",
}


def _ps7_syntax(script: Script, rule_id: str) -> Iterable[Finding]:
    """Findings of ``rule_id`` among the syntax tree-sitter cannot parse as 5.1 (ERROR nodes) or parses
    into a dedicated node (``pipeline_chain_tail``)."""
    for node in _leaf_errors(script):
        construct = _question_construct(script, node)
        if construct is None and text(node).strip() in ("&&", "||"):
            construct = "PS51-PS7-PIPELINE-CHAIN"
        if construct == rule_id:
            yield found(script, node, rule_id, _PS7_MESSAGES[rule_id])
    if rule_id == "PS51-PS7-PIPELINE-CHAIN":
        for node in walk(script.root):
            if node.type == "pipeline_chain_tail":
                yield found(script, node, rule_id, _PS7_MESSAGES[rule_id])


@rule("PS51-PS7-TERNARY")
def ps7_ternary(script: Script) -> Iterable[Finding]:
    """``$a ? $b : $c``: tree-sitter-powershell parses it into an ERROR holding a lone ``?``."""
    return _ps7_syntax(script, "PS51-PS7-TERNARY")


@rule("PS51-PS7-NULL-COALESCE")
def ps7_null_coalesce(script: Script) -> Iterable[Finding]:
    """``$a ?? $b`` and ``$a ??= $b``: an ERROR node holding ``??``."""
    return _ps7_syntax(script, "PS51-PS7-NULL-COALESCE")


@rule("PS51-PS7-NULL-CONDITIONAL")
def ps7_null_conditional(script: Script) -> Iterable[Finding]:
    """``$a?.b`` and ``${a}?[0]``: an ERROR node holding ``?`` right before ``.`` or ``[``."""
    return _ps7_syntax(script, "PS51-PS7-NULL-CONDITIONAL")


@rule("PS51-PS7-PIPELINE-CHAIN")
def ps7_pipeline_chain(script: Script) -> Iterable[Finding]:
    """``a && b`` / ``a || b``: the grammar has a ``pipeline_chain_tail`` node for them (or an ERROR)."""
    return _ps7_syntax(script, "PS51-PS7-PIPELINE-CHAIN")


@rule("PS51-PS7-CLEAN-BLOCK")
def ps7_clean_block(script: Script) -> Iterable[Finding]:
    """``clean { }`` (7.3+): parsed either as a call of a command named ``clean`` with a script block, or
    as ``clean`` inside an ERROR after begin/process/end blocks. 5.1 would run a command named clean."""
    for call in _named(script, "clean"):
        if call.arguments and unwrap(call.arguments[0].node) is not None and \
                unwrap(call.arguments[0].node).type == "script_block_expression":
            yield found(script, call.node, "PS51-PS7-CLEAN-BLOCK", "the clean {} block is PowerShell 7.3+: use end {} "
                                                                   "with try/finally")
    for node in walk(script.root):
        if node.type == "simple_name" and node.parent is not None and node.parent.type == "ERROR" \
                and text(node).strip().lower() == "clean":
            yield found(script, node, "PS51-PS7-CLEAN-BLOCK", "the clean {} block is PowerShell 7.3+: use end {} "
                                                              "with try/finally")


@rule("PS51-PS7-JOIN-PATH")
def ps7_join_path(script: Script) -> Iterable[Finding]:
    """``Join-Path`` with ``-AdditionalChildPath`` or more than two paths (named ``-Path`` / ``-ChildPath``
    plus positional ones): 5.1 has only Path and ChildPath."""
    valued = {"path", "childpath", "additionalchildpath", "credential"}
    for call in _named(script, "join-path"):
        named = [p for p in call.parameters() if p in ("path", "childpath")]
        if "additionalchildpath" in call.parameters() or len(named) + len(call.positional(valued)) > 2:
            yield found(script, call.node, "PS51-PS7-JOIN-PATH",
                        "Join-Path takes only -Path and -ChildPath in 5.1: nest it, Join-Path (Join-Path $a $b) $c")


def _command_rule(script: Script, rule_id: str, names: tuple[str, ...], parameter: str | None, message: str,
                  ) -> Iterable[Finding]:
    for call in commands(script.root):
        if names and call.name not in names:
            continue
        if parameter is None or parameter in call.parameters():
            yield found(script, call.node, rule_id, message)


@rule("PS51-PS7-ASHASHTABLE")
def ps7_as_hashtable(script: Script) -> Iterable[Finding]:
    """``ConvertFrom-Json -AsHashtable`` (6.0+)."""
    return _command_rule(script, "PS51-PS7-ASHASHTABLE", ("convertfrom-json",), "ashashtable",
                         "ConvertFrom-Json -AsHashtable is PowerShell 6+: use the PSCustomObject it returns")


@rule("PS51-PS7-ASBYTESTREAM")
def ps7_as_byte_stream(script: Script) -> Iterable[Finding]:
    """``-AsByteStream`` on any command (6.0+; 5.1 has ``-Encoding Byte``)."""
    return _command_rule(script, "PS51-PS7-ASBYTESTREAM", (), "asbytestream",
                         "-AsByteStream is PowerShell 6+: use [IO.File]::ReadAllBytes / WriteAllBytes")


@rule("PS51-PS7-PARALLEL")
def ps7_parallel(script: Script) -> Iterable[Finding]:
    """``ForEach-Object -Parallel`` (``%``, ``foreach``), 7.0+."""
    return _command_rule(script, "PS51-PS7-PARALLEL", ("foreach-object", "%", "foreach"), "parallel",
                         "ForEach-Object -Parallel is PowerShell 7+: loop sequentially or use Start-Job")


@rule("PS51-PS7-ENCODING")
def ps7_encoding(script: Script) -> Iterable[Finding]:
    """``-Encoding utf8NoBOM`` / ``utf8BOM`` on any command: those names exist from 6.0 on."""
    for call in commands(script.root):
        value = call.value_of("encoding")
        if value is not None and (string_value(value) or text(value)).lower() in ("utf8nobom", "utf8bom"):
            yield found(script, call.node, "PS51-PS7-ENCODING",
                        "-Encoding utf8NoBOM/utf8BOM is PowerShell 6+: write with [IO.File]::WriteAllText($p, $t, "
                        "(New-Object Text.UTF8Encoding($false)))")


@rule("PS51-PS7-TEST-JSON")
def ps7_test_json(script: Script) -> Iterable[Finding]:
    """``Test-Json`` (6.1+)."""
    return _command_rule(script, "PS51-PS7-TEST-JSON", ("test-json",), None,
                         "Test-Json is PowerShell 6.1+: ConvertFrom-Json in try/catch")


@rule("PS51-PS7-GET-ERROR")
def ps7_get_error(script: Script) -> Iterable[Finding]:
    """``Get-Error`` (7.0+)."""
    return _command_rule(script, "PS51-PS7-GET-ERROR", ("get-error",), None,
                         "Get-Error is PowerShell 7+: read $_.Exception / $Error[0] instead")


def _statement(node: Node) -> Node:
    """The statement (a child of a statement list) that contains ``node``."""
    for ancestor in ancestors(node):
        if ancestor.parent is None or ancestor.parent.type == "statement_list":
            return ancestor
    return node


def _ps7_construct(script: Script, node: Node) -> bool:
    return _question_construct(script, node) is not None or text(node).strip() in ("&&", "||") or any(
        c.type == "simple_name" and text(c).strip().lower() == "clean" for c in node.children)


@rule("PS51-PARSE")
def parse_errors(script: Script) -> Iterable[Finding]:
    """Any other ERROR / MISSING node: the gate cannot judge code it cannot parse (``make ps-syntax`` says more).
    Leftover errors in a statement that holds a recognised 7.x construct belong to that construct."""
    errors = list(_leaf_errors(script))
    explained = {_statement(n).id for n in errors if _ps7_construct(script, n)}
    for node in errors:
        if not _ps7_construct(script, node) and _statement(node).id not in explained:
            yield found(script, node, "PS51-PARSE", f"cannot parse {text(node).strip()[:40]!r}: fix the syntax "
                                                    "(tree-sitter-powershell reads it as an error)")


# --- runner -------------------------------------------------------------------------------------------------

def check(path: Path) -> list[Finding]:
    """All findings of every rule for the script at ``path``, in file order."""
    script = parse_file(path)
    findings = {f for rule_fn in RULES.values() for f in rule_fn(script)}
    return sorted(findings, key=lambda f: (f.line, f.col, f.rule))


def scripts(roots: list[str]) -> list[Path]:
    """``.ps1`` files named directly or found under the given folders."""
    found_paths: set[Path] = set()
    for root in map(Path, roots):
        found_paths.update([root] if root.is_file() else root.rglob("*.ps1"))
    return sorted(found_paths)


def main(roots: list[str]) -> int:
    """Print every finding; 1 when there is any (or no script was found), else 0."""
    paths = scripts(roots)
    findings = [f for path in paths for f in check(path)]
    for finding in findings:
        print(finding)
    print(f"ps51-gate: {len(paths)} script(s), {len(findings)} finding(s)")
    return 1 if findings or not paths else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["plugins"]))
