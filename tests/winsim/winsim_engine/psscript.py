"""Read a host script's ``param()`` block with tree-sitter, and bind parameters to it as PowerShell would.

``ansible.windows.win_powershell`` runs a script with ``$ps.AddScript($script).AddParameters($params)``;
PowerShell's parameter binder then matches the names against the script's ``param()`` block and
converts each value to the declared type. winsim never runs the PowerShell, so this module reads
the block and binds in Python.

API (used by the win_powershell fake and by the script/twin parity test):

``parse_script(text) -> ScriptInfo``
    ``ScriptInfo`` fields:

    - ``param_block`` (bool): the script has a top-level ``param()`` block.
    - ``cmdlet_binding`` (bool): the block carries ``[CmdletBinding(...)]``.
    - ``advanced`` (bool): ``cmdlet_binding`` or any ``[Parameter(...)]`` attribute; only an
      advanced script accepts the common parameters (Verbose, ErrorAction, ...).
    - ``supports_should_process`` (bool): decided exactly like the module does:
      ``[CmdletBinding(SupportsShouldProcess)]`` or ``SupportsShouldProcess=$true`` on the first
      CmdletBinding attribute; when the script does not parse, the module's regex fallback.
    - ``params``: tuple of ``Param(name, type_name, default)`` in declaration order.
      ``type_name`` is the type constraint, normalised to PowerShell's short spelling in lower
      case (``string``, ``string[]``, ``int``, ``long``, ``bool``, ``double``, ``object[]``,
      ``switch``, ``hashtable``; other types lower-cased as written) or None when untyped.
      ``default`` is the Python value of a literal default (``'x'``, ``"x"`` without
      interpolation, here-strings, numbers, ``$true``/``$false``/``$null``, ``@()`` or an array
      of literals), ``NO_DEFAULT`` when there is none, or ``Expression(text)`` when the default is
      code (``"x$y"``, ``(1 + 2)``, ``$env:X``).
    - ``aliases``: ``{alias (lower case): parameter name}`` from ``[Alias(...)]``.
    - ``mandatory``: names of ``[Parameter(Mandatory)]`` parameters.
    - ``syntax_ok`` (bool): tree-sitter found no ERROR/MISSING node.

``bind(info, parameters) -> dict``
    The values the script sees, under the declared spelling, for every declared parameter
    (bound or default). Raises ``BindingError`` like PowerShell's ``ParameterBindingException``.
    A script without a param block gets ``parameters`` untouched.

What binding models: case-insensitive names and ``[Alias()]``; an unknown name fails even for a
script without ``[CmdletBinding()]`` (PowerShell would put it in ``$args``: harsher on purpose);
common parameters (and WhatIf/Confirm with SupportsShouldProcess) accepted by advanced scripts and
not delivered; the argument transformations of ``[string]``, ``[string[]]``, ``[object[]]``,
``[object]``, ``[int]``, ``[long]``, ``[double]``, ``[bool]``, ``[switch]``, ``[hashtable]`` and
their arrays; missing ``Mandatory`` parameters; defaults. What it does not model: abbreviated
parameter names (PowerShell accepts an unambiguous prefix; here it is unknown, so the scripts and
their callers spell names out), positional binding, validation attributes
(``[ValidateSet]``, ...), other .NET types (binding to one raises ``UnsupportedScript``).
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import tempfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, NamedTuple

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

from .psconvert import decimal_text, ps_string

PARSER = Parser(Language(tree_sitter_powershell.language()))


class _NoDefault:
    """Type of the ``NO_DEFAULT`` sentinel."""

    _instance: _NoDefault | None = None

    def __new__(cls) -> _NoDefault:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NO_DEFAULT"

    def __bool__(self) -> bool:
        return False


NO_DEFAULT = _NoDefault()


@dataclass(frozen=True)
class Expression:
    """A default value that is code, not a literal; ``text`` is its source."""

    text: str


class Param(NamedTuple):
    """One declared parameter."""

    name: str
    type_name: str | None
    default: Any  # a literal's Python value, NO_DEFAULT or Expression


@dataclass(frozen=True)
class ScriptInfo:
    """What the module and the binder need to know about a script (see the module docstring)."""

    param_block: bool = False
    cmdlet_binding: bool = False
    advanced: bool = False
    supports_should_process: bool = False
    params: tuple[Param, ...] = ()
    aliases: dict[str, str] = field(default_factory=dict)
    mandatory: tuple[str, ...] = ()
    syntax_ok: bool = True


class UnsupportedScript(ValueError):
    """The script uses something winsim's binder cannot model (an unknown type, a code default)."""


