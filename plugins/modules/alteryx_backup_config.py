#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_backup_config
short_description: Read a backup-config.json file and map it to the backup role's settings
version_added: 0.1.0
description:
  - Reads the spec's C(backup-config.json) from the B(controller), checks it against the collection's strict copy
    of the spec's JSON Schema (draft-07) and returns its settings under the names of the C(alteryx.server.backup)
    role's variables (without the C(alteryx_backup_) prefix), in RV(settings).
  - Only the keys present in the file are returned, so the role's defaults apply to the others; a variable set
    anywhere (play, inventory, C(-e)) still overrides the file, because the role's defaults read RV(settings) lazily.
  - The file may be UTF-8 with or without a byte order mark, or UTF-16 or UTF-32 with one (as Notepad and
    PowerShell write them).
  - >-
    A file that is not one JSON object, holds a key twice, has an unknown key at any
    level (a typo such as C(BackupMod)), a value of the wrong type, a value the role would refuse (for example
    a relative C(LocalBackupPath)) or a C(ConnectionString) with a password fails with RV(failure_class=validation)
    and RV(exit_code=3). All problems are reported together, one line per problem, each naming the key's path,
    for example C(BackupConfiguration.RetentionDays.Full: "30" is not of type integer).
  - The sections C(BackupConfiguration), C(ServiceConfiguration) and C(MongoDBConfiguration) are required, as in
    the spec, and C(BackupConfiguration) needs C(TempDirectory), C(LocalBackupPath) and C(LogDirectory); the other
    sections are optional and an empty section C({}) is valid. C(RetentionDays) may also be one integer for every
    mode, and C(MinimumBackupSizeMB) is converted to bytes (1 MB = 1048576 bytes).
  - Keys the collection does not act on yet (C(VerifyArchiveIntegrity), C(IncludeMetadata), ...) are accepted and
    returned; a value other than the spec's default adds a warning.
  - The old flat format of earlier drafts (top-level C(BackupMode), C(LogPath), C(MinimumArchiveSizeBytes), ...)
    is still read for this release, with a deprecation warning listing where each key goes.
  - The key table, the decisions and a migration guide are in C(docs/configuration.md).
  - Runs entirely on the controller, needs no connection to the node and makes B(no) module round trips.
options:
  path:
    description:
      - Path on the controller of the configuration file; it must exist.
      - A relative path is looked for next to the playbook first, then below the current working folder;
        C(~) is expanded.
      - An empty string means none given; then O(default_path) is searched.
    type: str
    default: ""
    version_added: 0.1.0
  default_path:
    description:
      - Files on the controller to use when O(path) is empty, in order; the first one that exists is read and the
        others are ignored. None existing means no file - RV(settings) is empty and the role's defaults apply.
      - Relative paths are resolved as for O(path).
      - The C(alteryx.server.backup) role passes C({{ playbook_dir }}/config/backup-config.json) and
        C({{ playbook_dir }}/../config/backup-config.json) - the spec's C(./config/backup-config.json) next to the
        playbook, or next to the C(playbooks) folder of a project.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
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
      - Reading the file changes nothing, so check mode reads and checks it as a normal run does and returns the
        same keys, with C(changed=false) in both.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - The file is read on the controller, once per host of the play; keep it where the controller (or the AWX / Automation
    Platform execution environment, for example in the project) can read it.
  - Keep secrets out of the file; a MongoDB connection string with C(user:password@) is refused.
  - The result does not include a C(log) list; nothing is written to the node.
seealso:
  - module: alteryx.server.alteryx_backup_plan
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Read the backup configuration file given on the command line, or config/backup-config.json if present
  alteryx.server.alteryx_backup_config:
    path: "{{ alteryx_backup_config_file | default('') }}"
    default_path:
      - "{{ playbook_dir }}/config/backup-config.json"
      - "{{ playbook_dir }}/../config/backup-config.json"
  register: backup_config

- name: Read one file that must exist
  alteryx.server.alteryx_backup_config:
    path: /etc/alteryx/backup-config.json
  register: backup_config

- name: Use the file's local backup folder unless a variable sets one
  ansible.builtin.debug:
    msg: "{{ alteryx_backup_local_path | default(backup_config.settings.local_path | default('D:\\Alteryx\\Backups')) }}"
"""

RETURN = r"""
source:
  description: The file that was read (absolute path on the controller), or an empty string when there was none.
  returned: success
  type: str
  sample: /srv/ansible/config/backup-config.json
