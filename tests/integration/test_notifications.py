"""Notifications and the Event Log end to end: real ansible-playbook runs against winsim hosts, a real SMTP server
(aiosmtpd) and a real HTTP server on loopback, both started here.

The playbook (playbooks/notify.yml) does what the backup role does at the end of a run: each host's outcome goes
into its Event Log (source AlteryxBackup), then one message about the run is sent.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from conftest import Fleet

PLAYBOOK = "tests/integration/playbooks/notify.yml"
PASSWORD = "Sm7p-Secret-Pa55"
TOKEN = "sig=Tok3nSecretValue"
OK = {"mode": "Full", "status": "Success", "archive": "D:\\Alteryx\\Backups\\ServerBackup_Full_20240131_020000.zip",
      "size": 2 * 1024 ** 2, "destinations_failed": 0, "failure_class": None, "exit_code": 0}
FAIL = {"mode": "Full", "archive": "", "size": 0, "failure_class": "storage", "exit_code": 4,
        "msg": "The share \\\\fileserver\\backups is full"}


@dataclass
class Mailbox:
    """What the SMTP server received: each message parsed, and the logins it accepted."""

    messages: list[email.message.EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, for the STARTTLS server."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "smtp.crt", folder / "smtp.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    """A plain SMTP relay on loopback (no TLS, no login), as an internal relay."""
    box, port = Mailbox(), _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    yield box, port
    controller.stop()


@pytest.fixture
def tls_mailbox(tmp_path: Path) -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server that requires STARTTLS and a login (user backup, password PASSWORD)."""
    import ssl

    box, port = Mailbox(), _free_port()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*_certificate(tmp_path))

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        good = isinstance(data, LoginPassword) and data.login == b"backup" and data.password == PASSWORD.encode()
        if good:
            box.logins.append(data.login.decode())
        return AuthResult(success=good, handled=False)  # handled=True would leave the client without a reply

    controller = Controller(box, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
                            auth_required=True, authenticator=authenticator)
    controller.start()
    yield box, port
    controller.stop()


