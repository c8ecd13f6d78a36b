#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_critical_files
short_description: Stage the critical files and controller secrets of an Alteryx Server node
version_added: 0.1.0
description:
  - Plans, on the controller, which files of the node are worth keeping from its O(facts), then copies them
    into the staging folder O(staging_path) (folder structure preserved) and hashes each with SHA256.
  - The plan - C(C:\ProgramData\Alteryx\RuntimeSettings.xml) (required), C(Engine\SystemAlias.xml) and
    C(Engine\SystemConnections.xml), the C(Keys) folder (required only with O(keys_required=true)),
    C(alteryx.config) when it was modified more than 5 minutes after the install, and
    C(RuntimeSettings.22_2_legacy.xml) when present. Everything lands under C(Config\) in the staging folder.
  - On controllers (C(controller) in RV(alteryx.server.alteryx_facts#module:alteryx_server.roles)) and with
    O(export_secrets=true), also exports the controller token (C(AlteryxService.exe getserversecret)) and the
    embedded MongoDB passwords (C(getemongopassword)) straight into files under C(Secrets\) in the staging
    folder. Their values never reach the task result, output or any log.
  - A missing optional file is reported in RV(missing) and RV(warnings); a missing required one fails with
    RV(failure_class=validation).
  - Makes one module round trip (one C(ansible.windows.win_powershell) call). The service is not touched.
options:
  facts:
    description:
      - The RV(alteryx.server.alteryx_facts#module:alteryx_server) dictionary of the node.
    type: dict
    required: true
    version_added: 0.1.0
  staging_path:
    description:
      - Staging folder of the run, normally RV(alteryx.server.alteryx_backup_plan#module:staging_path).
    type: str
    required: true
    version_added: 0.1.0
  keys_required:
    description:
      - Treat the folder C(C:\ProgramData\Alteryx\Keys) as required; otherwise a missing one is only a warning.
    type: bool
    default: false
    version_added: 0.1.0
  export_secrets:
    description:
      - Export the controller token and the MongoDB passwords into the archive's C(Secrets/) folder.
      - Has no effect on nodes without the C(controller) role.
      - Restoring onto a new or rebuilt controller needs the token; an archive holding it must be protected like
        a password.
    type: bool
    default: true
    version_added: 0.1.0
  secrets_recipient:
    description:
      - The certificate (PEM, RSA key) the exported secrets are encrypted to - a path on the controller (relative to
        the playbook) or the PEM text. It is read on the controller and handed to the node; its private key never is.
      - The node encrypts each secret in memory with .NET C(EnvelopedCms) (CMS EnvelopedData, AES-256-CBC, RSA
        key transport) and writes only C(Secrets/ControllerToken.cms) and C(Secrets/MongoPasswords.cms) (PEM
        C(-----BEGIN CMS-----)); the plaintext never touches the disk.
      - An unreadable, non-RSA or expired certificate fails with C(validation).
      - Without it, exporting secrets fails with C(validation) unless O(secrets_plaintext_allowed=true).
    type: str
    default: ""
    version_added: 0.1.0
  secrets_plaintext_allowed:
    description:
      - With no O(secrets_recipient), write the secrets in plaintext to C(Secrets/ControllerToken.txt) and
        C(Secrets/MongoPasswords.txt), with a warning, instead of failing.
    type: bool
    default: false
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
    support: partial
    details:
      - Check mode does not contact the node. It returns the planned items in RV(plan) and reports
        C(changed=true); RV(files), RV(directories), RV(missing) and RV(warnings) are empty and RV(secrets_exported) is all V(false).
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_facts
  - module: alteryx.server.alteryx_manifest
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Stage the critical files and the controller secrets, encrypted to a certificate
  alteryx.server.alteryx_critical_files:
    facts: "{{ alteryx_server }}"
    staging_path: "{{ backup_plan.staging_path }}"
    secrets_recipient: /etc/alteryx/alteryx-secrets.crt
  register: critical_files

- name: Stage the files without secrets, requiring the Keys folder
  alteryx.server.alteryx_critical_files:
    facts: "{{ alteryx_server }}"
    staging_path: D:\Alteryx\Backups\ServerBackup_Config_20240131_020000.staging
    keys_required: true
    export_secrets: false
"""

RETURN = r"""
plan:
  description: Items planned from O(facts), in order.
  returned: success
  type: list
  elements: dict
  contains:
    source:
      description: File or folder on the node.
      returned: always
      type: str
      sample: C:\ProgramData\Alteryx\RuntimeSettings.xml
    dest:
      description: Path inside the staging folder and the archive, backslash separated.
      returned: always
      type: str
      sample: Config\RuntimeSettings.xml
    required:
      description: Whether a missing source fails the task.
      returned: always
      type: bool
      sample: true
files:
  description: Files staged (folders expanded to their files), including exported secret files; empty in check mode.
  returned: success
  type: list
  elements: dict
  contains:
    archive_path:
      description: Path inside the archive, forward-slash separated.
      returned: always
      type: str
      sample: Config/RuntimeSettings.xml
    source_path:
      description:
        - Where the file came from on the node; empty for exported secret files.
        - Becomes C(FilePath) in the manifest (M(alteryx.server.alteryx_manifest)).
      returned: always
      type: str
      sample: C:\ProgramData\Alteryx\RuntimeSettings.xml
    last_modified:
      description:
        - Last write time of the source file, UTC, C(yyyy-MM-ddTHH:mm:ssZ); for an exported secret file, when it
          was written. Becomes C(LastModified) in the manifest.
      returned: always
      type: str
      sample: "2024-01-10T14:23:11Z"
    size:
      description: Size in bytes.
      returned: always
      type: int
      sample: 819
    sha256:
      description: SHA256 of the staged file, lower-case hex.
      returned: always
      type: str
      sample: 80e6e3cab0e43950d5f3b39b88799e88e231569d30826c6d7a8ec80c1976f4dd
    category:
      description: C(config) for copied files, C(secret) for exported secrets.
      returned: always
      type: str
      sample: config
directories:
  description:
    - One entry per folder item that was staged (for example the C(Keys) folder), with its file count and size;
      its files are in RV(files) too. Empty in check mode.
    - Becomes the manifest's directory entries (C(Type=Directory)).
  returned: success
  type: list
  elements: dict
  contains:
    archive_path:
      description: Path of the folder inside the archive, forward-slash separated.
      returned: always
      type: str
      sample: Config/Keys
    source_path:
      description: The folder on the node.
      returned: always
      type: str
      sample: C:\ProgramData\Alteryx\Keys
    file_count:
      description: Files staged from it, hidden and system files included, subfolders included.
      returned: always
      type: int
      sample: 2
    total_bytes:
      description: Their total size in bytes.
      returned: always
      type: int
      sample: 2048
missing:
  description: Optional items that do not exist on the node and were not backed up; empty in check mode.
  returned: success
  type: list
  elements: dict
  contains:
    source:
      description: The missing file or folder.
      returned: always
      type: str
      sample: C:\ProgramData\Alteryx\Engine\SystemAlias.xml
    required:
      description: Always V(false) (a missing required item fails the task).
      returned: always
      type: bool
      sample: false
secrets_exported:
  description: Which secrets were written under C(Secrets/) in the staging folder (never their values).
  returned: success
  type: dict
  contains:
    server_secret:
      description: The controller token was exported to C(Secrets/ControllerToken.cms) (C(.txt) in plaintext).
      returned: always
      type: bool
      sample: true
    mongo_passwords:
      description: The embedded MongoDB passwords were exported to C(Secrets/MongoPasswords.cms) (C(.txt) in plaintext).
      returned: always
      type: bool
      sample: true
    encryption:
      description:
        - How they are encrypted, in the manifest's C(Extensions.SecretsEncryption) form - C(Format), C(Recipient)
          (C(Subject), C(Thumbprint), C(NotAfter)) and C(Files); null when in plaintext or not exported.
      returned: always
      type: dict
      sample:
        Format: CMS EnvelopedData (AES-256-CBC, RSA key transport)
        Recipient: {Subject: CN=alteryx-backup-secrets, Thumbprint: 3F1C0B6D4E2A99D1C0B6D4E2A99D1C0B6D4E2A99,
                    NotAfter: "2036-01-14T02:00:15Z"}
        Files: [Secrets/ControllerToken.cms, Secrets/MongoPasswords.cms]
warnings:
  description:
    - One warning per missing optional item, for the backup manifest.
    - Ansible also displays them as task warnings.
  returned: success
  type: list
  elements: str
  sample:
    - "Optional item C:\\ProgramData\\Alteryx\\Engine\\SystemAlias.xml is missing on this node: not backed up"
log:
  description: Run log entries of this step; M(alteryx.server.alteryx_finalize) writes them to the host log file.
  returned: success
  type: list
  elements: dict
  contains:
    time:
      description: Controller local time of the entry, C(yyyy-MM-dd HH:mm:ss).
      returned: success
      type: str
      sample: "2024-01-31 02:03:30"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: success
      type: str
      sample: INFO
    message:
      description: What happened.
      returned: success
      type: str
      sample: Staged 8 file(s) from 6 planned item(s)
failure_class:
  description:
    - Kind of failure - C(validation) (a required item is missing), C(storage) (a file could not be staged)
      or C(general).
    - Not set when the task arguments themselves are invalid.
  returned: failure
  type: str
  sample: validation
exit_code:
  description:
    - Exit code for wrappers, matching RV(failure_class) - 1 general, 2 service_timeout, 3 validation,
      4 storage, 5 mongodb, 6 invalid_mode.
  returned: failure
  type: int
  sample: 3
"""
