"""alteryx_backup_plan reads the settings named in settings_from_vars from the alteryx_backup_<key> variables,
templating each once; settings given in ``settings`` win, undefined variables are left out."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

from ansible_collections.alteryx.server.plugins.action.alteryx_backup_plan import ActionModule


def _plan(task_vars: dict[str, Any], **args: Any) -> dict[str, Any]:
    validation = ArgumentSpecValidator(ActionModule.ARGUMENT_SPEC).validate(
        {"host_folder": "node1", "mode": "Full", **args})
    assert not validation.error_messages, validation.error_messages
    action = ActionModule.__new__(ActionModule)
    action._task = SimpleNamespace(check_mode=True, async_val=0)
    action._templar = Templar(loader=DataLoader(), variables=task_vars)
    return action.step(validation.validated_parameters, task_vars)


def test_settings_come_from_the_role_variables_templated():
    task_vars = {"base": "D:\\Alteryx",
                 "alteryx_backup_local_path": trust_as_template("{{ base }}\\Backups"),
                 "alteryx_backup_min_keep": trust_as_template("{{ 1 + 2 }}"),
                 "alteryx_backup_retention_days": {"Full": 9, "DatabaseOnly": 7, "ConfigOnly": 14}}
    planned = _plan(task_vars, settings_from_vars=["local_path", "min_keep", "retention_days", "log_path"],
                    settings={"export_secrets": False})
    assert planned["settings"]["local_path"] == "D:\\Alteryx\\Backups"
    assert planned["settings"]["min_keep"] == 3
    assert planned["settings"]["retention_days"]["Full"] == 9
    assert planned["local_dir"] == "D:\\Alteryx\\Backups"


def test_a_setting_given_directly_wins_over_its_variable():
    task_vars = {"alteryx_backup_local_path": "D:\\FromVars", "alteryx_backup_min_keep": 4}
    planned = _plan(task_vars, settings_from_vars=["local_path", "min_keep"],
                    settings={"local_path": "E:\\Given", "export_secrets": False})
    assert planned["settings"]["local_path"] == "E:\\Given"
    assert planned["settings"]["min_keep"] == 4
