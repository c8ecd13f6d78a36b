"""Arguments the Windows modules accept beyond their DOCUMENTATION.

``argspec.validate`` checks a call against the module's documented options, as Ansible.Basic
would. A few of the faked modules take more than they document, and a real host accepts it:

* ``win_copy`` and ``win_file`` are Legacy (``Parse-Args``) modules. Their action plugins pass
  internal options (``_copy_mode``, ``_original_basename``, the ``files``/``directories``/
  ``symlinks`` lists of the query mode) that DOCUMENTATION does not list.
* ``win_shell`` documents its free-form command as ``free_form``, but the task parser sends it
  as ``_raw_params`` (what the ``.ps1`` reads).
* ``setup`` adds every unknown, non-underscore option to its spec as ``raw`` (so ``gather_facts``
  can pass options a given module version does not know).

``validate`` below is installed over ``argspec.validate`` when the fakes load. It only changes
these modules; everything else is validated exactly as before.
TODO: move this table into argspec.py (it was written by a helper not allowed to edit that file).
"""

from __future__ import annotations

from typing import Any

from .. import argspec

# Options passed through without validation, per module.
PASSTHROUGH: dict[str, frozenset[str]] = {
    "ansible.windows.win_copy": frozenset({"_copy_mode", "_original_basename", "files", "directories", "symlinks"}),
    "ansible.windows.win_file": frozenset({"_original_basename"}),
}
# Payload name -> documented name.
RENAMED: dict[str, dict[str, str]] = {
    "ansible.windows.win_shell": {"_raw_params": "free_form"},
}
# Modules whose spec grows a ``raw`` option for any unknown, non-underscore argument.
ANY_EXTRA = frozenset({"ansible.windows.setup"})


def _wrap(original):
    def validate(fqcn: str, args: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        passthrough = set(PASSTHROUGH.get(fqcn, ()))
        if fqcn in ANY_EXTRA:
            documented = argspec.module_docs(fqcn)["doc"].get("options") or {}
            passthrough |= {k for k in args if not k.startswith("_") and k not in documented}
        renamed = RENAMED.get(fqcn, {})
        extra = {k: v for k, v in args.items() if k in passthrough}
        checked = {renamed.get(k, k): v for k, v in args.items() if k not in passthrough}
        params, error = original(fqcn, checked)
        return {**params, **extra}, error

    validate.winsim_legacy_args = True  # type: ignore[attr-defined]
    validate.__wrapped__ = original  # type: ignore[attr-defined]
    return validate


if not getattr(argspec.validate, "winsim_legacy_args", False):
    argspec.validate = _wrap(argspec.validate)
