"""alteryx_backup_cloud_destinations is checked with the other settings (alteryx_backup_plan, before anything is
stopped), and neither the normalized settings nor a refusal shows a credential."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._settings import validate_settings

SECRET = "cloud-settings-canary-secret-0123456789"
GOOD = {"type": "s3", "bucket": "backups", "region": "eu-west-1", "access_key_id": "AKIAEXAMPLE",
        "secret_access_key": SECRET, "session_token": SECRET + "-token", "lock": {"mode": "governance", "days": 7}}


def _refusal(value: Any) -> str:
    with pytest.raises(AlteryxStepError) as raised:
        validate_settings({"cloud_destinations": value})
    assert raised.value.failure_class == "validation"
    return raised.value.msg


def test_good_destinations_pass_and_the_settings_keep_no_secret() -> None:
    settings = validate_settings({"cloud_destinations": [GOOD, {"type": "azure", "container": "c",
                                                                 "account_url": "https://a.blob.core.windows.net"}]})
    first, second = settings["cloud_destinations"]
    assert first == {k: v for k, v in GOOD.items() if k not in ("secret_access_key", "session_token")}
    assert second["container"] == "c"
    assert SECRET not in repr(settings)


def test_no_destination_is_fine() -> None:
    assert validate_settings({"cloud_destinations": []})["cloud_destinations"] == []


@pytest.mark.parametrize(("value", "problem"), [
    ([{**GOOD, "bucket": ""}], "bucket is required for type s3"),
    ([{**GOOD, "type": "gcs"}], "type must be s3 or azure"),
    ([{**GOOD, "bucket_name": "x"}], "unknown key(s) for type s3: bucket_name"),
    ([{**GOOD, "part_size_mb": "big"}], "part_size_mb must be a whole number"),
    ([{**GOOD, "part_size_mb": 1}], "part_size_mb must be between 5 and 5120"),
    ([{**GOOD, "lock": {"mode": "forever", "days": 1}}], "lock.mode must be governance or compliance"),
    ([{**GOOD, "access_key_id": ""}], "access_key_id and secret_access_key go together"),
    ([GOOD, GOOD], "write to the same place"),
    ("s3://backups", "must be a list"),
    ([["s3"]], "must be a dict"),
])
def test_a_bad_destination_is_refused_without_showing_a_secret(value: Any, problem: str) -> None:
    msg = _refusal(value)
    assert problem in msg
    assert msg.splitlines()[1].startswith("alteryx_backup_cloud_destinations='(hidden)': ")
    assert "; allowed" in msg
    assert SECRET not in msg
