#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_notify
short_description: Send one e-mail and/or webhook message about a backup run
version_added: 0.1.0
description:
  - Builds one message from the outcome of every server of a run (or of one server) and sends it by e-mail
    (SMTP) and/or to a webhook (a Microsoft Teams card or a generic JSON document).
  - The subject line names the overall result, how many servers succeeded, have warnings or failed, and the
    worst exit code (most severe first - 2, 5, 4, 3, 6, 1). The body holds one table row per server (host,
    cluster, mode, result, size, archive) and what went wrong on each failed server; the e-mail has a plain-text
    and an HTML part.
  - With O(only_on_failure) (the default, as the spec's C(OnlyOnFailure)), a message is sent only when a server
    failed or has a warning (a network destination did not get a copy).
  - Each channel is tried up to O(retries) more times, waiting O(retry_delay) seconds doubled after each try
    (at most 60 s). A refusal another try cannot fix (a 5xx SMTP reply, a failed login, a 4xx HTTP reply, an
    untrusted certificate) is not retried.
  - B(Never fails the play) for a notification - a message that cannot be delivered, or invalid notification
    settings, give a warning and RV(channels[].error); the task still succeeds.
  - Also returns RV(eventlog), the Windows Event Log entry of each server's run (source C(AlteryxBackup) in the
    C(Application) log), for M(community.windows.win_eventlog_entry).
  - Runs entirely on the controller and needs no connection to the node; it makes B(no) module round trips.
