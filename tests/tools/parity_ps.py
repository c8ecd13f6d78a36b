"""Facts the script/twin parity test reads from a host script (``.ps1``) with tree-sitter.

Conventions these readers rely on (the scripts follow them; anything else is reported, not guessed):

* **Success result**: the last ``$Ansible.Result = <value>`` outside functions that is not on a failure
  path: inside a ``catch`` or ``trap`` block, or in a block that itself sets ``$Ansible.Failed``. ``<value>``
  is a ``@{...}`` literal, ``$var`` or ``A + B`` of those. For ``$var`` the keys are those of the last
  ``$var = @{...}`` before it (outside functions, not on a failure path), plus keys added anywhere off a
  failure path by ``$var.key = ...``, ``$var['key'] = ...``, ``$var.Add('key', ...)`` or ``$var += @{...}``.
* **Failure classes**: literals in ``failure_class = ...`` hashtable entries, in ``$x.failure_class = ...``
  / ``$x['failure_class'] = ...`` assignments, and in arguments bound to a parameter named ``$Class`` of
  a function of the script or of its ``#include`` files. A value is read through ``( )``, ``if/else``
  branches and the string arguments of a call to a script function (``Get-FailureClass $_ 'general'``);
  a variable is not followed (its literal is checked where it is bound).
* **$Ansible.Changed on every return path** (conservative): an end of the script -- a ``return`` outside
  functions and script blocks (trap and catch blocks included), ``exit`` or a call of a function that
  contains ``exit``, and the end of the script -- is covered when some statement list on its way up to
  the script body has a direct ``$Ansible.Changed = ...`` statement before it. Assignments nested in an
  earlier ``if`` / ``try`` do not count. A ``return`` in a ``trap`` is covered only by the trap's own
  assignment or by one in the script's prologue (before its first statement that can fail), since a
  trap fires from anywhere in the script. Uncaught ``throw`` is not a return path here.
"""

from __future__ import annotations

from dataclasses import dataclass

from psast import (
    Script,
    ancestors,
    assignment,
    block_statements,
    command,
    function_params,
    functions,
    hashtable_keys,
    is_member_target,
    is_variable,
    line_col,
    member,
    string_value,
    text,
    top_statements,
    unparen,
    unwrap,
    walk,
)
from tree_sitter import Node


class ParityError(Exception):
    """The script does not follow a convention the parity test relies on."""


@dataclass(frozen=True)
class Located:
    """A value found at a line of a script."""

    value: str
    line: int


# --- success result keys ------------------------------------------------------------------------------------

def _is_ansible(node: Node, name: str) -> bool:
    parts = assignment(node)
    return parts is not None and parts[2] == "=" and is_member_target(parts[0], "Ansible", name)


def _statement_assignment(statement: Node) -> Node | None:
    """The assignment a statement consists of, if it is one."""
    node = unwrap(statement)
    return node if node is not None and node.type == "assignment_expression" else None


def _sets_failed(statement_list: Node) -> bool:
    return any((a := _statement_assignment(s)) is not None and _is_ansible(a, "Failed")
               for s in block_statements(statement_list))


def on_failure_path(node: Node) -> bool:
    """True inside a catch / trap block or a block that sets ``$Ansible.Failed`` (not the script body)."""
    for ancestor in ancestors(node):
        if ancestor.type in ("catch_clause", "trap_statement"):
            return True
        if ancestor.type == "statement_list" and ancestor.parent is not None and ancestor.parent.type != "program" \
                and _sets_failed(ancestor):
            return True
    return False


def _added_keys(script: Script, variable: str) -> set[str]:
    keys: set[str] = set()
    for node in walk(script.root):
        if on_failure_path(node):
            continue
        parts = assignment(node)
        if parts is not None:
            target, value, operator = parts
            access = member(target)
            if operator == "=" and access is not None and is_variable(access[0], variable):
                keys.add(access[1])
            elif operator == "=" and target.type == "element_access" and is_variable(target.children[0], variable):
                key = string_value(target.named_children[1]) if target.named_child_count > 1 else None
                if key is not None:
                    keys.add(key)
            elif operator == "+=" and is_variable(target, variable):
                keys.update(k for k, _v in hashtable_keys(value) or [])
        elif node.type == "invokation_expression" and is_variable(node.children[0], variable) and any(
                c.type == "member_name" and text(c).lower() == "add" for c in node.children):
            first = next((c for c in walk(node) if c.type == "argument_expression"), None)
            key = string_value(first) if first is not None else None
            if key is not None:
                keys.add(key)
    return keys


def _value_keys(script: Script, value: Node, before: Node) -> set[str]:
    literal = hashtable_keys(value)
    if literal is not None:
        return {k for k, _v in literal}
    node = unparen(value)
    if node is not None and node.type == "additive_expression" and any(text(c) == "+" for c in node.children):
        return set().union(*(_value_keys(script, c, before) for c in node.named_children))
    if node is not None and node.type == "variable":
        name = text(node).lstrip("$")
        base = None
        for found in walk(script.root):
            parts = assignment(found)
            if parts is None or found.start_byte >= before.start_byte or not _outside_functions(found) \
                    or on_failure_path(found):
                continue
            if parts[2] == "=" and is_variable(parts[0], name):
                base = hashtable_keys(parts[1])
        if base is None:
            raise ParityError(f"{script.path}: ${name} is not built from a @{{...}} literal before line "
                              f"{line_col(before)[0]}")
        return {k for k, _v in base} | _added_keys(script, name)
    raise ParityError(f"{script.path}:{line_col(value)[0]}: cannot read the keys of {text(value)[:60]!r}")