@dataclass(eq=False)
class BindingError(Exception):
    """A ParameterBindingException (or subclass) that stops the script before it runs.

    ``inner`` is the chain of inner exceptions as ``(type, message, hresult)`` from the outside in.
    """

    message: str
    exception_type: str = "System.Management.Automation.ParameterBindingException"
    fully_qualified_error_id: str = "NamedParameterNotFound"
    category: str = "InvalidArgument"
    inner: tuple[tuple[str, str, int], ...] = ()

    def __str__(self) -> str:
        return self.message


# --------------------------------------------------------------------------------------------- parsing

# The module's fallback when the PowerShell parser reports errors (win_powershell.ps1, verbatim).
_SHOULD_PROCESS_FALLBACK = re.compile(r"\[CmdletBinding\((?:[\w=\$]+,\s*)?SupportsShouldProcess(?:=\$true)?(?:,\s*[\w=\$]+)?\)\]",
                                      re.IGNORECASE)
_CMDLET_BINDING_NAMES = {"cmdletbinding", "cmdletbindingattribute", "system.management.automation.cmdletbinding",
                         "system.management.automation.cmdletbindingattribute"}
_PARAMETER_NAMES = {"parameter", "parameterattribute", "system.management.automation.parameter",
                    "system.management.automation.parameterattribute"}
_ALIAS_NAMES = {"alias", "aliasattribute", "system.management.automation.alias",
                "system.management.automation.aliasattribute"}
# Type accelerators and full names, to the short spelling this module reports.
_TYPE_NAMES = {
    "string": "string", "system.string": "string",
    "int": "int", "int32": "int", "system.int32": "int",
    "long": "long", "int64": "long", "system.int64": "long",
    "bool": "bool", "boolean": "bool", "system.boolean": "bool",
    "double": "double", "system.double": "double",
    "object": "object", "system.object": "object", "psobject": "psobject",
    "switch": "switch", "switchparameter": "switch", "system.management.automation.switchparameter": "switch",
    "hashtable": "hashtable", "system.collections.hashtable": "hashtable",
}
# Grammar nodes that only wrap one meaningful child (expression precedence levels).
_WRAPPERS = {"logical_expression", "bitwise_expression", "comparison_expression", "additive_expression",
             "multiplicative_expression", "format_expression", "range_expression", "array_literal_expression",
             "unary_expression", "pipeline", "pipeline_chain"}


class _NotLiteral(Exception):
    pass


# Parsed scripts survive the worker process (ansible forks one per task and host, and every call of a host script
# sends the same text), keyed by the script's text and this parser's own source, so a change to either parses again.
_PARSE_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "psscript"


def parse_script(text: str) -> ScriptInfo:
    """Read the top-level ``param()`` block of PowerShell ``text`` (see the module docstring); cached on disk."""
    cached = _PARSE_CACHE / f"{_parse_key(text)}.pickle"
    try:
        with open(cached, "rb") as handle:
            info = pickle.load(handle)
        if isinstance(info, ScriptInfo):
            return info
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        pass
    info = _parse_script(text)
    try:
        _PARSE_CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=_PARSE_CACHE, delete=False, suffix=".tmp") as handle:
            pickle.dump(info, handle)
        os.replace(handle.name, cached)
    except (OSError, pickle.PicklingError, TypeError, AttributeError):
        pass  # a read-only tree or an unpicklable default: parse again next time
    return info


@functools.cache
def _parser_stamp() -> bytes:
    """What a cached parse depends on besides the script: this module, psconvert and the grammar's version."""
    parts = [Path(__file__), Path(__file__).with_name("psconvert.py")]
    stamp = [f"{part.name}:{part.stat().st_mtime_ns}:{part.stat().st_size}" for part in parts]
    stamp.append(getattr(tree_sitter_powershell, "__version__", "") or str(tree_sitter_powershell.__file__))
    return "\n".join(stamp).encode()


def _parse_key(text: str) -> str:
    return hashlib.sha256(_parser_stamp() + b"\0" + text.encode("utf-8", "surrogatepass")).hexdigest()[:40]


