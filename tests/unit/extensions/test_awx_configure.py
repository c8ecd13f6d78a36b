"""extensions/awx/configure.yml: syntax, and every awx.awx call valid against the real module, without an AWX server.

The playbook runs for real (templating, loops, conditions, omit) with each ``awx.awx.<module>`` task swapped for the
test-only action ``alteryx_awx_capture`` (awx_capture/), which validates the arguments against the module's own
argument spec with ``ArgumentSpecValidator`` and records them. The records are then checked for what AWX itself
would refuse or what would break a backup: survey rules, schedule rules, groups, slicing, secrets.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
AWX_DIR = REPO / "extensions" / "awx"
CAPTURE_PLUGINS = Path(__file__).resolve().parent / "awx_capture"
PLAYBOOK_BIN = Path(sys.executable).parent / "ansible-playbook"
SECRETS = {
    "alteryx_awx_machine_password": "Machine-Secret-1",
    "alteryx_awx_machine_become_password": "Become-Secret-2",
    "alteryx_backup_mongodb_password": "Mongo-Secret-3",
    "alteryx_backup_notify_smtp_password": "Smtp-Secret-4",
    "alteryx_backup_notify_webhook_url": "https://example.webhook.office.com/webhookb2/Hook-Secret-5",
}
FLEET = "Alteryx fleet"
SINGLES = "Alteryx single-node servers"
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
RRULE = re.compile(r"^DTSTART;TZID=[A-Za-z_/+-]+:\d{8}T\d{6} RRULE:(?P<rule>[A-Z]+=[A-Z0-9,+-]+(;[A-Z]+=[A-Z0-9,+-]+)*)$")


def _env(capture: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(ANSIBLE_ACTION_PLUGINS=str(CAPTURE_PLUGINS), ALTERYX_AWX_CAPTURE=str(capture), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_RETRY_FILES_ENABLED="0")
    env["PATH"] = f"{PLAYBOOK_BIN.parent}:{env.get('PATH', '')}"
    return env


def _capturing_copy(tmp_path: Path, edit=None) -> Path:
    """Copy extensions/awx with each awx.awx task turned into the capture action (and an optional text edit)."""
    target = tmp_path / "awx"
    shutil.copytree(AWX_DIR, target)
    count = 0
    for path in [target / "configure.yml", *sorted((target / "tasks").glob("*.yml"))]:
        text = path.read_text(encoding="utf-8")
        if edit:
            text = edit(text)
        text, found = re.subn(r"^(\s+)awx\.awx\.(\w+):\n", r"\1alteryx_awx_capture:\n\1  _module: awx.awx.\2\n", text,
                              flags=re.MULTILINE)
        count += found
        path.write_text(text, encoding="utf-8")
    assert count >= 10, "the playbook should call awx.awx modules"
    return target / "configure.yml"


def _run(tmp_path: Path, *extra: str, edit=None) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    capture = tmp_path / "capture.jsonl"
    playbook = _capturing_copy(tmp_path, edit)
    proc = subprocess.run([str(PLAYBOOK_BIN), "-i", "localhost,", "-v", str(playbook), *extra], env=_env(capture),
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    records = [json.loads(line) for line in capture.read_text(encoding="utf-8").splitlines()] if capture.exists() else []
    return proc, records


def _secrets_file(tmp_path: Path) -> str:
    path = tmp_path / "secrets.yml"
    path.write_text(yaml.safe_dump(SECRETS), encoding="utf-8")
    return f"@{path}"


def _calls(records: list[dict[str, Any]], module: str) -> list[dict[str, Any]]:
    return [record["args"] for record in records if record["module"] == f"awx.awx.{module}"]


def _by_name(records: list[dict[str, Any]], module: str, inventory: str = FLEET) -> dict[str, dict[str, Any]]:
    """Calls of ``module`` by object name; hosts and groups of one inventory."""
    calls = _calls(records, module)
    if module in ("host", "group"):
        calls = [args for args in calls if args["inventory"] == inventory]
    return {args["name"]: args for args in calls}


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> list[dict[str, Any]]:
    """The settings file as shipped, no secrets."""
    proc, records = _run(tmp_path_factory.mktemp("plain"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return records


@pytest.fixture(scope="module")
def with_secrets(tmp_path_factory) -> tuple[subprocess.CompletedProcess[str], list[dict[str, Any]]]:
    tmp_path = tmp_path_factory.mktemp("secrets")
    proc, records = _run(tmp_path, "-e", _secrets_file(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, records


def _backup_templates(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The job templates that run a backup (not the fleet report)."""
    return {name: args for name, args in _by_name(records, "job_template").items() if name != "Alteryx backup report"}


def _settings() -> dict[str, Any]:
    return yaml.safe_load((AWX_DIR / "vars" / "alteryx_awx.yml").read_text(encoding="utf-8"))