def result_keys(script: Script) -> set[str]:
    """Keys of the script's success ``$Ansible.Result`` (see the module docstring)."""
    final = None
    for node in walk(script.root):
        if _is_ansible(node, "Result") and _outside_functions(node) and not on_failure_path(node):
            final = node
    if final is None:
        raise ParityError(f"{script.path}: no $Ansible.Result = ... outside a failure path (the success result)")
    _target, value, _operator = assignment(final) or (None, final, "")
    return _value_keys(script, value, final)


# --- failure classes ----------------------------------------------------------------------------------------

def _class_literals(node: Node | None, script_functions: set[str]) -> list[Located]:
    node = unparen(node)
    if node is None:
        return []
    constant = string_value(node)
    if constant is not None:
        return [Located(constant, line_col(node)[0])]
    if node.type == "if_statement":
        found: list[Located] = []
        for block in (n for n in walk(node) if n.type == "statement_block" and _branch_of(n, node)):
            statements = block_statements(next((c for c in block.children if c.type == "statement_list"), None))
            if statements:
                found += _class_literals(statements[-1], script_functions)
        return found
    if node.type == "command" and command(node).name in script_functions:
        return [Located(v, line_col(a.node)[0]) for a in command(node).arguments
                if a.parameter is None and (v := string_value(a.node)) is not None]
    return []


def _branch_of(block: Node, if_node: Node) -> bool:
    """True when ``block`` is a then / elseif / else block of ``if_node`` itself (not of a nested if)."""
    owner = block.parent
    while owner is not None and owner.type in ("elseif_clause", "elseif_clauses", "else_clause"):
        owner = owner.parent
    return owner == if_node


def failure_classes(script: Script, helpers: list[Script]) -> list[Located]:
    """Every failure class literal of ``script`` (see the module docstring)."""
    defined: dict[str, list[str]] = {}
    for source in [script, *helpers]:
        for name, function in functions(source.root).items():
            defined[name] = [p.name.lower() for p in function_params(function)]
    found: list[Located] = []
    for node in walk(script.root):
        if node.type == "hash_entry":
            key = next((c for c in node.children if c.type == "key_expression"), None)
            if key is not None and key.named_children and string_value(key.named_children[0]) == "failure_class":
                equals = next(i for i, c in enumerate(node.children) if c.type == "=")
                value = next((c for c in node.children[equals + 1:] if c.is_named), None)
                found += _class_literals(value, set(defined))
        parts = assignment(node)
        if parts is not None:
            target = parts[0]
            access = member(target)
            index = string_value(target.named_children[1]) if target.type == "element_access" and \
                target.named_child_count > 1 else None
            if (access is not None and access[1] == "failure_class") or index == "failure_class":
                found += _class_literals(parts[1], set(defined))
        if node.type == "command":
            call = command(node)
            params = defined.get(call.name or "")
            if params and "class" in params:
                bound = call.value_of("class")
                if bound is None:
                    positional = call.positional(set(params))
                    position = params.index("class")
                    bound = positional[position] if position < len(positional) else None
                found += _class_literals(bound, set(defined))
    return found


# --- $Ansible.Changed on every return path ------------------------------------------------------------------

def _sets_changed(statement: Node) -> bool:
    found = _statement_assignment(statement)
    return found is not None and _is_ansible(found, "Changed")


def _outside_functions(node: Node) -> bool:
    return not any(a.type in ("function_statement", "script_block_expression") for a in ancestors(node))


def _exit_functions(sources: list[Script]) -> set[str]:
    return {name for source in sources for name, function in functions(source.root).items()
            if any(n.type == "flow_control_statement" and n.children and n.children[0].type == "exit"
                   for n in walk(function))}


def script_ends(script: Script, helpers: list[Script]) -> list[tuple[Node, str]]:
    """Every place the script can end, with a description (the end of the script itself is not included)."""
    exits = _exit_functions([script, *helpers])
    ends: list[tuple[Node, str]] = []
    for node in walk(script.root):
        if node.type == "flow_control_statement" and node.children and node.children[0].type in ("return", "exit") \
                and _outside_functions(node):
            ends.append((node, node.children[0].type))
        elif node.type == "command" and command(node).name in exits and _outside_functions(node):
            ends.append((node, f"call of {command(node).name} (it exits)"))
    return ends


def _prologue_sets_changed(script: Script) -> bool:
    for statement in top_statements(script):
        if _sets_changed(statement):
            return True
        node = unwrap(statement)
        harmless = node is not None and (node.type in ("function_statement", "trap_statement") or (
            node.type == "command" and command(node).name == "set-strictmode") or (
            node.type == "assignment_expression" and text(assignment(node)[0]).lower() == "$erroractionpreference"))
        if not harmless:
            return False
    return False


def _covered(end: Node, script: Script) -> bool:
    child = end
    for ancestor in ancestors(end):
        if ancestor.type == "statement_list":
            earlier = [s for s in block_statements(ancestor) if s.end_byte <= child.start_byte]
            if any(_sets_changed(s) for s in earlier):
                return True
        if ancestor.type == "trap_statement":
            return _prologue_sets_changed(script)
        child = ancestor
    return False


def changed_gaps(script: Script, helpers: list[Script]) -> list[Located]:
    """Ends of the script reached without ``$Ansible.Changed`` having been set (see the module docstring)."""
    gaps = [Located(what, line_col(node)[0]) for node, what in script_ends(script, helpers) if not _covered(node, script)]
    if not any(_sets_changed(s) for s in top_statements(script)):
        gaps.append(Located("end of script", len(script.text.splitlines())))
    return gaps
