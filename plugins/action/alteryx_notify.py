# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_notify: tell people how a backup run went, by e-mail and/or webhook.

Runs on the controller only (no host call). The message is built by ``_notify``; this file only decides which
channels are due and delivers with a few retries. A notification that cannot be delivered is a warning in the
result, never a failed task: the backup it reports on has already succeeded or failed on its own.
"""

from __future__ import annotations

import email.policy
import smtplib
import ssl
import time
import urllib.error
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from ansible.module_utils.urls import open_url

from ansible_collections.alteryx.server.plugins.plugin_utils import _notify
from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._settings import (
    SMTP_SECURITY,
    WEBHOOK_FORMATS,
    validate_settings,
)

MAX_BACKOFF_SECONDS = 60.0
# Fold only past SMTP's 998-character line limit: Python folds a 78+ character subject right after "Subject:",
# which some readers show with a leading blank.
EMAIL_POLICY = email.policy.default.clone(max_line_length=998)
USER_AGENT = "alteryx.server-notify"


class Permanent(Exception):
    """A refusal that another try cannot fix (bad login, 4xx reply, refused recipients)."""


def _backoff(retry_delay: float, attempt: int) -> float:
    """Seconds before try ``attempt + 1``: the delay, doubled each time, capped."""
    return min(retry_delay * (2 ** (attempt - 1)), MAX_BACKOFF_SECONDS)


def deliver(send: Callable[[], None], retries: int, retry_delay: float,
            sleep: Callable[[float], None] = time.sleep) -> tuple[int, str]:
    """Call ``send`` until it works, at most ``retries`` more times: (attempts, last error or '')."""
    error = ""
    for attempt in range(1, retries + 2):
        try:
            send()
            return attempt, ""
        except Permanent as exc:
            return attempt, str(exc)
        except (OSError, smtplib.SMTPException, urllib.error.URLError) as exc:
            error = f"{type(exc).__name__}: {exc}"
        if attempt <= retries:
            sleep(_backoff(retry_delay, attempt))
    return retries + 1, error


def _tls_context(validate_certs: bool) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _cert_problem(exc: ssl.SSLCertVerificationError) -> str:
    return getattr(exc, "verify_message", "") or str(exc)


def send_email(args: dict[str, Any], message: EmailMessage) -> None:
    """One SMTP delivery: connect (implicit TLS, STARTTLS or plain), log in when a user is given, send."""
    context = _tls_context(args["validate_certs"])
    server, port, timeout = args["smtp_server"], args["smtp_port"], args["timeout"]
    try:
        if args["smtp_security"] == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(server, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(server, port, timeout=timeout)
        with client:
            client.ehlo()
            if args["smtp_security"] == "starttls":
                client.starttls(context=context)
                client.ehlo()
            if args["smtp_username"]:
                client.login(args["smtp_username"], args["smtp_password"] or "")
            client.send_message(message)
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        if 500 <= exc.smtp_code < 600:  # 5xx is permanent (RFC 5321); 4xx is worth another try
            raise Permanent(f"{type(exc).__name__}: the server refused with {exc.smtp_code} {text}") from None
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        raise Permanent(f"SMTPRecipientsRefused: every recipient was refused ({', '.join(exc.recipients)})") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise Permanent(f"SMTPNotSupportedError: {exc}") from None
    except ssl.SSLCertVerificationError as exc:
        raise Permanent(f"SSLCertVerificationError: {_cert_problem(exc)}; trust the server's certificate authority on "
                        "the controller, or set validate_certs to false") from None


def send_webhook(args: dict[str, Any], body: bytes) -> None:
    """One POST of ``body`` as JSON; any 2xx reply is delivered."""
    headers = {"Content-Type": "application/json; charset=utf-8"}
    try:
        # No netrc: a webhook URL carries its own token, and a netrc login must not be sent along with it.
        with open_url(args["webhook_url"], data=body, headers=headers, method="POST", timeout=args["timeout"],
                      validate_certs=args["validate_certs"], http_agent=USER_AGENT, use_netrc=False) as reply:
            reply.read()
    except urllib.error.HTTPError as exc:
        if exc.code == 429 or exc.code >= 500:
            raise
        raise Permanent(f"HTTPError: the webhook answered {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, ssl.SSLCertVerificationError):
            raise Permanent(f"SSLCertVerificationError: {_cert_problem(exc.reason)}; trust the webhook's certificate "
                            "authority on the controller, or set validate_certs to false") from None
        raise


def email_message(args: dict[str, Any], outcomes: list[_notify.Outcome]) -> EmailMessage:
    message = EmailMessage(policy=EMAIL_POLICY)
    message["Subject"] = _notify.subject(outcomes, args["title"])
    message["From"] = args["from_address"]
    message["To"] = ", ".join(args["to_addresses"])
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=parseaddr(args["from_address"])[1].rpartition("@")[2] or None)
    message.set_content(_notify.text_body(outcomes, args["title"]))
    message.add_alternative(_notify.html_body(outcomes, args["title"]), subtype="html")
    return message


def _settings_problems(args: dict[str, Any]) -> list[str]:
    """The notification settings checked with the role's rules; each problem is one line (secrets hidden)."""
    settings = {"notify_webhook_url": args["webhook_url"], "notify_webhook_format": args["webhook_format"],
                "notify_smtp_security": args["smtp_security"]}
    if args["email"]:
        settings.update(notify_email_enabled=True, notify_smtp_server=args["smtp_server"],
                        notify_smtp_port=args["smtp_port"], notify_from=args["from_address"],
                        notify_to=args["to_addresses"])
    try:
        validate_settings(settings)
    except AlteryxStepError as exc:
        return exc.msg.splitlines()[1:]
    if args["email"] and args["smtp_username"] and args["smtp_security"] == "none":
        return ["alteryx_backup_notify_smtp_username is set but alteryx_backup_notify_smtp_security is none: the "
                "password would cross the network in clear text; allowed: starttls or ssl"]
    return []


