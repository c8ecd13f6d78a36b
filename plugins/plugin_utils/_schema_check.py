# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A JSON Schema compiled once into plain Python checks that answer one question fast: is this document valid?

jsonschema builds a new validator object for every value it descends into (about 0.2 ms per manifest entry:
6 s for a manifest of 10,000 MongoDB collections, issue 13). ``compile_check`` walks the schema once and returns a
predicate made of closures. It is exact, never merely close: for the keywords it compiles (``NATIVE``) it answers
what jsonschema's own keyword functions answer, and a subschema that uses any other keyword is answered by
jsonschema itself (``validator.evolve(schema=subschema).is_valid``). A schema whose meaning depends on more than
one subschema at a time (``unevaluated*``) or that changes the base URI below its root (``$id``, anchors) is not
compiled: ``UnsupportedSchema``, and the caller validates with jsonschema alone.

The predicate only says yes or no; what is wrong with an invalid document is still for jsonschema to say.
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote

Check = Callable[[Any], bool]

# Keywords compiled here; their semantics follow jsonschema's _keywords functions of the same name.
NATIVE = frozenset({
    "$ref", "type", "properties", "required", "additionalProperties", "items", "allOf", "anyOf", "oneOf",
    "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems",
})
# Keywords whose result depends on sibling subschemas' annotations, or that move the base URI: not compiled at all.
REFUSED = frozenset({"unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$dynamicAnchor", "$anchor",
                     "$recursiveRef", "$recursiveAnchor"})


def _is_number(v: Any) -> bool:
    return not isinstance(v, bool) and isinstance(v, numbers.Number)


# The types of Draft 2020-12 as jsonschema's type checker defines them (a bool is no number; 1.0 is an integer).
TYPES: dict[str, Check] = {
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: not isinstance(v, bool) and (isinstance(v, int) or (isinstance(v, float) and v.is_integer())),
    "null": lambda v: v is None,
    "number": _is_number,
    "object": lambda v: isinstance(v, dict),
    "string": lambda v: isinstance(v, str),
}


class UnsupportedSchema(ValueError):
    """The schema uses something ``compile_check`` does not compile exactly."""


def compile_check(validator: Any) -> Check:
    """The predicate ``document -> bool`` equal to ``validator.is_valid`` (a jsonschema validator instance, whose
    ``schema`` is the root and whose ``VALIDATORS`` name the keywords it asserts). Raises UnsupportedSchema."""
    return _Compiler(validator).node(validator.schema, root=True)