def _parse_script(text: str) -> ScriptInfo:
    # The grammar rejects a valid script that has no statement at all (only comments, or only a
    # param block); a trailing $null statement changes nothing else about the script.
    root = PARSER.parse((text + "\n$null\n").encode("utf-8")).root_node
    # Node.has_error is tree-sitter's own "this node or a descendant is an ERROR or MISSING node", walked in C.
    syntax_ok = not root.has_error
    block = next((child for child in root.named_children if child.type == "param_block"), None)
    if block is None:
        sps = False if syntax_ok else bool(_SHOULD_PROCESS_FALLBACK.search(text))
        return ScriptInfo(supports_should_process=sps, syntax_ok=syntax_ok)

    attributes = [a for lst in _children(block, "attribute_list") for a in _children(lst, "attribute")]
    bindings = [a for a in attributes if _attribute_name(a) in _CMDLET_BINDING_NAMES]
    # The module: the first attribute whose TypeName.Name -eq 'CmdletBinding' (so not a full name),
    # with a named argument SupportsShouldProcess that is omitted or whose text -eq '$true'.
    first = next((a for a in attributes if _attribute_name(a) == "cmdletbinding"), None)
    sps = False
    if first is not None:
        for name, value in _attribute_arguments(first):
            if name is not None and name.lower() == "supportsshouldprocess" and (value is None or value.lower() == "$true"):
                sps = True
    if not syntax_ok:
        sps = bool(_SHOULD_PROCESS_FALLBACK.search(text))

    params: list[Param] = []
    aliases: dict[str, str] = {}
    mandatory: list[str] = []
    advanced = bool(bindings)
    for plist in _children(block, "parameter_list"):
        for node in _children(plist, "script_parameter"):
            params.append(_param(node, aliases, mandatory))
            if any(_attribute_name(a) in _PARAMETER_NAMES
                   for lst in _children(node, "attribute_list") for a in _children(lst, "attribute")):
                advanced = True
    return ScriptInfo(param_block=True, cmdlet_binding=bool(bindings), advanced=advanced, supports_should_process=sps,
                      params=tuple(params), aliases=aliases, mandatory=tuple(mandatory), syntax_ok=syntax_ok)


def _children(node: Node, kind: str) -> list[Node]:
    return [child for child in node.named_children if child.type == kind]


def _text(node: Node) -> str:
    return (node.text or b"").decode("utf-8")


def _attribute_name(attribute: Node) -> str | None:
    """Lower-cased name of an ``[Name(...)]`` attribute; None for a type constraint ``[type]``."""
    names = _children(attribute, "attribute_name")
    return _text(names[0]).strip().lower() if names else None


def _attribute_arguments(attribute: Node) -> list[tuple[str | None, str | None]]:
    """``(name, value text)`` of each argument: ``(name, None)`` when the value is omitted, ``(None, text)`` positional."""
    found: list[tuple[str | None, str | None]] = []
    for args in _children(attribute, "attribute_arguments"):
        for arg in _children(args, "attribute_argument"):
            names = _children(arg, "simple_name")
            values = [child for child in arg.named_children if child.type != "simple_name"]
            name = _text(names[0]) if names else None
            value = _text(values[0]).strip() if values else None
            found.append((name, value))
    return found


def _param(node: Node, aliases: dict[str, str], mandatory: list[str]) -> Param:
    variable = _children(node, "variable")
    name = _text(variable[0]).lstrip("$")
    if name.startswith("{") and name.endswith("}"):
        name = name[1:-1]
    type_name = None
    for lst in _children(node, "attribute_list"):
        for attribute in _children(lst, "attribute"):
            literal = _children(attribute, "type_literal")
            if literal:
                # With several type constraints PowerShell converts through each; the declared
                # type is the last one (nearest the variable).
                type_name = _normalise_type(_text(_children(literal[0], "type_spec")[0]))
                continue
            kind = _attribute_name(attribute)
            arguments = _attribute_arguments(attribute)
            if kind in _ALIAS_NAMES:
                for alias_name, value in arguments:
                    if alias_name is None and value is not None:
                        for alias in _alias_values(value):
                            aliases[alias.lower()] = name
            elif kind in _PARAMETER_NAMES:
                for arg_name, value in arguments:
                    if arg_name and arg_name.lower() == "mandatory" and (value is None or value.lower() == "$true"):
                        mandatory.append(name)
    default: Any = NO_DEFAULT
    defaults = _children(node, "script_parameter_default")
    if defaults:
        expression = [child for child in defaults[0].named_children][0]
        try:
            default = _literal(expression)
        except _NotLiteral:
            default = Expression(_text(expression).strip())
    return Param(name, type_name, default)