class ActionModule(AlteryxAction):
    _requires_connection = False
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "outcomes": {"type": "list", "elements": "dict", "required": True},
        "only_on_failure": {"type": "bool", "default": True},
        "title": {"type": "str", "default": _notify.TITLE},
        "email": {"type": "bool", "default": False},
        "smtp_server": {"type": "str", "default": ""},
        "smtp_port": {"type": "int", "default": 587},
        "smtp_security": {"type": "str", "default": "starttls", "choices": list(SMTP_SECURITY)},
        "smtp_username": {"type": "str", "default": ""},
        "smtp_password": {"type": "str", "no_log": True},
        "from_address": {"type": "str", "default": ""},
        "to_addresses": {"type": "list", "elements": "str", "default": []},
        "webhook_url": {"type": "str", "default": "", "no_log": True},
        "webhook_format": {"type": "str", "default": "teams", "choices": list(WEBHOOK_FORMATS)},
        "validate_certs": {"type": "bool", "default": True},
        "timeout": {"type": "float", "default": 30.0},
        "retries": {"type": "int", "default": 2},
        "retry_delay": {"type": "float", "default": 5.0},
    }

    def step(self, args: dict[str, Any], task_vars: dict[str, Any]) -> dict[str, Any]:
        secrets = [args["smtp_password"] or "", args["webhook_url"]]
        outcomes, warnings = _notify.normalize_outcomes(args["outcomes"])
        notify, reason = _notify.due(outcomes, args["only_on_failure"])
        channels: list[dict[str, Any]] = []
        problems = _settings_problems(args)
        if problems:
            warnings += [f"no notification sent, the settings are invalid: {line}" for line in problems]
            notify, reason = False, "the notification settings are invalid"
        if args["email"]:
            channels.append({"channel": "email", "target": ", ".join(args["to_addresses"]), "sent": False,
                             "attempts": 0, "error": ""})
        if args["webhook_url"]:
            channels.append({"channel": "webhook", "target": _notify.url_origin(args["webhook_url"]), "sent": False,
                             "attempts": 0, "error": ""})
        if not channels:
            notify, reason = False, "no channel is configured (email is false and webhook_url is empty)"
        retries, delay = max(args["retries"], 0), max(args["retry_delay"], 0.0)
        for channel in channels if notify and not self._task.check_mode else []:
            if channel["channel"] == "email":
                message = email_message(args, outcomes)
                attempts, error = deliver(lambda message=message: send_email(args, message), retries, delay)
            else:
                body = _notify.webhook_payload(outcomes, args["webhook_format"], args["title"])
                attempts, error = deliver(lambda body=body: send_webhook(args, body), retries, delay)
            channel.update(sent=not error, attempts=attempts, error=_notify.redact_text(error, secrets))
            if error:
                warnings.append(f"the {channel['channel']} notification to {channel['target']} was not delivered "
                                f"after {attempts} attempt(s): {channel['error']}")
        sent = [channel["channel"] for channel in channels if channel["sent"]]
        if not notify:
            msg = f"No notification: {reason}"
        elif self._task.check_mode:
            msg = f"Would send '{_notify.subject(outcomes, args['title'])}' by {', '.join(c['channel'] for c in channels)}"
        else:
            msg = f"Sent '{_notify.subject(outcomes, args['title'])}' by {', '.join(sent) or 'no channel'}"
        result: dict[str, Any] = {
            "changed": bool(sent), "msg": _notify.redact_text(msg, secrets), "notified": notify, "reason": reason,
            "subject": _notify.subject(outcomes, args["title"]), "counts": _notify.counts(outcomes),
            "worst_exit_code": _notify.worst_exit_code(outcomes), "channels": channels,
            "eventlog": [_notify.eventlog_entry(outcome) for outcome in outcomes],
        }
        if warnings:
            result["warnings"] = [_notify.redact_text(warning, secrets) for warning in warnings]
        return result