def test_syntax_check():
    proc = subprocess.run([str(PLAYBOOK_BIN), "--syntax-check", "-i", "localhost,", str(AWX_DIR / "configure.yml")],
                          env=_env(Path(os.devnull)), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("fixture", ["plain", "with_secrets"])
def test_every_awx_call_passes_the_module_argument_spec(fixture, request):
    value = request.getfixturevalue(fixture)
    records = value[1] if isinstance(value, tuple) else value
    assert records, "no awx.awx call was made"
    assert [(r["task"], r["errors"]) for r in records if r["errors"]] == []
    used = {record["module"] for record in records}
    assert {"awx.awx.execution_environment", "awx.awx.project", "awx.awx.inventory", "awx.awx.host", "awx.awx.group",
            "awx.awx.credential_type", "awx.awx.notification_template", "awx.awx.job_template",
            "awx.awx.schedule"} <= used


def test_a_wrong_option_name_is_caught(tmp_path):
    proc, records = _run(tmp_path, edit=lambda text: text.replace("job_slice_count: 1\n", "job_slices: 1\n"))
    assert proc.returncode != 0
    bad = [r for r in records if r["errors"]]
    assert bad and {r["module"] for r in bad} == {"awx.awx.job_template"}
    assert all("job_slices" in " ".join(r["errors"]) for r in bad)


def test_a_wrong_option_type_is_caught(tmp_path):
    proc, records = _run(tmp_path, "-e", "alteryx_awx_forks=many")
    assert proc.returncode != 0
    assert any("forks" in " ".join(r["errors"]) for r in records) or "forks" in proc.stdout


def test_a_host_in_two_clusters_is_refused_before_any_call(tmp_path):
    fleet = [{"name": "a", "controller": "c1", "workers": ["w1"]}, {"name": "b", "controller": "c2", "workers": ["w1"]}]
    proc, records = _run(tmp_path, "-e", json.dumps({"alteryx_awx_clusters": fleet}))
    assert proc.returncode != 0
    assert "a host may belong to one cluster only" in proc.stdout
    assert records == []


def test_inventory_has_role_and_cluster_groups(plain):
    settings = _settings()
    groups = _by_name(plain, "group")
    clusters = settings["alteryx_awx_clusters"]
    assert set(groups["alteryx_controller"]["hosts"]) == {c["controller"] for c in clusters}
    assert set(groups["alteryx_workers"]["hosts"]) == {w for c in clusters for w in c.get("workers", [])}
    assert set(groups["alteryx_ui"]["hosts"]) == {u for c in clusters for u in c.get("ui", [])}
    for cluster in clusters:
        group = groups[cluster["name"]]
        assert group["variables"] == {"alteryx_cluster": cluster["name"]}
        assert set(group["hosts"]) == {cluster["controller"], *cluster.get("workers", []), *cluster.get("ui", [])}
    hosts = set(_by_name(plain, "host"))
    assert hosts == {h for g in ("alteryx_controller", "alteryx_workers", "alteryx_ui") for h in groups[g]["hosts"]}
    inventory = _by_name(plain, "inventory")[FLEET]
    assert inventory["variables"]["ansible_port"] == 5986
    assert inventory["variables"]["ansible_winrm_server_cert_validation"] == "validate"


def test_job_templates_per_mode_with_surveys(plain):
    settings = _settings()
    templates = _by_name(plain, "job_template")
    role_options = yaml.safe_load((REPO / "roles/backup/meta/argument_specs.yml").read_text())["argument_specs"]["main"][
        "options"]
    for mode, playbook in (("Full", "backup_full"), ("DatabaseOnly", "backup_database"), ("ConfigOnly", "backup_config")):
        template = templates[f"Alteryx backup {mode}"]
        assert template["playbook"] == f"playbooks/{playbook}.yml"
        variables = [q["variable"] for q in template["survey_spec"]["spec"]]
        # The playbook fixes the mode: a survey answer would override it (extra vars win over role vars).
        assert "alteryx_backup_mode" not in variables
        assert template["job_slice_count"] == 1 and template["ask_limit_on_launch"] is True
    report = templates.pop("Alteryx backup report")
    assert report["playbook"] == "playbooks/report.yml" and (REPO / report["playbook"]).is_file()
    assert report["notification_templates_error"] == ["Alteryx backup mail"]
    chooser = templates["Alteryx backup (choose the mode)"]
    assert chooser["playbook"] == "playbooks/backup.yml"
    [mode_question] = [q for q in chooser["survey_spec"]["spec"] if q["variable"] == "alteryx_backup_mode"]
    assert mode_question["type"] == "multiplechoice"
    assert mode_question["choices"] == ["Full", "DatabaseOnly", "ConfigOnly"]
    for template in templates.values():
        assert (REPO / template["playbook"]).is_file()
        assert template["credentials"][0] == settings["alteryx_awx_machine_credential"]
        assert template["allow_simultaneous"] is False
        spec = template["survey_spec"]["spec"]
        _check_survey(spec)
        by_variable = {q["variable"]: q for q in spec}
        assert by_variable["alteryx_backup_retention_days"]["type"] == "integer"
        assert by_variable["alteryx_backup_min_keep"]["type"] == "integer"
        # The playbooks' hosts come from the survey's host pattern.
        assert "alteryx_backup_hosts" in (REPO / template["playbook"]).read_text()
        for variable in by_variable:
            if variable != "alteryx_backup_hosts":
                assert variable in role_options, f"{variable} is not an option of the backup role"


def _check_survey(spec: list[dict[str, Any]]) -> None:
    """What AWX's survey validation refuses (awx/api/views survey_spec checks)."""
    assert len({q["variable"] for q in spec}) == len(spec)
    for question in spec:
        assert question["type"] in SURVEY_TYPES
        assert question["question_name"] and re.fullmatch(r"[a-z_][a-z0-9_]*", question["variable"])
        assert isinstance(question["required"], bool)
        if question["type"] in {"multiplechoice", "multiselect"}:
            assert question["default"] in question["choices"]
        if question["type"] == "integer":
            assert isinstance(question["min"], int) and isinstance(question["max"], int)
            assert question["min"] <= question["max"]
            assert "default" not in question or question["min"] <= question["default"] <= question["max"]
        if question["required"]:
            assert "default" in question, f"{question['variable']}: schedules need a default for a required answer"


def test_schedules_nightly_full_and_hourly_database(plain):
    schedules = _by_name(plain, "schedule")
    templates = _by_name(plain, "job_template")
    full = schedules["Alteryx nightly Full"]
    hourly = schedules["Alteryx hourly DatabaseOnly"]
    assert full["unified_job_template"] == "Alteryx backup Full"
    assert hourly["unified_job_template"] == "Alteryx backup DatabaseOnly"
    for schedule in schedules.values():
        assert schedule["unified_job_template"] in templates
        assert RRULE.match(schedule["rrule"]), schedule["rrule"]
    full_rule = dict(part.split("=") for part in RRULE.match(full["rrule"])["rule"].split(";"))
    hourly_rule = dict(part.split("=") for part in RRULE.match(hourly["rrule"])["rule"].split(";"))
    assert full_rule["FREQ"] == "DAILY" and hourly_rule["FREQ"] == "HOURLY"
    full_hour = int(re.search(r":\d{8}T(\d\d)", full["rrule"])[1])
    assert str(full_hour) not in hourly_rule["BYHOUR"].split(","), "the hourly dump would meet the nightly Full"


def test_slicing_only_for_single_node_servers_on_their_own_inventory(plain):
    templates = _by_name(plain, "job_template")
    sliced = templates["Alteryx backup Full (single-node servers, sliced)"]
    singles = {"alteryx-finance.corp.example.com", "alteryx-sandbox.corp.example.com"}
    # 4 asked, 2 single-node servers: AWX fails a slice left without hosts.
    assert _settings()["alteryx_awx_job_slice_count"] == 4 and sliced["job_slice_count"] == len(singles)
    assert sliced["inventory"] == SINGLES and "limit" not in sliced
    assert sliced["extra_vars"] == {"alteryx_backup_partial_cluster": "fail"}
    assert set(_by_name(plain, "host", SINGLES)) == singles
    groups = _by_name(plain, "group", SINGLES)
    assert set(groups["alteryx_controller"]["hosts"]) == singles
    assert groups["alteryx_workers"]["hosts"] == [] and groups["alteryx_ui"]["hosts"] == []
    assert {name for name, group in groups.items() if "alteryx_cluster" in group.get("variables", {})} == {
        "finance", "sandbox"}
    assert set(_by_name(plain, "group")["alteryx_single_node"]["hosts"]) == singles
    schedules = _by_name(plain, "schedule")
    assert schedules["Alteryx nightly Full"]["limit"] == "all:!alteryx_single_node"
    assert schedules["Alteryx nightly Full (single-node servers, sliced)"]["unified_job_template"] == sliced["name"]


def test_no_slicing_means_one_template_for_all(tmp_path):
    proc, records = _run(tmp_path, "-e", "alteryx_awx_job_slice_count=1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not [name for name in _by_name(records, "job_template") if "sliced" in name]
    assert list(_by_name(records, "inventory")) == [FLEET] and _by_name(records, "host", SINGLES) == {}
    assert _by_name(records, "schedule")["Alteryx nightly Full"]["limit"] == "all"


def test_without_secrets_nothing_secret_is_created(plain):
    assert _calls(plain, "credential") == []
    templates = _backup_templates(plain)
    assert all(t["credentials"] == ["Alteryx backup account"] for t in templates.values())
    notifications = _by_name(plain, "notification_template")
    assert list(notifications) == ["Alteryx backup mail"]
    mail = notifications["Alteryx backup mail"]["notification_configuration"]
    assert mail["host"] == "smtp.corp.example.com" and mail["port"] == 587 and mail["use_tls"] is True
    assert mail["recipients"] == ["alteryx-admins@corp.example.com"] and mail["password"] == ""
    for template in templates.values():
        assert template["notification_templates_error"] == ["Alteryx backup mail"]
        assert template["notification_templates_success"] == []


def test_secrets_go_to_credentials_and_never_to_output(with_secrets):
    proc, records = with_secrets
    for secret in SECRETS.values():
        assert secret not in proc.stdout + proc.stderr
    credentials = _by_name(records, "credential")
    assert set(credentials) == {"Alteryx backup account", "Alteryx MongoDB", "Alteryx notification secrets"}
    machine = credentials["Alteryx backup account"]["inputs"]
    assert machine["password"] == SECRETS["alteryx_awx_machine_password"]
    assert "become_method" not in machine  # become for shares is off in the shipped settings
    assert credentials["Alteryx MongoDB"]["inputs"] == {"password": SECRETS["alteryx_backup_mongodb_password"]}
    secret_tasks = [r for r in records if r["module"] in {"awx.awx.credential", "awx.awx.notification_template"}]
    assert secret_tasks and all(r["no_log"] for r in secret_tasks)
    types = _by_name(records, "credential_type")
    injected = types["Alteryx self-managed MongoDB"]["injectors"]["extra_vars"]
    assert injected == {"alteryx_backup_mongodb_password": "{{ password }}"}  # AWX renders it, not Ansible
    for template in _backup_templates(records).values():
        assert "Alteryx notification secrets" in template["credentials"]
    assert "Alteryx MongoDB" in _by_name(records, "job_template")["Alteryx backup Full"]["credentials"]


def test_teams_webhook_bodies_are_json_templates(with_secrets):
    _proc, records = with_secrets
    webhook = _by_name(records, "notification_template")["Alteryx backup webhook"]
    assert webhook["notification_type"] == "webhook"
    assert webhook["notification_configuration"]["url"] == SECRETS["alteryx_backup_notify_webhook_url"]
    for event in ("error", "success"):
        body = json.loads(webhook["messages"][event]["body"])
        [attachment] = body["attachments"]
        assert body["type"] == "message"
        assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
        card = attachment["content"]
        assert card["type"] == "AdaptiveCard" and "{{ job.id }}" in card["body"][1]["text"]
        assert card["actions"][0]["url"] == "{{ url }}"  # AWX fills it in, not Ansible


def test_become_for_shares_uses_runas_new_credentials(tmp_path):
    proc, records = _run(tmp_path, "-e", _secrets_file(tmp_path), "-e", "alteryx_awx_become_for_shares=true")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    machine = _by_name(records, "credential")["Alteryx backup account"]["inputs"]
    assert machine["become_method"] == "runas"
    assert machine["become_password"] == SECRETS["alteryx_awx_machine_become_password"]
    assert all(t["become_enabled"] is True for t in _by_name(records, "job_template").values())
    inventory = _by_name(records, "inventory")[FLEET]
    assert "logon_type=new_credentials" in inventory["variables"]["ansible_become_flags"]


def test_mail_security_and_switches_follow_the_collection_settings(tmp_path):
    proc, records = _run(tmp_path, "-e", "alteryx_backup_notify_smtp_security=ssl alteryx_backup_notify_smtp_port=465")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    mail = _by_name(records, "notification_template")["Alteryx backup mail"]["notification_configuration"]
    assert (mail["use_ssl"], mail["use_tls"], mail["port"]) == (True, False, 465)
    off = tmp_path / "off"
    off.mkdir()
    proc, records = _run(off, "-e", "alteryx_backup_notify_email_enabled=false alteryx_backup_notify_only_on_failure=false")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert _calls(records, "notification_template") == []
    assert all(t["notification_templates_error"] == [] == t["notification_templates_success"]
               for t in _backup_templates(records).values())


@pytest.mark.parametrize("setting", ["alteryx_backup_notify_smtp_port=smtp", "alteryx_backup_notify_smtp_port=70000",
                                     "alteryx_backup_notify_smtp_security=tls",
                                     "alteryx_backup_notify_to=admins@corp.example.com"])
def test_bad_mail_settings_stop_before_any_call(tmp_path, setting):
    proc, records = _run(tmp_path, "-e", setting)
    assert proc.returncode != 0
    assert "mail notification: alteryx_backup_notify_smtp_port must be 1-65535" in proc.stdout
    assert records == []
