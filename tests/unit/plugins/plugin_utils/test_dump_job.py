"""The handle of a dump window started with wait: false, and the verdict every dump method shares (pure logic)."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._dump_job import check_mode_job, dump_job, read_job
from ansible_collections.alteryx.server.plugins.plugin_utils._dump_window import judge_window
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError

HOST_JOB = {"ansible_job_id": "j1.2", "script": "alteryx_dump_window", "step": "dump window", "started": 1.5e9,
            "timeout": 600, "poll_interval": 60.0, "no_log": False, "log_pending": 3}


def _job(**changes: Any) -> dict[str, Any]:
    return {**dump_job(HOST_JOB, method="emongodump", dump_path="D:\\S\\MongoDB", host="n1"), **changes}


def test_a_handle_reads_back_as_it_was_made() -> None:
    job = _job()
    assert read_job(job, "n1") == job and job["check_mode"] is False
    assert set(job) == set(HOST_JOB) | {"method", "dump_path", "host", "check_mode"}


def test_templated_numbers_are_read_as_numbers() -> None:
    job = read_job(_job(started="1500000000.5", timeout="600", poll_interval="5", log_pending="-1"), "n1")
    assert (job["started"], job["timeout"], job["poll_interval"], job["log_pending"]) == (1500000000.5, 600, 5.0, -1)


def test_a_check_mode_handle_carries_the_sentence_only() -> None:
    job = check_mode_job(method="copy", dump_path="D:\\x", host="n1", message="Would copy")
    assert read_job(job, "n1") == {"check_mode": True, "method": "copy", "dump_path": "D:\\x", "host": "n1",
                                   "msg": "Would copy"}


@pytest.mark.parametrize(("job", "says"), [
    ({}, "got nothing"),
    ("j1.2", "got str"),
    ({"ansible_job_id": "j1.2"}, "(no method, dump_path, host, script, step, started"),
    (_job(host="n2"), "dump window of n2, not of n1"),
    (_job(method="xcopy"), "unknown dump method 'xcopy'"),
    (_job(script="alteryx_archive", step="archive"), "of the archive step, not of a dump window"),
    (_job(timeout="soon"), "timeout must be a int, got 'soon'"),
    (_job(no_log="yes"), "no_log must be a bool"),
    (_job(started=True), "started must be a float"),
    (_job(ansible_job_id=""), "ansible_job_id must be a non-empty str"),
    ({**check_mode_job(method="copy", dump_path="D:\\x", host="n1", message="m"), "msg": None}, "msg must be a"),
])
def test_anything_but_this_hosts_handle_is_refused(job: Any, says: str) -> None:
    with pytest.raises(AlteryxStepError) as caught:
        read_job(job, "n1")
    assert caught.value.failure_class == "validation" and says in caught.value.msg, caught.value.msg
    assert caught.value.msg.startswith("job: ")


def test_each_method_is_judged_its_own_way() -> None:
    files = [{"path": "AlteryxService.db", "size": 10, "sha256": "ab" * 32}]
    assert judge_window("copy", {"files": files})["ok"] is True
    assert judge_window("copy", {"files": []})["ok"] is False
    good = {"exe_stdout": "EMongoDump completed.", "exe_stderr": "", "exe_exit_code": 0,
            "files": [{"path": "AlteryxGallery\\users.bson", "size": 90}],
            "dump_log": "2024-01-31T01:00:01.000+0000\tdone dumping AlteryxGallery.users (3 documents)\n"}
    assert judge_window("emongodump", good)["documents"] == 3
    # mongodump's exit code counts (AlteryxService.exe's does not).
    assert judge_window("emongodump", {**good, "exe_exit_code": 1})["ok"] is True
    assert judge_window("mongodump", {**good, "exe_stdout": "", "exe_exit_code": 1})["ok"] is False
