"""What ``ansible.windows.win_powershell`` does to the values a script leaves behind, ported to Python.

The module passes ``$Ansible.Result``, the output stream and error target objects through its
``Convert-OutputObject`` function (``plugins/modules/win_powershell.ps1`` of the installed
ansible.windows) before ``ConvertTo-Json``; anything nested deeper than ``depth`` is flattened
to a string. Twins return plain Python values that stand for PowerShell values:

==================  ==============================================================
Python              PowerShell
==================  ==============================================================
None                ``$null``
bool                ``[bool]``
int                 ``[int]`` / ``[long]``
float               ``[double]`` (a script's value; a float from the task's JSON is a
                    ``[decimal]`` on Windows PowerShell 5.1, see ``json_numbers``)
decimal.Decimal     ``[decimal]``
str                 ``[string]``
dict                ``[hashtable]`` (an IDictionary)
list / tuple        ``[object[]]`` (an IList)
datetime.datetime   ``[DateTime]`` (naive: Kind Unspecified, UTC: Kind Utc, other
                    offsets: Kind Local)
PSEnum              an enum value such as ``[ServiceControllerStatus]::Running``
==================  ==============================================================

API:

- ``PSEnum(type_name, string, value)``: an enum value.
- ``convert(obj, depth)``: ``Convert-OutputObject -InputObject $obj -Depth $depth``.
- ``ps_string(obj, json_numbers=False)``: ``[string]$obj`` as PowerShell 5.1 casts it.
- ``datetime_o(dt)``: ``$dt.ToString('o')``.

Any other Python type raises TypeError: a twin must not return something the script could not.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# $OFS is unset in the module's runspace, so arrays are joined with a single space.
OFS = " "


@dataclass(frozen=True)
class PSEnum:
    """An enum value: ``type_name`` (full .NET name), ``string`` (``ToString()``) and ``value`` (``[int]``)."""

    type_name: str
    string: str
    value: int


def convert(obj: Any, depth: int) -> Any:
    """Port of ``Convert-OutputObject -InputObject $obj -Depth $depth`` (branch order kept).

    The call is by ``-InputObject``, not the pipeline, so a top-level list is converted as one
    IList and not unrolled.
    """
    child = depth - 1
    if obj is None:
        return None
    if isinstance(obj, PSEnum):
        if depth >= 0:
            return {"Type": obj.type_name, "String": obj.string, "Value": obj.value}
        # An enum is a value type: at depth < 0 the IsValueType branch returns the enum itself, which
        # ConvertTo-Json (Windows PowerShell 5.1, no -EnumsAsStrings) writes as its integer value.
        return obj.value
    if isinstance(obj, _dt.datetime):
        return datetime_o(obj)
    if isinstance(obj, str):
        return obj
    if isinstance(obj, (bool, int, float, Decimal)):
        # Value types are kept as they are at any depth.
        return obj
    if depth < 0:
        # This must come after the value types, so that numbers and bools are not stringified.
        return ps_string(obj)
    if isinstance(obj, (list, tuple)):
        return [convert(item, child) for item in obj]
    if isinstance(obj, dict):
        return {key: convert(value, child) for key, value in obj.items()}
    raise TypeError(f"winsim: a script cannot produce a Python {type(obj).__name__} ({obj!r})")


def datetime_o(value: _dt.datetime) -> str:
    """``[DateTime]::ToString('o')``: 7 fractional digits; 'Z' for UTC, the offset for Local, none for Unspecified."""
    text = value.strftime("%Y-%m-%dT%H:%M:%S") + f".{value.microsecond:06d}0"
    offset = value.utcoffset()
    if offset is None:
        return text
    if value.tzinfo is _dt.UTC:
        return text + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    minutes = abs(minutes)
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def ps_string(obj: Any, json_numbers: bool = False) -> str:
    """``[string]$obj`` as Windows PowerShell 5.1 casts it (invariant culture).

    A list becomes its elements joined with ``$OFS`` (one space); each element is stringified
    without recursing, so a nested list is ``System.Object[]`` and a dict
    ``System.Collections.Hashtable``. ``json_numbers`` renders floats as the ``[decimal]`` that
    ``ConvertFrom-Json`` (5.1) made of the task's JSON text (``2.0`` stays ``2.0``); otherwise
    a float is a ``[double]`` (``2.0`` is ``2``).
    """
    if isinstance(obj, (list, tuple)):
        return OFS.join(_scalar_string(item, json_numbers) for item in obj)
    return _scalar_string(obj, json_numbers)


def _scalar_string(obj: Any, json_numbers: bool) -> str:
    if obj is None:
        return ""
    if isinstance(obj, bool):
        return "True" if obj else "False"
    if isinstance(obj, int):
        return str(obj)
    if isinstance(obj, float):
        return decimal_text(obj) if json_numbers else double_text(obj)
    if isinstance(obj, Decimal):
        return format(obj, "f")
    if isinstance(obj, str):
        return obj
    if isinstance(obj, PSEnum):
        return obj.string
    if isinstance(obj, _dt.datetime):
        # PowerShell casts DateTime to string with the invariant culture's general format.
        return obj.strftime("%m/%d/%Y %H:%M:%S")
    if isinstance(obj, (list, tuple)):
        return "System.Object[]"
    if isinstance(obj, dict):
        return "System.Collections.Hashtable"
    raise TypeError(f"winsim: a script cannot produce a Python {type(obj).__name__} ({obj!r})")


def double_text(value: float) -> str:
    """``[double]`` to string on .NET Framework: 15 significant digits ('G'), invariant culture."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"  # .NET Framework prints negative zero as "0"
    return format(value, ".15G")


def decimal_text(value: float) -> str:
    """The ``[decimal]`` ConvertFrom-Json (5.1) parses from a float's JSON text, as a string (scale kept)."""
    if math.isnan(value) or math.isinf(value):
        return double_text(value)
    return format(Decimal(repr(value)), "f")
