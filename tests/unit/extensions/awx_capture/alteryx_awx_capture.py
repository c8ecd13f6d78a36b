"""Test-only action plugin: validate an awx.awx task's arguments as the real module would, without an AWX server.

tests/unit/extensions/test_awx_configure.py runs extensions/awx/configure.yml with every ``awx.awx.<module>:`` task
renamed to this action and ``_module: awx.awx.<module>`` added to its arguments. Ansible has already templated the
arguments, evaluated ``when``/``loop`` and dropped omitted options, exactly as for the real task. Here the module's
own argument spec is taken from its ``main()`` (the ``argument_spec`` and constraints it hands to
``ControllerAPIModule``, plus the connection options every awx.awx module adds) and checked with ansible-core's
``ArgumentSpecValidator``. Each call is appended as one JSON line to the file named by ``ALTERYX_AWX_CAPTURE``.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase


class _Captured(Exception):
    """Raised by the stand-in for ControllerAPIModule once it has the module's argument spec."""


@functools.cache
def module_spec(fqcn: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return ``(argument_spec, constraints)`` that ``fqcn``'s main() gives ControllerAPIModule, auth options included."""
    namespace, collection, name = fqcn.split(".")
    module = importlib.import_module(f"ansible_collections.{namespace}.{collection}.plugins.modules.{name}")
    api = importlib.import_module(f"ansible_collections.{namespace}.{collection}.plugins.module_utils.controller_api")
    captured: dict[str, Any] = {}

    class Capture:
        def __init__(self, argument_spec: dict[str, Any] | None = None, **kwargs: Any) -> None:
            captured["spec"] = {**api.ControllerModule.AUTH_ARGSPEC, **(argument_spec or {})}
            captured["constraints"] = kwargs
            raise _Captured

    original = module.ControllerAPIModule
    module.ControllerAPIModule = Capture
    try:
        module.main()
    except _Captured:
        pass
    finally:
        module.ControllerAPIModule = original
    if "spec" not in captured:
        raise LookupError(f"{fqcn}: main() did not create a ControllerAPIModule")
    return captured["spec"], captured["constraints"]


def validate(fqcn: str, args: dict[str, Any]) -> list[str]:
    """Error messages of ``args`` against ``fqcn``'s real argument spec (empty when valid)."""
    spec, constraints = module_spec(fqcn)
    keep = ("mutually_exclusive", "required_together", "required_one_of", "required_if", "required_by")
    validator = ArgumentSpecValidator(spec, **{key: constraints[key] for key in keep if key in constraints})
    return [str(error) for error in validator.validate(args).errors]


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp: str | None = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        fqcn = args.pop("_module")
        errors = validate(fqcn, args)
        with open(os.environ["ALTERYX_AWX_CAPTURE"], "a", encoding="utf-8") as capture:
            record = {"task": self._task.get_name(), "module": fqcn, "args": args, "errors": errors,
                      "no_log": bool(self._task.no_log)}
            capture.write(json.dumps(record, default=str) + "\n")
        result.update(changed=True, failed=bool(errors), msg="; ".join(errors) or "valid")
        return result
