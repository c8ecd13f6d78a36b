"""Arguments are validated against the installed modules' documentation, as Ansible.Basic would."""

from __future__ import annotations

import pytest

from winsim_engine import argspec


def test_misspelled_option_is_unsupported():
    _params, error = argspec.validate("ansible.windows.win_service", {"name": "AlteryxService", "stat": "started"})
    assert error is not None
    assert "Unsupported parameters for (win_service) module: stat" in error


def test_wrong_choice_fails():
    _params, error = argspec.validate("ansible.windows.win_service", {"name": "AlteryxService", "state": "running"})
    assert error is not None and "state" in error and "must be one of" in error


def test_wrong_type_fails():
    _params, error = argspec.validate("ansible.windows.win_stat", {"path": "C:\\x", "get_checksum": "maybe"})
    assert error is not None and "get_checksum" in error


def test_missing_required_fails():
    _params, error = argspec.validate("ansible.windows.win_stat", {})
    assert error is not None and "missing required arguments: path" in error


def test_defaults_and_aliases_are_applied():
    params, error = argspec.validate("ansible.windows.win_stat", {"dest": "C:\\x"})
    assert error is None
    assert params["path"] == "C:\\x"
    assert params["checksum_algorithm"] == "sha1" and params["get_checksum"] is True


@pytest.mark.parametrize("fqcn, option", [("ansible.windows.slurp", "src"), ("ansible.windows.async_status", "jid")])
def test_sidecar_yml_docs_load(fqcn, option):
    assert argspec.module_file(fqcn).suffix == ".yml"
    docs = argspec.module_docs(fqcn)
    assert option in docs["doc"]["options"]
    assert docs["returndocs"]


def test_sidecar_module_validates():
    params, error = argspec.validate("ansible.windows.slurp", {"path": "C:\\x"})
    assert error is None and params["src"] == "C:\\x"
    _params, error = argspec.validate("ansible.windows.slurp", {"source": "C:\\x"})
    assert error is not None and "Unsupported parameters for (slurp) module: source" in error


def test_async_status_accepts_the_internal_async_dir():
    params, error = argspec.validate("ansible.windows.async_status", {"jid": "j1", "_async_dir": "C:\\a"})
    assert error is None and params["_async_dir"] == "C:\\a"


@pytest.mark.parametrize("fqcn, args", [
    ("ansible.windows.win_copy", {"dest": "C:\\x", "src": "C:\\t\\source", "_copy_mode": "single",
                                  "_original_basename": "x.txt"}),
    ("ansible.windows.win_copy", {"dest": "C:\\x", "_copy_mode": "query", "files": [], "directories": [],
                                  "symlinks": []}),
])
def test_internal_options_of_legacy_modules_pass(fqcn, args):
    params, error = argspec.validate(fqcn, args)
    assert error is None
    for key in args:
        assert key in params


def test_legacy_modules_still_reject_misspellings():
    _params, error = argspec.validate("ansible.windows.win_copy", {"dest": "C:\\x", "contnet": "x"})
    assert error is not None and "Unsupported parameters for (win_copy) module: contnet" in error