options:
  outcomes:
    description:
      - The outcome of each server, as the role C(alteryx.server.backup) publishes it with
        M(ansible.builtin.set_stats) under C(alteryx_backup.<host>), plus C(host), C(cluster) and C(msg).
      - Keys read - C(host) (required), C(cluster), C(mode), C(status) (C(Success), C(Warning) or C(Failed)),
        C(archive), C(size) (bytes), C(destinations_failed), C(failure_class), C(exit_code), C(msg). Other keys
        are ignored.
      - A non-zero C(exit_code) or a C(failure_class) makes the server failed whatever C(status) says; C(Failed)
        without a code counts as exit code 1 (C(general)). An entry without C(host) is left out with a warning.
    type: list
    elements: dict
    required: true
    version_added: 0.1.0
  only_on_failure:
    description:
      - Send only when a server failed or has a warning. False sends after every run.
    type: bool
    default: true
    version_added: 0.1.0
  title:
    description:
      - Text in brackets at the start of the subject, to tell environments apart (C(Alteryx backup PROD)).
    type: str
    default: Alteryx backup
    version_added: 0.1.0
  email:
    description:
      - Send an e-mail. Needs O(smtp_server), O(from_address) and at least one O(to_addresses).
    type: bool
    default: false
    version_added: 0.1.0
  smtp_server:
    description:
      - Host name or IP address of the SMTP server, without a port.
    type: str
    default: ""
    version_added: 0.1.0
  smtp_port:
    description:
      - Port of the SMTP server - usually 587 with C(starttls), 465 with C(ssl), 25 with C(none).
    type: int
    default: 587
    version_added: 0.1.0
  smtp_security:
    description:
      - C(starttls) - connect in plain text and upgrade with STARTTLS (what C(Send-MailMessage -UseSsl) does).
      - C(ssl) - implicit TLS from the first byte (port 465).
      - C(none) - no encryption; refused together with O(smtp_username), so a password never crosses the network
        in clear text.
    type: str
    default: starttls
    choices: [starttls, ssl, none]
    version_added: 0.1.0
  smtp_username:
    description:
      - User to log in to the SMTP server with; empty sends without logging in (an internal relay).
    type: str
    default: ""
    version_added: 0.1.0
  smtp_password:
    description:
      - Password of O(smtp_username). Give it from Ansible Vault or an AWX credential; it never appears in the
        result, warnings or logs.
    type: str
    version_added: 0.1.0
  from_address:
    description:
      - Sender address, C(backup@example.com) or C(Alteryx Backup <backup@example.com>).
    type: str
    default: ""
    version_added: 0.1.0
  to_addresses:
    description:
      - Recipient addresses.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  webhook_url:
    description:
      - URL to POST the message to as JSON, for example a Teams workflow (Power Automate) or incoming webhook URL.
        Empty sends no webhook.
      - Treated as a secret - its path and query carry the access token, so only C(scheme://host/********) is
        ever shown.
    type: str
    default: ""
    version_added: 0.1.0
  webhook_format:
    description:
      - C(teams) - a Teams message holding an Adaptive Card (one fact set per server).
      - C(generic) - C({source, title, subject, status, counts, worst_exit_code, hosts}), C(hosts) being the
        normalized outcomes.
    type: str
    default: teams
    choices: [teams, generic]
    version_added: 0.1.0
  validate_certs:
    description:
      - Check the TLS certificate of the SMTP server and the webhook against the controller's trusted
        authorities. Only set false for a test server.
    type: bool
    default: true
    version_added: 0.1.0
  timeout:
    description:
      - Seconds to wait for the SMTP server or the webhook on each try.
    type: float
    default: 30.0
    version_added: 0.1.0
  retries:
    description:
      - How many more times a channel is tried after a failed try.
    type: int
    default: 2
    version_added: 0.1.0
  retry_delay:
    description:
      - Seconds before the first retry; doubled before each further one, at most 60.
    type: float
    default: 5.0
    version_added: 0.1.0
author:
  - alteryx.server maintainers (@alteryx-server)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  check_mode:
    support: full
    details:
      - Builds the message and says in RV(msg) what it would send and where; nothing is sent.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - Run it once per run, after every server is done (C(run_once), C(delegate_to) C(localhost) is not needed - it
    never connects to a node). See C(docs/notifications.md) for the role variables and the Event Log ids.
  - The controller (or the AWX execution environment) needs network access to the SMTP server and the webhook.
seealso:
  - module: community.windows.win_eventlog_entry
  - module: ansible.builtin.set_stats
"""

EXAMPLES = r"""
- name: E-mail the team when any server failed
  alteryx.server.alteryx_notify:
    outcomes:
      - {host: alteryx01, cluster: prod, mode: Full, status: Success, archive: 'D:\Backups\a.zip', size: 1048576}
      - {host: alteryx02, cluster: prod, mode: Full, failure_class: storage, exit_code: 4, msg: The share is offline}
    email: true
    smtp_server: smtp.example.com
    smtp_username: alteryx-backup
    smtp_password: "{{ vault_smtp_password }}"
    from_address: Alteryx Backup <backup@example.com>
    to_addresses: [ops@example.com]
  run_once: true

- name: Post every run to a Teams channel
  alteryx.server.alteryx_notify:
    outcomes: "{{ my_outcomes }}"
    only_on_failure: false
    webhook_url: "{{ vault_teams_webhook_url }}"
  run_once: true
"""

RETURN = r"""
msg:
  description: What was sent (or would be in check mode), or why nothing was.
  returned: success
  type: str
  sample: "Sent '[Alteryx backup] FAILED: Full on 2 server(s) - 1 succeeded, 0 with warnings, 1 failed, worst exit code 4' by email"
notified:
  description: Whether a message was due - some server failed or warned, or O(only_on_failure) is false - with a
    channel configured and valid settings. True in check mode too, when a message would be sent.
  returned: success
  type: bool
  sample: true
reason:
  description: Why a message was or was not due.
  returned: success
  type: str
  sample: a host failed or has a warning
subject:
  description: The subject line of the message.
  returned: success
  type: str
  sample: "[Alteryx backup] FAILED: Full on 2 server(s) - 1 succeeded, 0 with warnings, 1 failed, worst exit code 4"
counts:
  description: How many servers the message reports on, by result.
  returned: success
  type: dict
  contains:
    total:
      description: Servers in O(outcomes) that name a host.
      returned: success
      type: int
      sample: 2
    success:
      description: Servers that succeeded.
      returned: success
      type: int
      sample: 1
    warning:
      description: Servers that succeeded but a network destination did not get a copy.
      returned: success
      type: int
      sample: 0
    failed:
      description: Servers that failed.
      returned: success
      type: int
      sample: 1
worst_exit_code:
  description: 0 when no server failed, else the most severe exit code (2, 5, 4, 3, 6, 1 in that order).
  returned: success
  type: int
  sample: 4
channels:
  description: One entry per configured channel.
  returned: success
  type: list
  elements: dict
  contains:
    channel:
      description: C(email) or C(webhook).
      returned: success
      type: str
      sample: email
    target:
      description: The recipients, or the webhook's C(scheme://host/********) (its path and query are hidden).
      returned: success
      type: str
      sample: ops@example.com
    sent:
      description: Whether the message was delivered. False in check mode and when no message was due.
      returned: success
      type: bool
      sample: true
    attempts:
      description: How many tries it took; 0 when nothing was tried.
      returned: success
      type: int
      sample: 1
    error:
      description: Why the last try failed; empty when delivered or not tried. Secrets are hidden.
      returned: success
      type: str
      sample: "ConnectionRefusedError: [Errno 111] Connection refused"
eventlog:
  description:
    - The Windows Event Log entry of each server's run, for M(community.windows.win_eventlog_entry).
    - Event ids - 1000 success (Information), 1001 warning (Warning), 1100 + exit code for a failure (Error) -
      1101 general, 1102 service_timeout, 1103 validation, 1104 storage, 1105 mongodb, 1106 invalid_mode.
  returned: success
  type: list
  elements: dict
  contains:
    host:
      description: The server the entry is about.
      returned: success
      type: str
      sample: alteryx02
    log:
      description: The event log, always C(Application).
      returned: success
      type: str
      sample: Application
    source:
      description: The event source, always C(AlteryxBackup).
      returned: success
      type: str
      sample: AlteryxBackup
    event_id:
      description: The event id (see above).
      returned: success
      type: int
      sample: 1104
    entry_type:
      description: C(Information), C(Warning) or C(Error).
      returned: success
      type: str
      sample: Error
    message:
      description: The entry's text - the result line, the archive and the failure message (at most 31839
        characters).
      returned: success
      type: str
      sample: "Full backup of alteryx02 failed [failure_class=storage, exit_code=4].\r\nThe share is offline"
warnings:
  description: Messages that could not be delivered, invalid notification settings, unusable outcomes.
  returned: success, when something was not delivered or not usable
  type: list
  elements: str
  sample: ["the email notification to ops@example.com was not delivered after 3 attempt(s): TimeoutError: timed out"]
failure_class:
  description:
    - Kept for the collection's common result shape; this module never sets it. A notification never fails the
      task, and invalid task arguments (for example O(outcomes) missing) fail with Ansible's own message.
  returned: failure
  type: str
  sample: general
exit_code:
  description: Kept for the collection's common result shape; this module never sets it (see RV(failure_class)).
  returned: failure
  type: int
  sample: 1
"""