warnings:
  description:
    - The deprecation of the old flat format (with where each of its keys goes), and keys accepted but not acted
      on yet whose value differs from the spec's default. Ansible also displays them as task warnings.
    - ansible-core 2.19 and later keep this key in a registered result only when it is not empty; read it
      with C(| default([])).
  returned: success
  type: list
  elements: str
  sample:
    - >-
        /srv/ansible/config/backup-config.json: FilesConfiguration.IncludeMetadata=false is accepted but not acted
        on yet: every archive holds BackupManifest.json with the node's system information.
settings:
  description:
    - The file's settings, keyed by the backup role's variable names without C(alteryx_backup_); only the keys
      present in the file. Empty when there is no file.
    - Values as in the file, except C(min_archive_bytes) (from MB) and whole numbers written as C(30.0).
  returned: success
  type: dict
  contains:
    mode:
      description: C(BackupConfiguration.DefaultBackupMode) (flat C(BackupMode)).
      returned: when in the file
      type: str
      sample: Full
    temp_path:
      description: C(BackupConfiguration.TempDirectory), the staging folder on the node.
      returned: when in the file
      type: str
      sample: D:\Temp
    local_path:
      description: C(BackupConfiguration.LocalBackupPath) (flat C(LocalBackupPath)).
      returned: when in the file
      type: str
      sample: D:\Alteryx\Backups
    network_paths:
      description: C(BackupConfiguration.NetworkBackupPaths) (flat C(NetworkBackupPaths)).
      returned: when in the file
      type: list
      elements: str
      sample:
        - \\backup-server\alteryx\
    log_path:
      description: C(BackupConfiguration.LogDirectory) (flat C(LogPath)).
      returned: when in the file
      type: str
      sample: D:\Alteryx\BackupLogs
    retention_days:
      description: C(BackupConfiguration.RetentionDays) - days per mode, or one integer for every mode.
      returned: when in the file
      type: raw
      sample: {Full: 30, DatabaseOnly: 7, ConfigOnly: 14}
    max_service_wait:
      description: C(ServiceConfiguration.MaxServiceWaitSeconds).
      returned: when in the file
      type: int
      sample: 7200
    max_workflow_wait:
      description: C(ServiceConfiguration.MaxWorkflowWaitSeconds).
      returned: when in the file
      type: int
      sample: 3600
    force_stop_workflows:
      description: C(ServiceConfiguration.ForceStopWorkflows).
      returned: when in the file
      type: bool
      sample: false
    stop_service_for_external_db:
      description: C(ServiceConfiguration.StopServiceForExternalDB); not acted on yet.
      returned: when in the file
      type: bool
      sample: false
    mongodb_type:
      description: C(MongoDBConfiguration.Type) - C(auto), C(embedded) or C(self-managed); not acted on yet.
      returned: when in the file
      type: str
      sample: auto
    mongodb_use_alteryx_service:
      description: C(MongoDBConfiguration.EmbeddedMongoDB.UseAlteryxService); accepted, not acted on yet.
      returned: when in the file
      type: bool
      sample: true
    mongodb_connection_string:
      description: C(MongoDBConfiguration.SelfManagedMongoDB.ConnectionString), never with a password; not acted on yet.
      returned: when in the file
      type: str
      sample: mongodb://mongo01:27017/AlteryxGallery
    mongodb_host:
      description: C(MongoDBConfiguration.SelfManagedMongoDB.Host); not acted on yet.
      returned: when in the file
      type: str
      sample: mongo01
    mongodb_port:
      description: C(MongoDBConfiguration.SelfManagedMongoDB.Port); not acted on yet.
      returned: when in the file
      type: int
      sample: 27017
    mongodb_database:
      description: C(MongoDBConfiguration.SelfManagedMongoDB.Database); not acted on yet.
      returned: when in the file
      type: str
      sample: AlteryxGallery
    mongodb_auth_database:
      description: C(MongoDBConfiguration.SelfManagedMongoDB.AuthDatabase); not acted on yet.
      returned: when in the file
      type: str
      sample: admin
    mongodb_username:
      description: C(MongoDBConfiguration.SelfManagedMongoDB.Username); not acted on yet.
      returned: when in the file
      type: str
      sample: backup
    mongodb_gzip:
      description: C(MongoDBConfiguration.SelfManagedMongoDB.UseCompression); not acted on yet.
      returned: when in the file
      type: bool
      sample: true
    keys_required:
      description: C(FilesConfiguration.BackupKeys) (flat C(KeysRequired)) - whether a missing Keys folder fails the run.
      returned: when in the file
      type: bool
      sample: true
    include_config_file:
      description: C(FilesConfiguration.BackupConfigFile); accepted, not acted on yet.
      returned: when in the file
      type: bool
      sample: true
    export_secrets:
      description: C(FilesConfiguration.BackupMongoPasswords) (flat C(ExportSecrets)).
      returned: when in the file
      type: bool
      sample: true
    secrets_recipient:
      description: C(FilesConfiguration.SecretsRecipientCertificate) - the certificate the exported secrets are
        encrypted to, a path on the controller or the PEM text.
      returned: when in the file
      type: str
      sample: /etc/alteryx/alteryx-secrets.crt
    secrets_plaintext_allowed:
      description: C(FilesConfiguration.AllowPlaintextSecrets) - whether secrets may go into the archive in plaintext
        when no recipient is set.
      returned: when in the file
      type: bool
      sample: false
    include_metadata:
      description: C(FilesConfiguration.IncludeMetadata); accepted, not acted on yet.
      returned: when in the file
      type: bool
      sample: true
    verify_archive:
      description: C(ValidationConfiguration.VerifyArchiveIntegrity); accepted, not acted on yet.
      returned: when in the file
      type: bool
      sample: true
    calculate_checksums:
      description: C(ValidationConfiguration.CalculateChecksums); accepted, not acted on yet.
      returned: when in the file
      type: bool
      sample: true
    min_archive_bytes:
      description:
        - C(ValidationConfiguration.MinimumBackupSizeMB) converted to whole bytes (1 MB = 1048576 bytes) per mode
          (flat C(MinimumArchiveSizeBytes), in bytes already).
      returned: when in the file
      type: dict
      sample: {Full: 1048576, DatabaseOnly: 1048576, ConfigOnly: 104858}
    notify_email_enabled:
      description: C(NotificationConfiguration.Enabled) - send an e-mail about each run.
      returned: when in the file
      type: bool
      sample: false
    notify_smtp_server:
      description: C(NotificationConfiguration.SMTPServer) - SMTP host name or IP address, without the port.
      returned: when in the file
      type: str
      sample: smtp.example.com
    notify_smtp_port:
      description: C(NotificationConfiguration.SMTPPort).
      returned: when in the file
      type: int
      sample: 587
    notify_smtp_security:
      description:
        - C(NotificationConfiguration.UseSSL) as the connection security - C(true) becomes C(starttls) (what
          C(Send-MailMessage -UseSsl) does), C(false) becomes C(none).
      returned: when in the file
      type: str
      sample: starttls
    notify_from:
      description: C(NotificationConfiguration.FromAddress) - sender address of the e-mail.
      returned: when in the file
      type: str
      sample: alteryx-backup@example.com
    notify_to:
      description: C(NotificationConfiguration.ToAddresses) - recipients of the e-mail.
      returned: when in the file
      type: list
      elements: str
      sample:
        - ops@example.com
    notify_only_on_failure:
      description: C(NotificationConfiguration.OnlyOnFailure) - send only when a server failed or has a warning.
      returned: when in the file
      type: bool
      sample: true
    min_keep:
      description: Old flat format only - C(MinimumBackupsToKeep).
      returned: when in an old flat file
      type: int
      sample: 1
    copy_retries:
      description: Old flat format only - C(NetworkCopyRetries).
      returned: when in an old flat file
      type: int
      sample: 3
    copy_retry_delay:
      description: Old flat format only - C(NetworkCopyRetryDelaySeconds).
      returned: when in an old flat file
      type: int
      sample: 30
    free_space_factor:
      description: Old flat format only - C(FreeSpaceFactor).
      returned: when in an old flat file
      type: float
      sample: 2.0
    lock_stale_seconds:
      description: Old flat format only - C(LockStaleSeconds).
      returned: when in an old flat file
      type: int
      sample: 900
failure_class:
  description:
    - C(validation) - the file given in O(path) does not exist or cannot be read, or the file is not a valid
      configuration; nothing was done on any node.
    - Not set when the task arguments themselves are invalid.
  returned: failure
  type: str
  sample: validation
exit_code:
  description:
    - Exit code for wrappers, matching RV(failure_class) - 3 for C(validation).
  returned: failure
  type: int
  sample: 3
"""