def _alias_values(text: str) -> list[str]:
    return [m.group(2) for m in re.finditer(r"(['\"])(.*?)\1", text)]


def _normalise_type(spec: str) -> str:
    spec = re.sub(r"\s+", "", spec)
    suffix = ""
    while spec.endswith("[]"):
        spec, suffix = spec[:-2], suffix + "[]"
    return _TYPE_NAMES.get(spec.lower(), spec.lower()) + suffix


def _unwrap(node: Node) -> Node:
    while node.type in _WRAPPERS and node.named_child_count == 1 and node.child_count == 1:
        node = node.named_children[0]
    return node


def _literal(node: Node) -> Any:
    """Python value of a literal expression; raises _NotLiteral for code."""
    node = _unwrap(node)
    kind = node.type
    if kind == "array_literal_expression":  # a, b, c
        return [_literal(child) for child in node.named_children]
    if kind == "string_literal":
        return _string(node)
    if kind == "integer_literal":
        return _integer(_text(node))
    if kind == "real_literal":
        text = _text(node)
        if not re.fullmatch(r"[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+\.", text):
            raise _NotLiteral(text)  # a suffix such as 'd' (decimal) or a multiplier
        return float(text)
    if kind == "variable":
        value = {"$true": True, "$false": False, "$null": None}.get(_text(node).lower(), NO_DEFAULT)
        if value is NO_DEFAULT:
            raise _NotLiteral(_text(node))
        return value
    if kind == "expression_with_unary_operator":
        operator, operand = node.children[0], node.children[-1]
        value = _literal(operand)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _NotLiteral(_text(node))
        if _text(operator) == "-":
            return -value
        if _text(operator) == "+":
            return value
        raise _NotLiteral(_text(node))
    if kind == "array_expression":  # @( ... ): every statement's output, unrolled
        items: list[Any] = []
        for statements in _children(node, "statement_list"):
            for statement in statements.named_children:
                value = _literal(statement)
                items.extend(value if isinstance(value, list) else [value])
        return items
    raise _NotLiteral(_text(node))


def _integer(text: str) -> int:
    match = re.fullmatch(r"(?:0[xX]([0-9a-fA-F]+)|([0-9]+))[lL]?", text)
    if not match:
        raise _NotLiteral(text)  # multipliers (kb, mb), decimal suffixes
    return int(match.group(1), 16) if match.group(1) else int(match.group(2))


def _string(node: Node) -> str:
    parts = node.named_children
    if len(parts) != 1:
        raise _NotLiteral(_text(node))
    part = parts[0]
    text = _text(part)
    if part.type == "verbatim_string_characters":
        return text[1:-1].replace("''", "'")
    if part.type == "verbatim_here_string_characters":
        return _here_body(text)
    if part.type in ("expandable_string_literal", "expandable_here_string_literal"):
        if part.named_child_count:  # $variable or $(subexpression) inside: interpolation is code
            raise _NotLiteral(text)
        body = _here_body(text) if part.type == "expandable_here_string_literal" else text[1:-1].replace('""', '"')
        if "$" in body:
            raise _NotLiteral(text)
        return _unescape(body)
    raise _NotLiteral(text)


def _here_body(text: str) -> str:
    # @'<newline>body<newline>'@ : the body excludes the newline after the opening and before the closing.
    body = text[2:-2]
    body = body.split("\n", 1)[1] if "\n" in body else ""
    return body[:-1].rstrip("\r") if body.endswith("\n") else body


