"""Facts the script/twin parity test reads with Python's ``ast`` from action plugins and winsim twins.

Conventions these readers rely on (anything else is reported, not guessed):

* **Calls**: ``run_script(self, "<name>", {...}, ...)`` in ``plugins/action/*.py`` with the script name as a
  string literal and the parameters as a dict literal with string keys. A value ``args["x"]`` /
  ``args.get("x")`` is typed by ``ARGUMENT_SPEC["x"]["type"]`` of the class the call is in.
* **Twin parameters**: reads through the second parameter of ``run(host, p, ctx)`` with a string literal:
  ``p["X"]``, ``p.get("X")``, ``"X" in p``.
* **Twin success result**: the last ``return`` of ``run`` (outside nested functions) returns a dict literal
  (or ``dict(...)``) whose ``"result"`` is a dict literal, or a name bound in ``run`` to one; the keys of
  that name grow with ``name["k"] = ...``, ``name.update({...} / k=...)`` and ``name.setdefault("k", ...)``
  anywhere in ``run`` -- except inside an ``except`` handler or in a block that raises ``ScriptFailure``
  (the failure path, as in the script). ``{**other}`` entries are followed.
* **Twin failure classes**: the argument bound to a parameter named ``failure_class`` of any function or
  class of the twins package (``ScriptFailure(message, failure_class, ...)``, ``StepError(failure_class,
  message)``, a local ``fail(failure_class, ...)``), ``"failure_class": ...`` dict entries and
  ``x["failure_class"] = ...`` assignments. A value is a string literal, either side of ``a if c else b``,
  or the string arguments of a call (``failure_class_of(exc, "general")``). A name that is itself a
  ``failure_class`` parameter, ``x.failure_class``, ``x["failure_class"]`` and ``x.pop("failure_class")``
  pass a class checked elsewhere. Anything else is reported as unreadable.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

FAILURE_CLASS = "failure_class"


@dataclass
class ScriptCall:
    """One ``run_script`` call of an action plugin."""

    action: Path
    line: int
    script: str
    parameters: dict[str, ast.expr] | None
    spec: dict[str, str]

    def arg_type(self, value: ast.expr) -> str | None:
        """The ARGUMENT_SPEC type of ``args["x"]`` / ``args.get("x")``, else ``None``."""
        key = None
        if isinstance(value, ast.Subscript) and isinstance(value.value, ast.Name) and value.value.id == "args":
            key = _constant(value.slice)
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get" \
                and isinstance(value.func.value, ast.Name) and value.func.value.id == "args" and value.args:
            key = _constant(value.args[0])
        return self.spec.get(key) if key is not None else None


def _constant(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _spec_types(cls: ast.ClassDef) -> dict[str, str]:
    for statement in cls.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else \
            [statement.target] if isinstance(statement, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == "ARGUMENT_SPEC" for t in targets) and isinstance(statement.value, ast.Dict):
            types = {}
            for key, value in zip(statement.value.keys, statement.value.values, strict=True):
                if _constant(key) is None or not isinstance(value, ast.Dict):
                    continue
                options = {_constant(k): v for k, v in zip(value.keys, value.values, strict=True)}
                types[_constant(key)] = _constant(options.get("type")) or "raw"
            return types
    return {}


def run_script_calls(action_dir: Path) -> list[ScriptCall]:
    """Every ``run_script(self, "<name>", {...})`` call in the action plugins."""
    calls: list[ScriptCall] = []
    for path in sorted(action_dir.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in [n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)] or [tree]:
            spec = _spec_types(cls) if isinstance(cls, ast.ClassDef) else {}
            for node in ast.walk(cls):
                if not isinstance(node, ast.Call) or len(node.args) < 3:
                    continue
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
                script = _constant(node.args[1])
                if name != "run_script" or script is None:
                    continue
                literal = node.args[2]
                parameters = None
                if isinstance(literal, ast.Dict) and all(_constant(k) is not None for k in literal.keys):
                    parameters = {_constant(k): v for k, v in zip(literal.keys, literal.values, strict=True)}
                calls.append(ScriptCall(path, node.lineno, script, parameters, spec))
    return calls


# ARGUMENT_SPEC type -> PowerShell parameter types that bind it without loss (int also binds [double]).
COMPATIBLE = {
    "int": {"int", "long", "double"},
    "float": {"double"},
    "bool": {"bool", "switch"},
    "str": {"string"},
    "path": {"string"},
    "list": {"string[]", "object[]"},
    "dict": {"hashtable"},
}
_TYPE_ALIASES = {"int32": "int", "int64": "long", "boolean": "bool", "switchparameter": "switch", "single": "double"}


class Declared(Protocol):
    """A declared script parameter (``psast.Param``)."""

    name: str
    type_name: str | None
    default: str | None


def ps_type(type_name: str | None) -> str | None:
    """Lower-cased type without ``System.``; ``None`` for an untyped or ``[object]`` parameter (binds anything)."""
    if type_name is None:
        return None
    name = type_name.lower().removeprefix("system.")
    name = _TYPE_ALIASES.get(name, name)
    return None if name == "object" else name


def literal_type(value: ast.expr) -> str | None:
    """ARGUMENT_SPEC-like type of a Python literal passed as a parameter value."""
    if isinstance(value, ast.Constant):
        return {bool: "bool", int: "int", float: "float", str: "str"}.get(type(value.value))
    if isinstance(value, ast.List | ast.ListComp | ast.Tuple):
        return "list"
    if isinstance(value, ast.JoinedStr):
        return "str"
    if isinstance(value, ast.Dict | ast.DictComp):
        return "dict"
    return None


def parameter_problems(call: ScriptCall, declared: list[Declared], where: str) -> list[str]:
    """Names the call passes that the script does not declare (exact spelling), parameters without a default
    it leaves out, and values whose type cannot bind to the declared one."""
    params = {p.name: p for p in declared}
    if call.parameters is None:
        return [f"{where}: parameters are not a dict literal with string keys"]
    problems = []
    for key, value in call.parameters.items():
        if key not in params:
            close = [p for p in params if p.lower() == key.lower()]
            problems.append(f"{where}: {key!r} is not a parameter of {call.script}.ps1"
                            + (f" (spelled {close[0]!r} there)" if close else f" (it has {sorted(params)})"))
            continue
        py_type = call.arg_type(value) or literal_type(value)
        declared_type = ps_type(params[key].type_name)
        if py_type in COMPATIBLE and declared_type and declared_type not in COMPATIBLE[py_type]:
            problems.append(f"{where}: {key} gets a {py_type} value but is [{params[key].type_name}]")
    for required in [p for p in params.values() if p.default is None and p.name not in call.parameters]:
        problems.append(f"{where}: {required.name} has no default in {call.script}.ps1 and is not passed")
    return problems


# --- twins --------------------------------------------------------------------------------------------------

@dataclass
class TwinFacts:
    """What the parity test needs from one twin module."""

    path: Path
    parameter_reads: list[tuple[str, int]] = field(default_factory=list)
    result_keys: set[str] | None = None
    result_problem: str = ""
    failure_classes: list[tuple[str, int]] = field(default_factory=list)
    unreadable_classes: list[tuple[str, int]] = field(default_factory=list)


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: parent for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)}


def _run_function(tree: ast.Module) -> ast.FunctionDef | None:
    return next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "run"), None)


def _parameter_reads(run: ast.FunctionDef) -> list[tuple[str, int]]:
    if len(run.args.args) < 2:
        return []
    name = run.args.args[1].arg
    reads = []
    for node in ast.walk(run):
        key = None
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == name:
            key = _constant(node.slice)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == name and node.args:
            key = _constant(node.args[0])
        elif isinstance(node, ast.Compare) and any(isinstance(op, ast.In | ast.NotIn) for op in node.ops) \
                and isinstance(node.comparators[-1], ast.Name) and node.comparators[-1].id == name:
            key = _constant(node.left)
        if key is not None:
            reads.append((key, node.lineno))
    return reads


def _on_failure_path(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    current = node
    while current in parents:
        parent = parents[current]
        if isinstance(parent, ast.ExceptHandler):
            return True
        for block in ("body", "orelse", "finalbody"):
            statements = getattr(parent, block, None)
            if isinstance(statements, list) and current in statements and any(
                    isinstance(s, ast.Raise) and isinstance(s.exc, ast.Call) and _call_name(s.exc) == "ScriptFailure"
                    for s in statements):
                return True
        current = parent
    return False


def _call_name(call: ast.Call) -> str | None:
    return call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)


class _Unreadable(Exception):
    pass


def _dict_keys(value: ast.expr, run: ast.FunctionDef, parents: dict[ast.AST, ast.AST], before: int) -> set[str]:
    if isinstance(value, ast.Dict):
        keys: set[str] = set()
        for key, item in zip(value.keys, value.values, strict=True):
            if key is None:
                keys |= _dict_keys(item, run, parents, before)
            elif _constant(key) is not None:
                keys.add(_constant(key))
            else:
                raise _Unreadable(f"line {key.lineno}: a key that is not a string literal")
        return keys
    if isinstance(value, ast.Call) and _call_name(value) == "dict":
        keys = {k.arg for k in value.keywords if k.arg}
        for item in value.args:
            keys |= _dict_keys(item, run, parents, before)
        return keys
    if isinstance(value, ast.Name):
        return _name_keys(value.id, run, parents, before)
    raise _Unreadable(f"line {value.lineno}: cannot read the keys of {ast.unparse(value)[:60]!r}")


def _name_keys(name: str, run: ast.FunctionDef, parents: dict[ast.AST, ast.AST], before: int) -> set[str]:
    bound = [n for n in ast.walk(run) if isinstance(n, ast.Assign) and n.lineno < before
             and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)]
    if not bound:
        raise _Unreadable(f"{name} is not bound to a dict literal in run()")
    keys = _dict_keys(max(bound, key=lambda n: n.lineno).value, run, parents, before)
    for node in ast.walk(run):
        if _on_failure_path(node, parents):
            continue
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name) and target.value.id == name \
                        and _constant(target.slice) is not None:
                    keys.add(_constant(target.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                and node.func.value.id == name:
            if node.func.attr == "update":
                keys |= {k.arg for k in node.keywords if k.arg}
                for item in node.args:
                    keys |= _dict_keys(item, run, parents, before)
            elif node.func.attr == "setdefault" and node.args and _constant(node.args[0]) is not None:
                keys.add(_constant(node.args[0]))
    return keys


def _result_keys(run: ast.FunctionDef, facts: TwinFacts) -> None:
    parents = _parents(run)
    returns = [n for n in ast.walk(run) if isinstance(n, ast.Return) and n.value is not None
               and not any(isinstance(a, ast.FunctionDef | ast.Lambda) and a is not run for a in _chain(n, parents))]
    if not returns:
        facts.result_problem = "run() has no return"
        return
    final = max(returns, key=lambda n: n.lineno)
    value = final.value
    result: ast.expr | None = None
    if isinstance(value, ast.Dict):
        result = next((v for k, v in zip(value.keys, value.values, strict=True) if _constant(k) == "result"), None)
    elif isinstance(value, ast.Call) and _call_name(value) == "dict":
        result = next((k.value for k in value.keywords if k.arg == "result"), None)
    if result is None:
        facts.result_problem = f"line {final.lineno}: the last return of run() has no literal 'result' entry"
        return
    try:
        facts.result_keys = _dict_keys(result, run, parents, final.lineno)
    except _Unreadable as exc:
        facts.result_problem = str(exc)


def _chain(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> list[ast.AST]:
    chain = []
    while node in parents:
        node = parents[node]
        chain.append(node)
    return chain


def class_parameters(package: Path) -> dict[str, int]:
    """Module-level callables of the twins package with a ``failure_class`` parameter -> its positional index
    (a module's own nested helpers are added per module by :func:`twin_facts`)."""
    found: dict[str, int] = {}
    for path in package.glob("*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name != "__init__":
                names = [a.arg for a in node.args.args]
                if FAILURE_CLASS in names:
                    found[node.name] = names.index(FAILURE_CLASS)
            if isinstance(node, ast.ClassDef):
                init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None)
                names = [a.arg for a in init.args.args][1:] if init is not None else []
                if FAILURE_CLASS in names:
                    found[node.name] = names.index(FAILURE_CLASS)
    return found


def _passes_class(value: ast.expr, passing: set[str]) -> bool:
    """True for a value that only hands on a class checked where it was set."""
    if isinstance(value, ast.Name):
        return value.id in passing
    if isinstance(value, ast.Attribute):
        return value.attr == FAILURE_CLASS
    if isinstance(value, ast.Subscript):
        return _constant(value.slice) == FAILURE_CLASS
    return isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in ("pop", "get") \
        and bool(value.args) and _constant(value.args[0]) == FAILURE_CLASS


def _class_values(value: ast.expr, facts: TwinFacts, passing: set[str]) -> None:
    if _constant(value) is not None:
        facts.failure_classes.append((_constant(value), value.lineno))
    elif isinstance(value, ast.IfExp):
        _class_values(value.body, facts, passing)
        _class_values(value.orelse, facts, passing)
    elif _passes_class(value, passing):
        return
    elif isinstance(value, ast.Call) and any(_constant(a) is not None for a in value.args):
        facts.failure_classes += [(_constant(a), a.lineno) for a in value.args if _constant(a) is not None]
    else:
        facts.unreadable_classes.append((ast.unparse(value)[:60], value.lineno))


def _failure_classes(tree: ast.Module, facts: TwinFacts, callables: dict[str, int]) -> None:
    local = dict(callables)
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and FAILURE_CLASS in [a.arg for a in node.args.args]:
            local[node.name] = [a.arg for a in node.args.args].index(FAILURE_CLASS)
    passing = {FAILURE_CLASS}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _call_name(node) in local:
            bound = next((k.value for k in node.keywords if k.arg == FAILURE_CLASS), None)
            index = local[_call_name(node) or ""]
            if bound is None and index < len(node.args):
                bound = node.args[index]
            if bound is not None:
                _class_values(bound, facts, passing)
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if _constant(key) == FAILURE_CLASS:
                    _class_values(value, facts, passing)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and _constant(target.slice) == FAILURE_CLASS:
                    _class_values(node.value, facts, passing)


def twin_facts(path: Path) -> TwinFacts:
    """Parameter reads, success result keys and failure classes of the twin at ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    facts = TwinFacts(path)
    run = _run_function(tree)
    if run is None:
        facts.result_problem = "no top-level run(host, p, ctx)"
    else:
        facts.parameter_reads = _parameter_reads(run)
        _result_keys(run, facts)
    _failure_classes(tree, facts, class_parameters(path.parent))
    return facts
