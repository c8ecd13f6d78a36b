"""alteryx_notify's decisions and delivery: channels, only_on_failure, retries, check mode, secrets, warnings.

Real delivery to a real SMTP server and HTTP server is in tests/integration/test_notifications.py; here the two
senders are replaced to count calls and raise the errors smtplib and urllib raise.
"""

from __future__ import annotations

import smtplib
import ssl
import urllib.error
from types import SimpleNamespace
from typing import Any

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.alteryx.server.plugins.action import alteryx_notify
from ansible_collections.alteryx.server.plugins.action.alteryx_notify import ActionModule, Permanent, deliver

PASSWORD = "smtp-Pa55word"
URL = "https://hooks.example.com/workflows/run?sig=TOKENabc123"
OK = {"host": "ctrl1", "mode": "Full", "status": "Success", "archive": "D:\\B\\a.zip", "size": 10}
FAIL = {"host": "ctrl2", "mode": "Full", "failure_class": "storage", "exit_code": 4, "msg": "share offline"}
EMAIL = {"email": True, "smtp_server": "smtp.example.com", "from_address": "backup@example.com",
         "to_addresses": ["ops@example.com"], "smtp_username": "svc", "smtp_password": PASSWORD}


def step(monkeypatch: pytest.MonkeyPatch, *, check_mode: bool = False, email_error: Exception | None = None,
         webhook_error: Exception | None = None, **args: Any) -> tuple[dict[str, Any], list[str]]:
    """Run step() with both senders replaced; returns the result and the channels actually called."""
    called: list[str] = []

    def fake_email(options: dict[str, Any], message: Any) -> None:
        called.append("email")
        if email_error:
            raise email_error

    def fake_webhook(options: dict[str, Any], body: bytes) -> None:
        called.append("webhook")
        if webhook_error:
            raise webhook_error

    monkeypatch.setattr(alteryx_notify, "send_email", fake_email)
    monkeypatch.setattr(alteryx_notify, "send_webhook", fake_webhook)
    monkeypatch.setattr(alteryx_notify.time, "sleep", lambda seconds: None)
    validation = ArgumentSpecValidator(ActionModule.ARGUMENT_SPEC).validate({"retry_delay": 0.0, **args})
    assert not validation.error_messages, validation.error_messages
    action = ActionModule.__new__(ActionModule)
    action._task = SimpleNamespace(check_mode=check_mode)
    return action.step(validation.validated_parameters, {}), called


def test_a_failure_is_sent_by_every_channel(monkeypatch: pytest.MonkeyPatch) -> None:
    result, called = step(monkeypatch, outcomes=[OK, FAIL], webhook_url=URL, **EMAIL)
    assert called == ["email", "webhook"] and result["changed"] is True and result["notified"] is True
    assert [(c["channel"], c["sent"], c["attempts"], c["error"]) for c in result["channels"]] == [
        ("email", True, 1, ""), ("webhook", True, 1, "")]
    assert result["channels"][1]["target"] == "https://hooks.example.com/********"
    assert result["worst_exit_code"] == 4 and result["counts"]["failed"] == 1
    assert [e["event_id"] for e in result["eventlog"]] == [1000, 1104]
    assert "warnings" not in result


def test_only_on_failure_sends_nothing_for_a_good_run(monkeypatch: pytest.MonkeyPatch) -> None:
    result, called = step(monkeypatch, outcomes=[OK], **EMAIL)
    assert called == [] and result["changed"] is False and result["notified"] is False
    assert result["msg"] == "No notification: every host succeeded and only_on_failure is true"
    sent, called = step(monkeypatch, outcomes=[OK], only_on_failure=False, **EMAIL)
    assert called == ["email"] and sent["changed"] is True


def test_check_mode_says_what_it_would_send_and_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    result, called = step(monkeypatch, check_mode=True, outcomes=[FAIL], webhook_url=URL, **EMAIL)
    assert called == [] and result["changed"] is False and result["notified"] is True
    assert result["msg"] == ("Would send '[Alteryx backup] FAILED: Full backup of ctrl2 (storage, exit code 4)' by "
                             "email, webhook")
    assert all(not c["sent"] and c["attempts"] == 0 for c in result["channels"])