class _Compiler:
    def __init__(self, validator: Any) -> None:
        self.validator = validator
        self.asserted = frozenset(validator.VALIDATORS)
        self.refs: dict[str, Check] = {}

    def node(self, schema: Any, root: bool = False) -> Check:
        if schema is True:
            return _yes
        if schema is False:
            return _no
        if not isinstance(schema, Mapping):
            raise UnsupportedSchema(f"a subschema must be an object or a boolean, not {type(schema).__name__}")
        refused = REFUSED.intersection(schema) | ({"$id"} & set(schema) if not root else set())
        if refused:
            raise UnsupportedSchema(f"keyword(s) {', '.join(sorted(refused))} are not compiled")
        keywords = [k for k in schema if k in self.asserted]  # jsonschema ignores any other key
        if any(k not in NATIVE for k in keywords):
            # Exact by construction: jsonschema answers for this subschema (it keeps the root to resolve $ref).
            return self.validator.evolve(schema=schema).is_valid
        checks = tuple(c for c in (self.keyword(k, schema[k], schema) for k in keywords) if c is not _yes)
        if not checks:
            return _yes
        if len(checks) == 1:
            return checks[0]

        def every(v: Any) -> bool:
            # Plain loops, not all(<generator>): this runs once per value of the document, and a generator per call
            # costs a third of the time.
            for check in checks:  # noqa: SIM110
                if not check(v):
                    return False
            return True
        return every

    def keyword(self, name: str, value: Any, schema: Mapping[str, Any]) -> Check:  # noqa: C901 - one branch a keyword
        if name == "$ref":
            return self.ref(value)
        if name == "type":
            return _type(value)
        if name == "properties":
            return _properties({key: self.node(sub) for key, sub in value.items()})
        if name == "required":
            wanted = tuple(value)
            return lambda v: not isinstance(v, dict) or all(k in v for k in wanted)
        if name == "additionalProperties":
            return self.additional(value, schema)
        if name == "items":
            if "prefixItems" in schema:
                raise UnsupportedSchema("items next to prefixItems is not compiled")
            return _items(self.node(value))
        if name in ("allOf", "anyOf", "oneOf"):
            subs = tuple(self.node(sub) for sub in value)
            if name == "allOf":
                return lambda v: all(s(v) for s in subs)
            if name == "anyOf":
                return lambda v: any(s(v) for s in subs)
            return lambda v: sum(1 for s in subs if s(v)) == 1
        if name == "pattern":
            search = re.compile(value).search
            return lambda v: not isinstance(v, str) or search(v) is not None
        if name == "minLength":
            return lambda v: not isinstance(v, str) or len(v) >= value
        if name == "maxLength":
            return lambda v: not isinstance(v, str) or len(v) <= value
        if name == "minimum":
            return lambda v: not _is_number(v) or not v < value
        if name == "maximum":
            return lambda v: not _is_number(v) or not v > value
        if name == "minItems":
            return lambda v: not isinstance(v, list) or len(v) >= value
        if name == "maxItems":
            return lambda v: not isinstance(v, list) or len(v) <= value
        raise UnsupportedSchema(f"keyword {name} is not compiled")  # unreachable while NATIVE lists only the above

    def additional(self, value: Any, schema: Mapping[str, Any]) -> Check:
        known = frozenset(schema.get("properties") or {})
        patterns = "|".join(schema.get("patternProperties") or {})
        matches = re.compile(patterns).search if patterns else None

        def extras(v: dict[str, Any]) -> list[str]:
            return [k for k in v if k not in known and not (matches and matches(k))]
        if isinstance(value, dict):
            each = self.node(value)
            return lambda v: not isinstance(v, dict) or all(each(v[k]) for k in extras(v))
        if value:  # true, or a truthy non-object, which jsonschema treats the same: any extra is fine
            return _yes
        if matches is None:
            return lambda v: not isinstance(v, dict) or known.issuperset(v)
        return lambda v: not isinstance(v, dict) or not extras(v)

    def ref(self, ref: str) -> Check:
        if ref in self.refs:
            return self.refs[ref]
        if not ref.startswith("#"):
            raise UnsupportedSchema(f"$ref {ref!r} is not a reference inside the schema")
        cell: list[Check] = []
        # A recursive reference meets this while its target compiles: the lambda looks cell[0] up when called.
        self.refs[ref] = lambda v: cell[0](v)  # pylint: disable=unnecessary-lambda
        target: Any = self.validator.schema
        for part in unquote(ref[1:]).split("/")[1:]:
            part = part.replace("~1", "/").replace("~0", "~")
            try:
                target = target[int(part)] if isinstance(target, list) else target[part]
            except (KeyError, IndexError, ValueError, TypeError):
                raise UnsupportedSchema(f"$ref {ref!r} points at nothing") from None
        cell.append(self.node(target, root=target is self.validator.schema))
        self.refs[ref] = cell[0]
        return cell[0]


def _type(value: Any) -> Check:
    names = [value] if isinstance(value, str) else list(value)
    if any(n not in TYPES for n in names):
        raise UnsupportedSchema(f"unknown type in {names}")
    tests = tuple(TYPES[n] for n in names)
    if len(tests) == 1:
        return tests[0]
    return lambda v: any(t(v) for t in tests)


def _properties(props: dict[str, Check]) -> Check:
    items = tuple(props.items())

    def check(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for key, sub in items:  # noqa: SIM110 - a plain loop is faster (see every)
            if key in v and not sub(v[key]):
                return False
        return True
    return check


def _items(each: Check) -> Check:
    def check(v: Any) -> bool:
        if not isinstance(v, list):
            return True
        for item in v:  # noqa: SIM110 - a plain loop is faster (see every)
            if not each(item):
                return False
        return True
    return check


def _yes(_v: Any) -> bool:
    return True


def _no(_v: Any) -> bool:
    return False
