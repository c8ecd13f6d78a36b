"""Two Azure destinations write to the same place only when they name the same account, container and prefix.

Entries given by connection string used to count as "no account" and so one place: a primary and a disaster-recovery
storage account with the same container name were refused. The account now comes from the connection string's
non-secret fields, and an account given by URL matches the same account given by connection string.
"""

from __future__ import annotations

import pytest

from ansible_collections.alteryx.server.plugins.plugin_utils._cloud_settings import (
    CloudSettingsError,
    check_destinations,
)


def _conn(account: str, key: str = "S2VZ", **extra: str) -> dict[str, str]:
    fields = {"DefaultEndpointsProtocol": "https", "AccountName": account, "AccountKey": key,
              "EndpointSuffix": "core.windows.net", **extra}
    return {"type": "azure", "container": "backups",
            "connection_string": ";".join(f"{k}={v}" for k, v in fields.items())}


def _url(url: str) -> dict[str, str]:
    return {"type": "azure", "container": "backups", "account_url": url, "account_key": "S2VZ"}


def test_two_accounts_with_one_container_name_are_two_places() -> None:
    checked = check_destinations([_conn("primary"), _conn("drsite")], host="h")
    assert [d.container for d in checked] == ["backups", "backups"]
    assert len(check_destinations([_url("https://primary.blob.core.windows.net"),
                                   _url("https://drsite.blob.core.windows.net")], host="h")) == 2
    assert len(check_destinations([_conn("devstoreaccount1", BlobEndpoint="http://127.0.0.1:10000/one"),
                                   _conn("devstoreaccount1", BlobEndpoint="http://127.0.0.1:10001/one")],
                                  host="h")) == 2


@pytest.mark.parametrize("pair", [
    [_conn("primary", key="QQ=="), _conn("primary", key="Ug==")],
    [_url("https://primary.blob.core.windows.net/"), _conn("primary")],
    [_url("https://PRIMARY.blob.core.windows.net"), _url("http://primary.blob.core.windows.net")],
    [_url("http://127.0.0.1:10000/acct"), _conn("acct", BlobEndpoint="http://127.0.0.1:10000/acct/")],
], ids=["same-account-two-keys", "url-and-connection-string", "case-and-scheme", "blob-endpoint"])
def test_one_account_container_and_prefix_twice_is_refused_without_showing_a_key(pair: list[dict]) -> None:
    with pytest.raises(CloudSettingsError, match="write to the same place") as raised:
        check_destinations(pair, host="h")
    assert "S2VZ" not in str(raised.value) and "QQ==" not in str(raised.value) and "Ug==" not in str(raised.value)


def test_one_account_with_two_prefixes_is_two_places() -> None:
    assert len(check_destinations([_conn("primary"), {**_conn("primary"), "prefix": "other"}], host="h")) == 2
