"""Part planning, batching, ETag math and the checks of alteryx_backup_cloud_destinations."""

from __future__ import annotations

import base64
import hashlib

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_parts import (
    BATCH_CHAR_LIMIT,
    MIB,
    batches,
    etag_matches,
    host_reports,
    md5_base64,
    md5_hex,
    multipart_etag,
    plan_parts,
    url_json,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import (
    CloudSettingsError,
    check_destination,
    check_destinations,
    open_store,
)
from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_store import PartUrl, UploadedPart

S3 = {"type": "s3", "bucket": "b1"}


def test_parts_cover_the_archive_and_only_the_last_is_short() -> None:
    parts = plan_parts(12 * MIB + 5, 5 * MIB)
    assert parts == [(1, 0, 5 * MIB), (2, 5 * MIB, 5 * MIB), (3, 10 * MIB, 2 * MIB + 5)]


def test_a_small_archive_is_one_part_and_small_part_sizes_are_raised_to_5_mib() -> None:
    assert plan_parts(100, 64 * MIB) == [(1, 0, 100)]
    assert plan_parts(0, 64 * MIB) == [(1, 0, 0)]
    assert plan_parts(6 * MIB, 1)[0] == (1, 0, 5 * MIB)


def test_the_part_size_grows_to_stay_within_10000_parts() -> None:
    parts = plan_parts(10_001 * 5 * MIB, 5 * MIB)
    assert len(parts) <= 10_000 and parts[0][2] % MIB == 0
    assert sum(p[2] for p in parts) == 10_001 * 5 * MIB


def test_a_negative_size_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        plan_parts(-1, MIB)


def test_batches_fit_a_securestring_and_keep_the_order() -> None:
    urls = [PartUrl(n, 0, 1, "https://s3.example.com/k?" + "x" * 900) for n in range(1, 201)]
    cut = batches(urls)
    assert [p.number for batch in cut for p in batch] == list(range(1, 201))
    assert all(len(url_json(batch)) <= BATCH_CHAR_LIMIT for batch in cut) and len(cut) > 1


def test_a_url_too_long_for_one_call_is_refused() -> None:
    with pytest.raises(ValueError, match="part 7"):
        batches([PartUrl(7, 0, 1, "https://x/" + "y" * BATCH_CHAR_LIMIT)])


def test_etag_math_matches_s3() -> None:
    data = [b"a" * 10, b"b" * 3]
    md5s = [md5_base64(d) for d in data]
    assert etag_matches('"' + hashlib.md5(data[0]).hexdigest() + '"', md5s[0])
    assert not etag_matches(hashlib.md5(b"other").hexdigest(), md5s[0])
    assert not etag_matches("anything", "not base64!")
    expected = hashlib.md5(b"".join(hashlib.md5(d).digest() for d in data)).hexdigest() + "-2"
    assert multipart_etag([UploadedPart(2, "", md5s[1]), UploadedPart(1, "", md5s[0])]) == expected
    assert md5_hex(base64.b64encode(b"short").decode()) == ""


def test_host_reports_refuse_other_shapes() -> None:
    assert host_reports([{"number": 1, "ok": True, "etag": "e"}])[1]["etag"] == "e"
    for bad in ("x", [1], [{"number": "1", "ok": True}], [{"number": 1, "ok": "yes"}], [{"number": True, "ok": True}]):
        with pytest.raises(ValueError):
            host_reports(bad)


def test_a_destination_gets_defaults_and_the_host_prefix() -> None:
    dest = check_destination(S3, 1, host="ctl1", cluster="prod")
    assert dest.prefix == "prod/ctl1" and dest.part_size == 64 * MIB and dest.url_expiry_seconds == 900
    assert dest.key("a.zip") == "prod/ctl1/a.zip" and dest.required is False and dest.connection == {"verify_tls": True}
    assert check_destination({**S3, "prefix": ""}, 1, host="h").key("a.zip") == "a.zip"


def test_secrets_are_never_in_the_public_view() -> None:
    dest = check_destination({**S3, "access_key_id": "AKIA1", "secret_access_key": "S3CR3T", "session_token": "T0K"},
                             1, host="h")
    shown = repr(dest.public()) + repr(dest)
    assert "S3CR3T" not in shown and "T0K" not in shown and "AKIA1" in repr(dest.public())


@pytest.mark.parametrize(("entry", "message"), [
    ("s3://b", "must be a dict"),
    ({"type": "gcs", "bucket": "b"}, "type must be s3 or azure"),
    ({"type": "s3"}, "bucket is required"),
    ({"type": "azure", "bucket": "b"}, "unknown key"),
    ({**S3, "bukket": "x"}, "unknown key.*bukket"),
    ({**S3, "part_size_mb": 4}, "part_size_mb must be between 5"),
    ({**S3, "part_size_mb": "big"}, "whole number"),
    ({**S3, "url_expiry_seconds": 0}, "url_expiry_seconds"),
    ({**S3, "lock": {"mode": "forever", "days": 1}}, "governance or compliance"),
    ({**S3, "lock": {"mode": "governance"}}, "days must be between 1"),
    ({**S3, "lock": {"mode": "governance", "days": 1, "legal_hold": True}}, "unknown key"),
    ({**S3, "lock": "30d"}, "lock must be a dict"),
    ({**S3, "prefix": "../x"}, "prefix"),
    ({**S3, "prefix": "a\\b"}, "prefix"),
    ({**S3, "access_key_id": "AKIA"}, "go together"),
    ({**S3, "region": 5}, "region must be a string"),
    ({**S3, "required": "maybe"}, "true or false"),
])
def test_bad_entries_are_refused_with_a_message(entry, message) -> None:
    with pytest.raises(CloudSettingsError, match=message):
        check_destination(entry, 1, host="h")


def test_the_list_itself_is_checked() -> None:
    assert check_destinations(None, host="h") == []
    with pytest.raises(CloudSettingsError, match="must be a list"):
        check_destinations({"type": "s3"}, host="h")
    with pytest.raises(CloudSettingsError, match="same place"):
        check_destinations([S3, {**S3, "name": "again"}], host="h")


def test_an_azure_destination_without_the_azure_store_fails_clearly(monkeypatch) -> None:
    import importlib
    real = importlib.import_module

    def no_azure(name, *args):
        if name.endswith("_azure_store"):
            raise ImportError("No module named '_azure_store'")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_azure)
    dest = check_destination({"type": "azure", "container": "c"}, 1, host="h")
    with pytest.raises(CloudSettingsError, match="Azure Blob destination .* not available"):
        open_store(dest)
