"""win_powershell's ``sensitive_parameters`` and Ansible.Basic's no_log handling, ported from the real sources.

- The sub-spec (ansible.windows 3.3.0 ``plugins/modules/win_powershell.ps1`` lines 24-37): ``name`` required,
  ``username``, ``password`` (no_log), ``value`` (no_log); ``mutually_exclusive`` (value, username) and
  (value, password), ``required_one_of`` (username, value), ``required_together`` (username, password).
  Ansible.Basic (``Ansible.Basic.cs`` ``CheckArguments``) checks each entry in that order - mutually exclusive,
  required, types, required together, required one of - and fails with ``<message> found in
  sensitive_parameters``. Unknown and missing keys are already refused by ``argspec`` from the documentation,
  which cannot tell a key passed as null from an absent one: here null is absent.
- What the module does with an entry (win_powershell.ps1 lines 811-830): a truthy ``username`` makes a
  PSCredential (its password a SecureString of ``password``, or an empty one), else a truthy ``value`` a
  SecureString, else an empty SecureString.
- ``SetNoLogValues`` collects the text of every no_log option that is not empty, sub-options included;
  ``RemoveNoLogValues`` (lines 1395-1470) then rewrites ``invocation.module_args``: a string equal to a no_log
  value becomes ``VALUE_SPECIFIED_IN_NO_LOG_PARAMETER``; a string containing one has the FIRST such value (in
  the order they were collected) replaced by ``********``; a number or bool whose text equals or contains one
  becomes ``VALUE_SPECIFIED_IN_NO_LOG_PARAMETER``; dictionary keys are kept.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..psconvert import ps_string
from ..psscript import _DOTNET, _INVALID_CAST_HRESULT, _RUNTIME_HRESULT, BindingError, ScriptInfo, bind
from ..scripts._secure_string import PS_CREDENTIAL, SECURE_STRING, PSCredential, SecureString

NO_LOG_VALUE = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
NO_LOG_MASK = "********"
CONTEXT = " found in sensitive_parameters"
NO_LOG_SUBOPTIONS = ("password", "value")
MUTUALLY_EXCLUSIVE = (("value", "username"), ("value", "password"))
REQUIRED_TOGETHER = (("username", "password"),)
REQUIRED_ONE_OF = (("username", "value"),)
# Type constraints (as psscript normalises them) a sensitive value binds to.
SECURE_TYPES = {
    "securestring": SecureString, "security.securestring": SecureString, "system.security.securestring": SecureString,
    "pscredential": PSCredential, "management.automation.pscredential": PSCredential,
    "system.management.automation.pscredential": PSCredential,
}
DOTNET_NAMES = {SecureString: SECURE_STRING, PSCredential: PS_CREDENTIAL}


def _given(entry: dict[str, Any], key: str) -> bool:
    return entry.get(key) is not None


def check_sensitive(entries: list[dict[str, Any]] | None) -> str | None:
    """Ansible.Basic's message for the first entry that breaks the sub-spec's rules, or None."""
    for entry in entries or []:
        for group in MUTUALLY_EXCLUSIVE:
            if sum(_given(entry, key) for key in group) > 1:
                return f"parameters are mutually exclusive: {', '.join(group)}{CONTEXT}"
        if not _given(entry, "name"):
            return f"missing required arguments: name{CONTEXT}"
        for group in REQUIRED_TOGETHER:
            found = [_given(entry, key) for key in group]
            if any(found) and not all(found):
                return f"parameters are required together: {', '.join(group)}{CONTEXT}"
        for group in REQUIRED_ONE_OF:
            if not any(_given(entry, key) for key in group):
                return f"one of the following is required: {', '.join(group)}{CONTEXT}"
    return None


def sensitive_values(entries: list[dict[str, Any]] | None) -> dict[str, SecureString | PSCredential]:
    """``{name: SecureString | PSCredential}`` in entry order, as the module builds them (a later entry wins)."""
    values: dict[str, SecureString | PSCredential] = {}
    for entry in entries or []:
        if entry.get("username"):
            password = SecureString(entry["password"]) if entry.get("password") else SecureString()
            value: SecureString | PSCredential = PSCredential(entry["username"], password)
        elif entry.get("value"):
            value = SecureString(entry["value"])
        else:
            value = SecureString()
        same = next((k for k in values if k.lower() == str(entry["name"]).lower()), str(entry["name"]))
        values[same] = value
    return values


def no_log_values(params: dict[str, Any]) -> list[str]:
    """``SetNoLogValues``: the non-empty text of every no_log option, in the order collected (no duplicates)."""
    found: list[str] = []
    for entry in params.get("sensitive_parameters") or []:
        for key in NO_LOG_SUBOPTIONS:
            text = "" if entry.get(key) is None else ps_string(entry[key])
            if text and text not in found:
                found.append(text)
    return found


def remove_no_log_values(value: Any, no_log: list[str]) -> Any:
    """``RemoveNoLogValues`` / ``RemoveValueConditions`` of Ansible.Basic."""
    if value is None:
        return None
    if isinstance(value, (bool, int, float)):
        text = ps_string(value)
        return NO_LOG_VALUE if any(secret in text for secret in no_log) else value
    if isinstance(value, (list, tuple)):
        return [remove_no_log_values(item, no_log) for item in value]
    if isinstance(value, dict):
        return {key: remove_no_log_values(item, no_log) for key, item in value.items()}
    text = str(value)
    if text in no_log:
        return NO_LOG_VALUE
    for secret in no_log:
        if secret in text:
            return text.replace(secret, NO_LOG_MASK)  # only the first match: the C# returns here
    return text


def invocation(params: dict[str, Any]) -> dict[str, Any]:
    """``Result["invocation"]``: every option of the module as validated, no_log values removed."""
    return {"module_args": remove_no_log_values(dict(params), no_log_values(params))}


def bind_parameters(info: ScriptInfo, parameters: dict[str, Any]) -> dict[str, Any]:
    """``psscript.bind`` plus the two types sensitive values bind to.

    A ``[SecureString]`` / ``[PSCredential]`` parameter takes only that object (anything else fails the
    argument transformation, as PowerShell's ``LanguagePrimitives.ConvertTo`` does: a string does not convert);
    a SecureString or PSCredential given to a ``[string]`` parameter becomes its ToString(), the type name; to
    any other typed parameter it fails the transformation.
    """
    if not info.param_block:
        return bind(info, parameters)
    declared = {p.name.lower(): p for p in info.params}
    for alias, target in info.aliases.items():
        declared.setdefault(alias, declared[target.lower()])
    prepared: dict[str, Any] = {}
    for key, value in parameters.items():
        param = declared.get(key.lower())
        if isinstance(value, (SecureString, PSCredential)) and param is not None:
            if param.type_name in ("string", "string[]"):
                value = str(value)
            elif param.type_name not in (None, "object", "psobject") and param.type_name not in SECURE_TYPES:
                raise _transformation_error(param.name, value, _DOTNET.get(param.type_name, param.type_name))
        prepared[key] = value
    special = {p.name: SECURE_TYPES[p.type_name] for p in info.params if p.type_name in SECURE_TYPES}
    loose = replace(info, params=tuple(p._replace(type_name=None) if p.name in special else p for p in info.params))
    bound = bind(loose, prepared)
    for name, kind in special.items():
        if bound[name] is not None and not isinstance(bound[name], kind):
            raise _transformation_error(name, bound[name], DOTNET_NAMES[kind])
    return bound


def _transformation_error(name: str, value: Any, target: str) -> BindingError:
    if isinstance(value, (SecureString, PSCredential)):
        shown = kind = str(value)
    elif isinstance(value, (list, tuple, dict)):
        shown = kind = "System.Object[]" if isinstance(value, (list, tuple)) else "System.Collections.Hashtable"
    else:
        shown = ps_string(value, json_numbers=True)
        kind = {bool: "System.Boolean", int: "System.Int32", float: "System.Decimal"}.get(type(value), "System.String")
    message = f'Cannot convert the "{shown}" value of type "{kind}" to type "{target}".'
    return BindingError(
        f"Cannot process argument transformation on parameter '{name}'. {message}",
        exception_type="System.Management.Automation.ParameterBindingArgumentTransformationException",
        fully_qualified_error_id="ParameterArgumentTransformationError", category="InvalidData",
        inner=(("System.Management.Automation.ArgumentTransformationMetadataException", message, _RUNTIME_HRESULT),
               ("System.Management.Automation.PSInvalidCastException", message, _INVALID_CAST_HRESULT)))


def output_shape(value: Any) -> Any:
    """How ``Convert-OutputObject`` shows a SecureString (its one property, Length) or a PSCredential."""
    if isinstance(value, SecureString):
        return {"Length": value.Length}
    if isinstance(value, PSCredential):
        return {"UserName": value.UserName, "Password": output_shape(value.Password)}
    if isinstance(value, (list, tuple)):
        return [output_shape(item) for item in value]
    if isinstance(value, dict):
        return {key: output_shape(item) for key, item in value.items()}
    return value
