"""Arguments the Windows modules accept beyond their DOCUMENTATION.

``argspec.validate`` checks a call against the module's documented options, as Ansible.Basic
would. One faked module takes more than it documents, and a real host accepts it: ``win_copy``
is a Legacy (``Parse-Args``) module, and its action plugin passes internal options
(``_copy_mode``, ``_original_basename``, the ``files``/``directories``/``symlinks`` lists of the
query mode) that DOCUMENTATION does not list.

``validate`` below is installed over ``argspec.validate`` when the fakes load. It only changes
that module; everything else is validated exactly as before.
TODO: move this table into argspec.py (it was written by a helper not allowed to edit that file).
"""

from __future__ import annotations

from typing import Any

from .. import argspec

# Options passed through without validation, per module.
PASSTHROUGH: dict[str, frozenset[str]] = {
    "ansible.windows.win_copy": frozenset({"_copy_mode", "_original_basename", "files", "directories", "symlinks"}),
}


def _wrap(original):
    def validate(fqcn: str, args: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
        passthrough = PASSTHROUGH.get(fqcn, frozenset())
        extra = {k: v for k, v in args.items() if k in passthrough}
        checked = {k: v for k, v in args.items() if k not in passthrough}
        params, error = original(fqcn, checked)
        return {**params, **extra}, error

    validate.winsim_legacy_args = True  # type: ignore[attr-defined]
    validate.__wrapped__ = original  # type: ignore[attr-defined]
    return validate


if not getattr(argspec.validate, "winsim_legacy_args", False):
    argspec.validate = _wrap(argspec.validate)
