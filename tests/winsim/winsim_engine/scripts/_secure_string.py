"""SecureString, PSCredential and the Marshal BSTR calls, as a host script sees them (twins' side).

``ansible.windows.win_powershell`` turns each ``sensitive_parameters`` entry into a ``[SecureString]`` (``value``)
or a ``[PSCredential]`` (``username`` + ``password``) before it binds the script's parameters. A script gets
the text back only through ``[Runtime.InteropServices.Marshal]::SecureStringToBSTR`` + ``PtrToStringBSTR`` (and
frees the copy with ``ZeroFreeBSTR``). These stand-ins hold their text out of reach the same way, so a twin that
forgets the conversion fails like the script would:

- ``str()`` / ``format()`` / string concatenation give the type name, as PowerShell's ToString and ``+`` do
  (``"password: " + $secure`` is ``password: System.Security.SecureString``);
- any other method or property but ``Length`` is a terminating ``MethodNotFound`` / ``PropertyNotFoundStrict``
  error (``Set-StrictMode -Version 2.0``), e.g. ``$secure.Replace(...)``;
- the object is truthy even when empty (a non-null object in ``if``), and cannot be pickled or compared.
"""

from __future__ import annotations

import os
from typing import Any, NoReturn

from . import TerminatingError

SECURE_STRING = "System.Security.SecureString"
PS_CREDENTIAL = "System.Management.Automation.PSCredential"
METHOD_INVOCATION = "System.Management.Automation.MethodInvocationException"


def _method_not_found(type_name: str, name: str) -> NoReturn:
    raise TerminatingError(f"Method invocation failed because [{type_name}] does not contain a method named "
                           f"'{name}'.", category="InvalidOperation", fully_qualified_error_id="MethodNotFound")


class SecureString:
    """``System.Security.SecureString``: text kept masked in memory; only :func:`secure_string_to_bstr` reads it."""

    __slots__ = ("_key", "_masked")

    def __init__(self, text: str = "") -> None:
        data = text.encode("utf-16-le")
        key = os.urandom(len(data))
        object.__setattr__(self, "_key", key)
        object.__setattr__(self, "_masked", bytes(a ^ b for a, b in zip(data, key, strict=True)))

    @property
    def Length(self) -> int:  # noqa: N802  (the .NET property)
        return len(self._masked) // 2

    def _reveal(self) -> str:
        return bytes(a ^ b for a, b in zip(self._masked, self._key, strict=True)).decode("utf-16-le")

    def __getattr__(self, name: str) -> NoReturn:
        _method_not_found(SECURE_STRING, name)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        _method_not_found(SECURE_STRING, name)

    def __str__(self) -> str:
        return SECURE_STRING

    __repr__ = __str__

    def __format__(self, spec: str) -> str:
        return format(SECURE_STRING, spec)

    def __add__(self, other: Any) -> NoReturn:
        raise TerminatingError(f"Method invocation failed because [{SECURE_STRING}] does not contain a method named "
                               "'op_Addition'.", category="InvalidOperation",
                               fully_qualified_error_id="MethodNotFound")

    def __radd__(self, other: Any) -> str:
        if isinstance(other, str):
            return other + SECURE_STRING  # [string] + [object]: the object's ToString()
        return NotImplemented

    def __bool__(self) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return self is other  # reference equality, as .NET: never compares the text

    __hash__ = object.__hash__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a SecureString cannot be serialized")


class PSCredential:
    """``System.Management.Automation.PSCredential``: ``UserName`` and a SecureString ``Password``."""

    __slots__ = ("UserName", "Password")

    def __init__(self, username: str, password: SecureString) -> None:
        self.UserName = username
        self.Password = password

    def __str__(self) -> str:
        return PS_CREDENTIAL

    __repr__ = __str__

    def __bool__(self) -> bool:
        return True

    def __reduce__(self) -> NoReturn:
        raise TypeError("a PSCredential cannot be serialized")


class Bstr:
    """An unmanaged BSTR holding a copy of a SecureString's text, until ZeroFreeBSTR."""

    __slots__ = ("_text",)

    def __init__(self, text: str) -> None:
        self._text: str | None = text


def secure_string_to_bstr(secure: Any) -> Bstr:
    """``[Runtime.InteropServices.Marshal]::SecureStringToBSTR($secure)``; $null throws ArgumentNullException."""
    if secure is None:
        raise TerminatingError('Exception calling "SecureStringToBSTR" with "1" argument(s): "Value cannot be null.'
                               '\r\nParameter name: s"', exception_type=METHOD_INVOCATION,
                               category="NotSpecified", fully_qualified_error_id="ArgumentNullException")
    if not isinstance(secure, SecureString):
        raise TerminatingError(f'Cannot convert argument "s", with value: "{secure}", for "SecureStringToBSTR" to '
                               f'type "{SECURE_STRING}"', category="NotSpecified",
                               fully_qualified_error_id="MethodArgumentConversionInvalidCastArgument")
    return Bstr(secure._reveal())


def ptr_to_string_bstr(bstr: Bstr) -> str:
    """``[Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr)``; a freed BSTR is an access violation."""
    if bstr._text is None:
        raise TerminatingError('Exception calling "PtrToStringBSTR" with "1" argument(s): "Attempted to read or '
                               'write protected memory."', exception_type=METHOD_INVOCATION,
                               category="NotSpecified", fully_qualified_error_id="AccessViolationException")
    return bstr._text


def zero_free_bstr(bstr: Bstr) -> None:
    """``[Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr)``: zero the copy and free it."""
    bstr._text = None