@dataclass
class Hook:
    """What the HTTP server received; ``fail_first`` requests are answered 503."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    fail_first: int = 0
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/workflows/alteryx/triggers/manual/run?{TOKEN}"


@pytest.fixture
def hook() -> Iterator[Hook]:
    received = Hook()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's hook name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.requests.append({"path": self.path, "type": self.headers["Content-Type"],
                                      "json": json.loads(body)})
            code = 503 if len(received.requests) <= received.fail_first else 202
            self.send_response(code)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    received.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield received
    server.shutdown()
    server.server_close()


@pytest.fixture
def pair(tmp_path: Path) -> Fleet:
    """A controller and a worker of one cluster."""
    return Fleet(tmp_path / "fleet", workers=1)


def email_vars(port: int, **extra: Any) -> dict[str, Any]:
    return {"alteryx_backup_notify_email_enabled": True, "alteryx_backup_notify_smtp_server": "127.0.0.1",
            "alteryx_backup_notify_smtp_port": port, "alteryx_backup_notify_smtp_security": "none",
            "alteryx_backup_notify_from": "Alteryx Backup <backup@example.com>",
            "alteryx_backup_notify_to": ["ops@example.com", "dba@example.com"], **extra}


def eventlog_entries(fleet: Fleet, host: str) -> list[dict[str, Any]]:
    return [e for e in fleet.journal(host) if e.get("kind") == "event" and e.get("event") == "eventlog_entry"]


def test_a_failed_run_mails_one_summary_posts_a_card_and_logs_each_host(pair: Fleet, mailbox, hook: Hook) -> None:
    box, port = mailbox
    run = pair.playbook(PLAYBOOK, extra={
        "outcomes": {"controller": FAIL, "worker1": OK}, "alteryx_backup_notify_webhook_url": hook.url,
        **email_vars(port)})
    assert run.rc == 0, run.output
    [message] = box.messages
    assert message["Subject"] == ("[Alteryx backup] FAILED: Full on 2 server(s) - 1 succeeded, 0 with warnings, "
                                  "1 failed, worst exit code 4")
    assert message["To"] == "ops@example.com, dba@example.com" and "backup@example.com" in message["From"]
    text = message.get_body(("plain",)).get_content()
    assert "FAILED (storage, exit code 4)" in text and "ServerBackup_Full_20240131_020000.zip" in text
    assert "- controller: The share \\\\fileserver\\backups is full" in text
    assert "<table" in message.get_body(("html",)).get_content()
    [post] = hook.requests
    assert post["type"].startswith("application/json") and post["path"].endswith(TOKEN)
    card = post["json"]["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and card["body"][0]["text"] == message["Subject"]
    [failed] = eventlog_entries(pair, "controller")
    assert (failed["source"], failed["event_id"], failed["entry_type"]) == ("AlteryxBackup", 1104, "Error")
    assert failed["message"].startswith("Full backup of controller failed [failure_class=storage, exit_code=4].")
    [good] = eventlog_entries(pair, "worker1")
    assert (good["event_id"], good["entry_type"]) == (1000, "Information")
    assert "AlteryxBackup" in pair.state("worker1")["eventlogs"]["Application"]["sources"]


def test_only_on_failure_sends_nothing_for_a_good_run_but_logs_it(pair: Fleet, mailbox, hook: Hook) -> None:
    box, port = mailbox
    run = pair.playbook(PLAYBOOK, extra={"outcomes": {"controller": OK, "worker1": OK},
                                         "alteryx_backup_notify_webhook_url": hook.url, **email_vars(port)})
    assert run.rc == 0, run.output
    assert box.messages == [] and hook.requests == []
    assert [e["event_id"] for e in eventlog_entries(pair, "controller") + eventlog_entries(pair, "worker1")] == [
        1000, 1000]
    every = pair.playbook(PLAYBOOK, extra={"outcomes": {"controller": OK, "worker1": OK},
                                           "alteryx_backup_notify_only_on_failure": False, **email_vars(port)})
    assert every.rc == 0 and [m["Subject"].split(":")[0] for m in box.messages] == ["[Alteryx backup] SUCCESS"]


def test_a_down_smtp_server_and_a_flaky_webhook_give_a_warning_and_rc_0(pair: Fleet, hook: Hook) -> None:
    hook.fail_first = 1  # the first POST gets 503, the retry is delivered
    run = pair.playbook(PLAYBOOK, extra={"outcomes": {"controller": FAIL, "worker1": OK},
                                         "alteryx_backup_notify_webhook_url": hook.url,
                                         **email_vars(_free_port())})
    assert run.rc == 0, run.output
    assert "[WARNING]: the email notification to ops@example.com, dba@example.com was not delivered after 2 " \
           "attempt(s): ConnectionRefusedError" in run.output.replace("\n", " ")
    assert len(hook.requests) == 2 and "webhook notification" not in run.output
    assert eventlog_entries(pair, "controller")[0]["event_id"] == 1104


def test_secrets_never_reach_the_output_at_vvvv(pair: Fleet, tls_mailbox, hook: Hook) -> None:
    box, port = tls_mailbox
    # As in production (Vault-encrypted group_vars, an AWX credential): not on the command line, which -vvvv prints.
    group_vars = pair.inventory.parent / "group_vars"
    group_vars.mkdir(exist_ok=True)
    (group_vars / "all.yml").write_text(json.dumps({"alteryx_backup_notify_smtp_password": PASSWORD,
                                                    "alteryx_backup_notify_webhook_url": hook.url}))
    run = pair.playbook(PLAYBOOK, verbosity=4, extra={
        "outcomes": {"controller": FAIL, "worker1": OK},
        **email_vars(port, alteryx_backup_notify_smtp_security="starttls", alteryx_backup_notify_smtp_username="backup",
                     alteryx_backup_notify_validate_certs=False)})
    assert run.rc == 0, run.output
    assert box.logins == ["backup"] and len(box.messages) == 1 and len(hook.requests) == 1
    for secret in (PASSWORD, "Tok3nSecretValue", "/workflows/alteryx"):
        assert secret not in run.output, f"{secret} leaked"
    assert f"http://127.0.0.1:{hook.port}/********" in run.output
    for host in ("controller", "worker1"):
        journal = (pair.host(host) / "journal.jsonl").read_text()
        assert PASSWORD not in journal and "Tok3nSecretValue" not in journal


def test_a_wrong_smtp_password_is_a_warning_without_the_password(pair: Fleet, tls_mailbox) -> None:
    box, port = tls_mailbox
    run = pair.playbook(PLAYBOOK, verbosity=2, extra={
        "outcomes": {"controller": FAIL, "worker1": OK},
        **email_vars(port, alteryx_backup_notify_smtp_security="starttls", alteryx_backup_notify_smtp_username="backup",
                     alteryx_backup_notify_smtp_password="wrong-" + PASSWORD, alteryx_backup_notify_validate_certs=False)})
    assert run.rc == 0, run.output
    assert box.messages == [] and PASSWORD not in run.output
    assert "after 1 attempt(s): SMTPAuthenticationError: the server refused with 535" in run.output.replace("\n", " ")


def test_an_untrusted_certificate_is_refused_by_default(pair: Fleet, tls_mailbox) -> None:
    box, port = tls_mailbox
    run = pair.playbook(PLAYBOOK, extra={
        "outcomes": {"controller": FAIL, "worker1": OK},
        **email_vars(port, alteryx_backup_notify_smtp_security="starttls", alteryx_backup_notify_smtp_username="backup",
                     alteryx_backup_notify_smtp_password=PASSWORD)})
    assert run.rc == 0 and box.messages == []
    assert "SSLCertVerificationError" in run.output and PASSWORD not in run.output


def test_per_host_messages(pair: Fleet, mailbox) -> None:
    box, port = mailbox
    run = pair.playbook(PLAYBOOK, extra={"outcomes": {"controller": FAIL, "worker1": OK | {"status": "Warning",
                                                                                             "destinations_failed": 1}},
                                         "alteryx_backup_notify_per_host": True, **email_vars(port)})
    assert run.rc == 0, run.output
    assert sorted(m["Subject"] for m in box.messages) == [
        "[Alteryx backup] FAILED: Full backup of controller (storage, exit code 4)",
        "[Alteryx backup] WARNING: Full backup of worker1 (warning)"]
    assert eventlog_entries(pair, "worker1")[0]["event_id"] == 1001


def test_check_mode_sends_and_writes_nothing(pair: Fleet, mailbox, hook: Hook) -> None:
    box, port = mailbox
    run = pair.playbook(PLAYBOOK, check=True, extra={"outcomes": {"controller": FAIL, "worker1": OK},
                                                     "alteryx_backup_notify_webhook_url": hook.url, **email_vars(port)})
    assert run.rc == 0, run.output
    assert box.messages == [] and hook.requests == []
    assert eventlog_entries(pair, "controller") == [] and eventlog_entries(pair, "worker1") == []


def test_an_event_log_failure_does_not_fail_the_run(pair: Fleet, mailbox) -> None:
    box, port = mailbox
    pair.set_state("controller", admin=False)  # cannot search the Security log, so cannot register the source
    run = pair.playbook(PLAYBOOK, extra={"outcomes": {"controller": FAIL, "worker1": OK}, **email_vars(port)})
    assert run.rc == 0, run.output
    assert "Inaccessible logs: Security" in run.output and "...ignoring" in run.output
    assert eventlog_entries(pair, "controller") == [] and len(box.messages) == 1
