"""tree-sitter-powershell loading and the small AST helpers the PowerShell tools share.

The grammar wraps every expression in a long chain of single-child nodes (``logical_expression`` ->
``bitwise_expression`` -> ... -> ``unary_expression``); :func:`unwrap` skips that chain so that callers can
ask "is this a string literal / a variable / a hashtable" directly. Used by ``ps_syntax.py`` (syntax gate),
``ps51_gate.py`` (Windows PowerShell 5.1 gate) and ``parity_ps.py`` (script/twin parity test).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

PARSER = Parser(Language(tree_sitter_powershell.language()))

# Single-child wrappers of the expression grammar; unwrap() descends through them.
_WRAPPERS = frozenset({
    "pipeline", "pipeline_chain", "logical_expression", "bitwise_expression", "comparison_expression",
    "additive_expression", "multiplicative_expression", "format_expression", "range_expression",
    "array_literal_expression", "unary_expression", "argument_expression", "logical_argument_expression",
    "bitwise_argument_expression", "comparison_argument_expression", "additive_argument_expression",
    "multiplicative_argument_expression", "format_argument_expression", "range_argument_expression",
    "left_assignment_expression", "key_expression", "redirected_file_name",
})
# Nodes that open a new PowerShell scope (or, for script blocks, a separately invoked body).
SCOPE_TYPES = frozenset({"program", "function_statement", "script_block_expression"})
_INCLUDE = re.compile(r"^#include\s+(\S+)\s*$", re.MULTILINE)


@dataclass
class Script:
    """One parsed ``.ps1`` file."""

    path: Path
    text: str
    root: Node

    @property
    def name(self) -> str:
        """File name without ``.ps1`` (the name the ``# alteryx.server:`` marker must carry)."""
        return self.path.stem


def parse_text(text: str, path: Path | str = "<text>") -> Script:
    """Parse PowerShell source ``text``."""
    return Script(Path(path), text, PARSER.parse(text.encode("utf-8")).root_node)


def parse_file(path: Path) -> Script:
    """Parse the PowerShell file at ``path`` (UTF-8)."""
    return parse_text(path.read_text(encoding="utf-8"), path)


def includes(script: Script) -> list[Script]:
    """Scripts named by ``#include <file>`` lines, parsed from the same folder (the controller inlines them)."""
    return [parse_file(script.path.parent / name) for name in _INCLUDE.findall(script.text)
            if (script.path.parent / name).is_file()]


def text(node: Node) -> str:
    """Source text of ``node``."""
    return (node.text or b"").decode("utf-8")


def line_col(node: Node) -> tuple[int, int]:
    """1-based line and column of ``node``."""
    return node.start_point[0] + 1, node.start_point[1] + 1


def walk(node: Node) -> Iterator[Node]:
    """Every node under ``node`` (itself included), in source order."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children))


def walk_scope(node: Node) -> Iterator[Node]:
    """Like :func:`walk` but does not enter nested functions or script blocks (other scopes)."""
    stack = list(reversed(node.children))
    yield node
    while stack:
        current = stack.pop()
        yield current
        if current.type not in SCOPE_TYPES:
            stack.extend(reversed(current.children))


def ancestors(node: Node) -> Iterator[Node]:
    """Parents of ``node``, innermost first."""
    parent = node.parent
    while parent is not None:
        yield parent
        parent = parent.parent


def enclosing(node: Node, types: frozenset[str] | set[str]) -> Node | None:
    """Innermost ancestor of ``node`` whose type is in ``types``."""
    return next((a for a in ancestors(node) if a.type in types), None)


def scope_of(node: Node) -> Node:
    """Innermost function, script block or the program that contains ``node``."""
    found = enclosing(node, SCOPE_TYPES)
    assert found is not None, "every node lives under program"
    return found


def unwrap(node: Node | None) -> Node | None:
    """Skip single-child expression wrappers down to the node that carries meaning."""
    while node is not None and node.type in _WRAPPERS and node.named_child_count == 1:
        node = node.named_children[0]
    return node


def unparen(node: Node | None) -> Node | None:
    """:func:`unwrap`, also through ``( ... )`` and ``$( ... )`` around a single pipeline."""
    node = unwrap(node)
    while node is not None and node.type in ("parenthesized_expression", "sub_expression"):
        inner = [c for c in node.named_children if c.type not in ("comment",)]
        if len(inner) != 1:
            break
        node = unwrap(inner[0])
        if node is not None and node.type == "statement_list" and node.named_child_count == 1:
            node = unwrap(node.named_children[0])
    return node


def string_value(node: Node | None) -> str | None:
    """Value of a constant string (quotes removed); ``None`` for anything that is not constant.

    A double-quoted string that interpolates ``$var`` or ``$(...)`` is not constant. Bare words
    (``generic_token``, ``simple_name``) count as constants, as PowerShell reads them as strings in
    argument mode and as hashtable keys.
    """
    node = unwrap(node)
    if node is None:
        return None
    if node.type == "string_literal" and node.named_child_count == 1:
        node = node.named_children[0]
    raw = text(node)
    if node.type == "verbatim_string_characters" or (node.type == "string_literal" and raw.startswith("'")):
        return raw[1:-1].replace("''", "'")
    if node.type == "expandable_string_literal":
        return None if node.named_child_count else raw[1:-1]
    if node.type in ("generic_token", "simple_name"):
        return raw
    return None


def is_variable(node: Node | None, name: str) -> bool:
    """True when ``node`` is the variable ``$name`` (case-insensitive)."""
    node = unwrap(node)
    return node is not None and node.type == "variable" and text(node).lower() == f"${name.lower()}"


def member(node: Node | None) -> tuple[Node, str] | None:
    """``(object, member name)`` of a ``$obj.Member`` access, else ``None``."""
    node = unwrap(node)
    if node is None or node.type != "member_access":
        return None
    name = next((c for c in node.children if c.type == "member_name"), None)
    if name is None or not node.children:
        return None
    return node.children[0], text(name)


def assignment(node: Node) -> tuple[Node, Node, str] | None:
    """``(unwrapped target, value, operator text)`` of an ``assignment_expression``, else ``None``."""
    if node.type != "assignment_expression":
        return None
    target = next((c for c in node.children if c.type == "left_assignment_expression"), None)
    operator = next((c for c in node.children if c.type == "assignement_operator"), None)
    if target is None or operator is None:
        return None
    return unwrap(target) or target, node.children[-1], text(operator)


def assignments(node: Node) -> Iterator[tuple[Node, Node, Node, str]]:
    """Every ``target op value`` under ``node``: (assignment node, unwrapped target, value, operator text)."""
    for found in walk(node):
        parts = assignment(found)
        if parts is not None:
            yield found, *parts


def is_member_target(target: Node, obj: str, name: str) -> bool:
    """True when ``target`` is ``$obj.name`` (case-insensitive)."""
    access = member(target)
    return access is not None and is_variable(access[0], obj) and access[1].lower() == name.lower()


def hashtable_keys(node: Node | None) -> list[tuple[str, Node]] | None:
    """Top-level keys of a ``@{ ... }`` literal with the value node of each; ``None`` if not a literal."""
    node = unparen(node)
    if node is None or node.type != "hash_literal_expression":
        return None
    body = next((c for c in node.children if c.type == "hash_literal_body"), None)
    keys: list[tuple[str, Node]] = []
    for entry in body.children if body is not None else []:
        if entry.type != "hash_entry":
            continue
        key = next((c for c in entry.children if c.type == "key_expression"), None)
        value = next((c for c in entry.children if c.type == "pipeline"), entry)
        name = string_value(key.named_children[0]) if key is not None and key.named_children else None
        if name is not None:
            keys.append((name, value))
    return keys


@dataclass
class Argument:
    """One element of a command call: a ``-Parameter`` (with its ``-P:value`` value) or a positional value."""

    parameter: str | None
    node: Node
    colon_value: Node | None = None


@dataclass
class Command:
    """A command invocation: its lower-cased name (``None`` for ``& <expression>``) and elements."""

    node: Node
    name: str | None
    invoked: Node | None
    arguments: list[Argument] = field(default_factory=list)
    redirections: list[Node] = field(default_factory=list)

    def parameters(self) -> list[str]:
        """Lower-cased parameter names given (without the dash)."""
        return [a.parameter for a in self.arguments if a.parameter is not None]

    def switch_on(self, name: str, *aliases: str) -> bool:
        """True when switch ``-name`` is given and not turned off with ``-name:$false``."""
        wanted = {name.lower(), *(a.lower() for a in aliases)}
        for argument in self.arguments:
            if argument.parameter in wanted:
                return not (argument.colon_value is not None and is_variable(argument.colon_value, "false"))
        return False

    def value_of(self, name: str, *aliases: str) -> Node | None:
        """Value node of ``-name value`` / ``-name:value``; ``None`` when absent or without a value."""
        wanted = {name.lower(), *(a.lower() for a in aliases)}
        for index, argument in enumerate(self.arguments):
            if argument.parameter not in wanted:
                continue
            if argument.colon_value is not None:
                return argument.colon_value
            following = self.arguments[index + 1] if index + 1 < len(self.arguments) else None
            return following.node if following is not None and following.parameter is None else None
        return None

    def positional(self, valued: set[str]) -> list[Node]:
        """Positional values, given the lower-cased names of the parameters that take a value."""
        values: list[Node] = []
        skip = False
        for argument in self.arguments:
            if skip:
                skip = False
                if argument.parameter is None:
                    continue
            if argument.parameter is not None:
                skip = argument.parameter in valued and argument.colon_value is None
                continue
            values.append(argument.node)
        return values


def command(node: Node) -> Command:
    """Describe the ``command`` node ``node``."""
    name_node = next((c for c in node.children if c.type in ("command_name", "command_name_expr")), None)
    invoked = None
    name: str | None = None
    if name_node is not None and name_node.type == "command_name":
        name = text(name_node).strip("'\"").lower()
    elif name_node is not None:
        invoked = name_node.named_children[0] if name_node.named_children else name_node
        constant = string_value(invoked)
        name = constant.lower() if constant is not None else None
    result = Command(node, name, invoked)
    elements = next((c for c in node.children if c.type == "command_elements"), None)
    pending: Argument | None = None
    colon = False
    separated = True
    for element in elements.children if elements is not None else []:
        if element.type == "comment":
            continue
        if element.type == "command_argument_sep":
            # '-Name:value' parses as parameter, a ':' separator, then the value.
            colon = pending is not None and text(element).strip() == ":"
            separated = True
            continue
        if not separated:
            # Elements with no separator between them are one argument to PowerShell: the grammar splits
            # '$s.Substring($n)' into '$s.Substring' and '($n)'.
            continue
        separated = False
        if colon and pending is not None:
            pending.colon_value = element
        elif element.type == "redirection":
            result.redirections.append(element)
        elif element.type == "command_parameter":
            pending = Argument(text(element).lstrip("-").rstrip(":").lower(), element)
            result.arguments.append(pending)
            continue
        else:
            result.arguments.append(Argument(None, element))
        pending, colon = None, False
    return result


def commands(root: Node) -> Iterator[Command]:
    """Every command invocation under ``root``."""
    for node in walk(root):
        if node.type == "command":
            yield command(node)


@dataclass
class Param:
    """One parameter of a ``param()`` block or a function declaration."""

    name: str
    type_name: str | None
    default: str | None


@dataclass
class ParamBlock:
    """A script's ``[CmdletBinding()] param(...)``."""

    cmdlet_binding: bool = False
    supports_should_process: bool = False
    params: list[Param] = field(default_factory=list)


def _parameters(parameter_list: Node | None) -> list[Param]:
    found: list[Param] = []
    for parameter in parameter_list.children if parameter_list is not None else []:
        if parameter.type != "script_parameter":
            continue
        variable = next((c for c in parameter.children if c.type == "variable"), None)
        if variable is None:
            continue
        type_name = None
        attributes = next((c for c in parameter.children if c.type == "attribute_list"), None)
        for attribute in attributes.children if attributes is not None else []:
            literal = next((c for c in attribute.children if c.type == "type_literal"), None)
            spec = next((c for c in literal.children if c.type == "type_spec"), None) if literal else None
            if spec is not None:
                type_name = text(spec)
        default = next((c for c in parameter.children if c.type == "script_parameter_default"), None)
        default_text = text(default).lstrip("=").strip() if default is not None else None
        found.append(Param(text(variable).lstrip("$"), type_name, default_text))
    return found


def param_block(script: Script) -> ParamBlock:
    """The script-level ``param()`` block (empty when the script has none)."""
    block = next((c for c in script.root.children if c.type == "param_block"), None)
    if block is None:
        return ParamBlock()
    result = ParamBlock(params=_parameters(next((c for c in block.children if c.type == "parameter_list"), None)))
    for attribute in walk(block):
        if attribute.type == "attribute_name" and text(attribute).lower() == "cmdletbinding":
            result.cmdlet_binding = True
            arguments = next((c for c in attribute.parent.children if c.type == "attribute_arguments"), None)
            result.supports_should_process = arguments is not None and "supportsshouldprocess" in text(arguments).lower()
    return result


def functions(root: Node) -> dict[str, Node]:
    """Function definitions under ``root`` by lower-cased name."""
    return {text(name).lower(): node for node in walk(root) if node.type == "function_statement"
            for name in node.children if name.type == "function_name"}


def function_params(function: Node) -> list[Param]:
    """Parameters of ``function Name(...) {}`` or of a ``param()`` block at the top of its body."""
    declaration = next((c for c in function.children if c.type == "function_parameter_declaration"), None)
    if declaration is not None:
        return _parameters(next((c for c in declaration.children if c.type == "parameter_list"), None))
    body = next((c for c in function.children if c.type == "script_block"), None)
    block = next((c for c in body.children if c.type == "param_block"), None) if body is not None else None
    return _parameters(next((c for c in block.children if c.type == "parameter_list"), None)) if block else []


def top_statements(script: Script) -> list[Node]:
    """Statements of the script body in order (comments and empty statements left out)."""
    body = next((c for c in script.root.children if c.type == "statement_list"), None)
    return block_statements(body)


def block_statements(statement_list: Node | None) -> list[Node]:
    """Statements of a ``statement_list`` (comments and ``;`` left out)."""
    if statement_list is None:
        return []
    return [c for c in statement_list.children if c.type not in ("comment", "empty_statement", ";")]