_ESCAPES = {"0": "\0", "a": "\a", "b": "\b", "e": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def _unescape(body: str) -> str:
    return re.sub(r"`(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), body)


# --------------------------------------------------------------------------------------------- binding

# Common parameters of an advanced script, with their aliases (lower case).
_COMMON = {"verbose", "vb", "debug", "db", "erroraction", "ea", "warningaction", "wa", "informationaction", "infa",
           "errorvariable", "ev", "warningvariable", "wv", "informationvariable", "iv", "outvariable", "ov",
           "outbuffer", "ob", "pipelinevariable", "pv"}
_SHOULD_PROCESS = {"whatif", "wi", "confirm", "cf"}

_DOTNET = {"string": "System.String", "int": "System.Int32", "long": "System.Int64", "double": "System.Double",
           "bool": "System.Boolean", "switch": "System.Management.Automation.SwitchParameter",
           "hashtable": "System.Collections.Hashtable", "object": "System.Object"}
_INT_RANGE = {"int": (-(2**31), 2**31 - 1, "Int32"), "long": (-(2**63), 2**63 - 1, "Int64")}
_BOOL_ONLY = "Boolean parameters accept only Boolean values and numbers, such as $True, $False, 1 or 0."
_FORMAT = ("System.FormatException", "Input string was not in a correct format.", -2146233033)
_INVALID_CAST_HRESULT = -2147467262
_RUNTIME_HRESULT = -2146233087


class _Cast(Exception):
    """A failed conversion: PSInvalidCastException ``message``, with an optional inner exception."""

    def __init__(self, message: str, inner: tuple[str, str, int] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.inner = inner


def bind(info: ScriptInfo, parameters: dict[str, Any]) -> dict[str, Any]:
    """Bind ``parameters`` (as ``AddParameters`` passes them) to the script's param block.

    Returns ``{declared name: value}`` for every declared parameter; raises BindingError.
    """
    if not info.param_block:
        return dict(parameters)
    by_name = {param.name.lower(): param for param in info.params}
    for alias, target in info.aliases.items():
        by_name.setdefault(alias, by_name[target.lower()])
    common = (_COMMON | (_SHOULD_PROCESS if info.supports_should_process else set())) if info.advanced else set()

    bound: dict[str, Any] = {}
    for key, value in parameters.items():
        param = by_name.get(key.lower())
        if param is None:
            if key.lower() in common:
                continue  # handled by the engine (Verbose, WhatIf, ...), not seen by the script body
            raise BindingError(f"A parameter cannot be found that matches parameter name '{key}'.")
        if param.name in bound:
            raise BindingError(
                f"Cannot bind parameter because parameter '{param.name}' is specified more than once. To provide "
                "multiple values to parameters that can accept multiple values, use the array syntax. For example, "
                '"-parameter value1,value2,value3".', fully_qualified_error_id="ParameterAlreadyBound")
        bound[param.name] = _transform(param, value)

    missing = [name for name in info.mandatory if name not in bound]
    if missing:
        raise BindingError("Cannot process command because of one or more missing mandatory parameters: "
                           f"{' '.join(missing)}.", fully_qualified_error_id="MissingMandatoryParameter")

    result: dict[str, Any] = {}
    for param in info.params:
        if param.name in bound:
            result[param.name] = bound[param.name]
        elif isinstance(param.default, Expression):
            raise UnsupportedScript(f"winsim cannot evaluate the default of ${param.name}: {param.default.text}")
        elif param.default is NO_DEFAULT:
            result[param.name] = _unset(param.type_name)
        else:
            result[param.name] = _default(param)
    return result


def _unset(type_name: str | None) -> Any:
    """The value of an unbound parameter without a default: the type's default, ``''`` for [string]."""
    if type_name == "string":
        return ""
    if type_name in ("int", "long"):
        return 0
    if type_name == "double":
        return 0.0
    if type_name in ("bool", "switch"):
        return False
    return None


def _default(param: Param) -> Any:
    """A literal default assigned to the typed variable (ordinary conversion, not the binder's)."""
    value = param.default
    if param.type_name in ("bool", "switch"):
        return _truthy(value)
    try:
        return _convert(value, param.type_name, strict_bool=False)
    except _Cast as exc:
        raise UnsupportedScript(f"default of ${param.name} does not convert to [{param.type_name}]: {exc}") from exc


def _transform(param: Param, value: Any) -> Any:
    try:
        return _convert(value, param.type_name, strict_bool=True)
    except _Cast as exc:
        inner: list[tuple[str, str, int]] = [
            ("System.Management.Automation.ArgumentTransformationMetadataException", exc.message, _RUNTIME_HRESULT),
            ("System.Management.Automation.PSInvalidCastException", exc.message, _INVALID_CAST_HRESULT)]
        if exc.inner:
            inner.append(exc.inner)
        raise BindingError(
            f"Cannot process argument transformation on parameter '{param.name}'. {exc.message}",
            exception_type="System.Management.Automation.ParameterBindingArgumentTransformationException",
            fully_qualified_error_id="ParameterArgumentTransformationError", category="InvalidData",
            inner=tuple(inner)) from exc


def _convert(value: Any, type_name: str | None, strict_bool: bool) -> Any:
    if type_name is None or type_name in ("object", "psobject"):
        return value
    if type_name.endswith("[]"):
        if value is None:
            return None
        items = value if isinstance(value, (list, tuple)) else [value]
        element = type_name[:-2]
        return [_convert(item, element, strict_bool) for item in items]
    if type_name == "string":
        # A list is joined with $OFS; the JSON's floats are [decimal] on Windows PowerShell 5.1.
        return ps_string(value, json_numbers=True)
    if type_name in ("int", "long"):
        return _to_integer(value, type_name)
    if type_name == "double":
        return _to_double(value)
    if type_name in ("bool", "switch"):
        if not strict_bool:
            return _truthy(value)
        if isinstance(value, bool):
            return value
        if isinstance(value, (int, float)):
            return value != 0
        shown = "" if value is None else _type_of(value)
        raise _Cast(f'Cannot convert value "{shown}" to type "{_DOTNET[type_name]}". {_BOOL_ONLY}')
    if type_name == "hashtable":
        if value is None or isinstance(value, dict):
            return value
        raise _cannot_convert(value, type_name)
    raise UnsupportedScript(f"winsim cannot bind a parameter of type [{type_name}]")


def _truthy(value: Any) -> bool:
    """PowerShell's ordinary [bool] cast: empty string, 0, $null and empty arrays are false."""
    if isinstance(value, (list, tuple)):
        return len(value) > 1 or (len(value) == 1 and _truthy(value[0]))
    if isinstance(value, dict):
        return True  # a hashtable is an object: true even when empty
    return bool(value)


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "System.Boolean"
    if isinstance(value, int):
        return "System.Int32" if -(2**31) <= value < 2**31 else "System.Int64"
    if isinstance(value, float):
        return "System.Decimal"
    if isinstance(value, str):
        return "System.String"
    if isinstance(value, (list, tuple)):
        return "System.Object[]"
    if isinstance(value, dict):
        return "System.Collections.Hashtable"
    return f"System.{type(value).__name__}"


def _cannot_convert(value: Any, type_name: str) -> _Cast:
    kind = _type_of(value)
    shown = ps_string(value, json_numbers=True) if not isinstance(value, (list, tuple, dict)) else kind
    return _Cast(f'Cannot convert the "{shown}" value of type "{kind}" to type "{_DOTNET[type_name]}".')


def _to_integer(value: Any, type_name: str) -> int:
    low, high, short = _INT_RANGE[type_name]
    overflow = ("System.OverflowException", f"Value was either too large or too small for an {short}.", -2146233066)
    if value is None:
        return 0
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, tuple, dict)):
        raise _cannot_convert(value, type_name)
    if isinstance(value, float):
        # The task's JSON gives a [decimal]; Convert.ToInt32(decimal) rounds half to even.
        number = int(Decimal(repr(value)).to_integral_value(rounding=ROUND_HALF_EVEN))
        shown = decimal_text(value)
    elif isinstance(value, int):
        number, shown = value, str(value)
    elif isinstance(value, str):
        shown = value
        if value == "":
            return 0
        # Int32Converter: trimmed, optional sign, decimal digits, or hex with 0x; nothing else.
        text = value.strip()
        hexa = re.fullmatch(r"0[xX]([0-9a-fA-F]+)", text)
        if hexa:
            number = int(hexa.group(1), 16)
            bits = 32 if type_name == "int" else 64
            if number >= 2 ** bits:
                raise _Cast(f'Cannot convert value "{shown}" to type "{_DOTNET[type_name]}". Error: "{overflow[1]}"',
                            overflow)
            if number >= 2 ** (bits - 1):
                number -= 2 ** bits  # hex parses as the two's complement bit pattern
        elif re.fullmatch(r"[+-]?[0-9]+", text):
            number = int(text)
        else:
            raise _Cast(f'Cannot convert value "{shown}" to type "{_DOTNET[type_name]}". Error: "{_FORMAT[1]}"',
                        _FORMAT)
    else:
        raise _cannot_convert(value, type_name)
    if not low <= number <= high:
        raise _Cast(f'Cannot convert value "{shown}" to type "{_DOTNET[type_name]}". Error: "{overflow[1]}"', overflow)
    return number


def _to_double(value: Any) -> float:
    if value is None:
        return 0.0
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        if value == "":
            return 0.0
        text = value.strip()
        special = {"nan": float("nan"), "infinity": float("inf"), "-infinity": float("-inf")}
        if text.lower() in special:
            return special[text.lower()]
        if re.fullmatch(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", text):
            try:
                return float(Decimal(text))
            except InvalidOperation:
                pass
        raise _Cast(f'Cannot convert value "{value}" to type "System.Double". Error: "{_FORMAT[1]}"', _FORMAT)
    raise _cannot_convert(value, "double")