def test_no_channel_means_no_message(monkeypatch: pytest.MonkeyPatch) -> None:
    result, called = step(monkeypatch, outcomes=[FAIL])
    assert called == [] and result["notified"] is False and result["channels"] == []
    assert "no channel is configured" in result["msg"]


def test_an_undeliverable_message_is_a_warning_not_a_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    error = ConnectionRefusedError(111, f"Connection refused by {URL} for {PASSWORD}")
    result, called = step(monkeypatch, outcomes=[FAIL], retries=2, email_error=error, webhook_url=URL,
                          webhook_error=urllib.error.URLError("timed out"), **EMAIL)
    assert called == ["email"] * 3 + ["webhook"] * 3
    assert "failed" not in result and result["changed"] is False
    assert [c["attempts"] for c in result["channels"]] == [3, 3]
    text = repr(result)
    assert PASSWORD not in text and "TOKENabc123" not in text
    assert result["warnings"] == [
        "the email notification to ops@example.com was not delivered after 3 attempt(s): ConnectionRefusedError: "
        "[Errno 111] Connection refused by ******** for ********",
        "the webhook notification to https://hooks.example.com/******** was not delivered after 3 attempt(s): "
        "URLError: <urlopen error timed out>"]


def test_one_channel_failing_does_not_stop_the_other(monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = step(monkeypatch, outcomes=[FAIL], retries=0, email_error=OSError("down"), webhook_url=URL, **EMAIL)
    assert [c["sent"] for c in result["channels"]] == [False, True] and result["changed"] is True


def test_invalid_settings_are_a_warning_and_nothing_is_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    result, called = step(monkeypatch, outcomes=[FAIL], webhook_url="ftp://files.example.com/TOKENabc123",
                          **{**EMAIL, "to_addresses": ["not-an-address"]})
    assert called == [] and result["notified"] is False
    assert result["reason"] == "the notification settings are invalid"
    assert any("alteryx_backup_notify_to=['not-an-address']" in w for w in result["warnings"])
    assert any("alteryx_backup_notify_webhook_url='(hidden)'" in w for w in result["warnings"])
    assert "TOKENabc123" not in repr(result)


def test_a_login_over_a_plain_connection_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    result, called = step(monkeypatch, outcomes=[FAIL], smtp_security="none", **EMAIL)
    assert called == [] and "clear text" in result["warnings"][0]


def test_email_without_a_server_is_a_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    result, called = step(monkeypatch, outcomes=[FAIL], **{**EMAIL, "smtp_server": ""})
    assert called == [] and "alteryx_backup_notify_smtp_server is empty" in result["warnings"][0]


def test_bad_outcomes_are_reported_and_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    result, _ = step(monkeypatch, outcomes=[FAIL, {"mode": "Full"}], **EMAIL)
    assert result["counts"]["total"] == 1
    assert result["warnings"] == ["outcomes[1]: an outcome names no host: ['mode']; it was left out of the message"]


# --- deliver --------------------------------------------------------------------------------------------------------

def test_deliver_retries_with_a_doubling_backoff() -> None:
    waits: list[float] = []
    tries = iter([OSError("a"), smtplib.SMTPServerDisconnected("b"), None])

    def send() -> None:
        error = next(tries)
        if error:
            raise error

    assert deliver(send, retries=5, retry_delay=2.0, sleep=waits.append) == (3, "")
    assert waits == [2.0, 4.0]


def test_deliver_gives_up_after_the_retries_with_the_last_error() -> None:
    waits: list[float] = []

    def send() -> None:
        raise TimeoutError("timed out")

    assert deliver(send, retries=8, retry_delay=10.0, sleep=waits.append) == (9, "TimeoutError: timed out")
    assert waits == [10.0, 20.0, 40.0, 60.0, 60.0, 60.0, 60.0, 60.0]


def test_a_permanent_refusal_is_not_retried() -> None:
    calls: list[int] = []

    def send() -> None:
        calls.append(1)
        raise Permanent("SMTPAuthenticationError: the server refused with 535 bad login")

    assert deliver(send, retries=3, retry_delay=0, sleep=lambda s: None) == (1, "SMTPAuthenticationError: the server "
                                                                               "refused with 535 bad login")
    assert calls == [1]


# --- the senders' classification of errors ----------------------------------------------------------------------------

class _Client:
    """Stands in for smtplib.SMTP: raises ``error`` at ``where``."""

    def __init__(self, error: Exception, where: str) -> None:
        self.error, self.where = error, where

    def __enter__(self) -> _Client:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def _maybe(self, name: str) -> None:
        if name == self.where:
            raise self.error

    def ehlo(self) -> None:
        self._maybe("ehlo")

    def starttls(self, context: ssl.SSLContext) -> None:
        self._maybe("starttls")

    def login(self, user: str, password: str) -> None:
        self._maybe("login")

    def send_message(self, message: Any) -> None:
        self._maybe("send")


SMTP_ARGS = {"smtp_server": "smtp.example.com", "smtp_port": 587, "timeout": 1.0, "validate_certs": True,
             "smtp_security": "starttls", "smtp_username": "svc", "smtp_password": PASSWORD}


@pytest.mark.parametrize(("error", "where", "permanent"), [
    (smtplib.SMTPAuthenticationError(535, b"5.7.8 bad credentials"), "login", True),
    (smtplib.SMTPDataError(451, b"4.3.0 try later"), "send", False),
    (smtplib.SMTPRecipientsRefused({"ops@example.com": (550, b"no such user")}), "send", True),
    (smtplib.SMTPNotSupportedError("STARTTLS extension not supported by server."), "starttls", True),
    (ssl.SSLCertVerificationError(1, "certificate verify failed"), "starttls", True),
    (smtplib.SMTPServerDisconnected("Connection unexpectedly closed"), "ehlo", False),
])
def test_smtp_errors_are_permanent_or_retried(monkeypatch: pytest.MonkeyPatch, error: Exception, where: str,
                                              permanent: bool) -> None:
    monkeypatch.setattr(alteryx_notify.smtplib, "SMTP", lambda *a, **k: _Client(error, where))
    with pytest.raises(Permanent if permanent else type(error)):
        alteryx_notify.send_email(SMTP_ARGS, alteryx_notify.EmailMessage())


@pytest.mark.parametrize(("error", "permanent"), [
    (urllib.error.HTTPError(URL, 400, "Bad Request", None, None), True),  # type: ignore[arg-type]
    (urllib.error.HTTPError(URL, 429, "Too Many Requests", None, None), False),  # type: ignore[arg-type]
    (urllib.error.HTTPError(URL, 503, "Service Unavailable", None, None), False),  # type: ignore[arg-type]
    (urllib.error.URLError(ssl.SSLCertVerificationError(1, "certificate verify failed")), True),
    (urllib.error.URLError(ConnectionRefusedError(111, "refused")), False),
])
def test_webhook_errors_are_permanent_or_retried(monkeypatch: pytest.MonkeyPatch, error: Exception,
                                                 permanent: bool) -> None:
    def open_url(*args: Any, **kwargs: Any) -> None:
        raise error

    monkeypatch.setattr(alteryx_notify, "open_url", open_url)
    with pytest.raises(Permanent if permanent else type(error)) as info:
        alteryx_notify.send_webhook({"webhook_url": URL, "timeout": 1.0, "validate_certs": True}, b"{}")
    assert "TOKENabc123" not in str(info.value)


def test_webhook_posts_json_through_ansible_open_url(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, dict[str, Any]]] = []

    class Reply:
        read_called = False

        def __enter__(self) -> Reply:
            return self

        def __exit__(self, *exc: object) -> None:
            return None

        def read(self) -> bytes:
            Reply.read_called = True
            return b"ok"

    def open_url(url: str, **kwargs: Any) -> Reply:
        calls.append((url, kwargs))
        return Reply()

    monkeypatch.setattr(alteryx_notify, "open_url", open_url)
    alteryx_notify.send_webhook({"webhook_url": URL, "timeout": 2.5, "validate_certs": False}, b'{"a": 1}')
    assert calls == [(URL, {"data": b'{"a": 1}', "headers": {"Content-Type": "application/json; charset=utf-8"},
                            "method": "POST", "timeout": 2.5, "validate_certs": False,
                            "http_agent": alteryx_notify.USER_AGENT, "use_netrc": False})]
    assert Reply.read_called
