#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_manifest
short_description: Build, validate and write the BackupManifest.json of a backup run
version_added: 0.1.0
description:
  - Builds on the controller the manifest that goes into every archive, in the structure of the spec's data model
    (C(BackupManifest.json)) field for field - C(BackupMetadata), C(SystemInformation), C(MongoDBInformation),
    C(BackedUpFiles), C(ControllerSettings), C(ArchiveInformation), C(ValidationResults) (C(PreBackupChecks) and
    C(PostBackupChecks)), C(EncryptionKeyWarning), C(Warnings) and C(Errors).
  - What the collection records beyond the spec (run id, install path, node roles, Run As user, whether
    RuntimeSettings.xml holds encrypted storage keys, the dumped
    databases with per-collection document counts, the SHA256 of every dump file, the individual checks) is in one
    extra top-level object, C(Extensions); the spec's sections hold only the spec's fields.
  - Per mode, as the spec says - C(DatabaseOnly) has C(BackedUpFiles=[]) and C(ControllerSettings=null);
    C(ConfigOnly) has C(MongoDBInformation.Included=false) and C(SystemInformation.ServiceNotStopped=true).
  - The manifest is written before the archive exists, so the values only the finished archive can give are
    V(null) in it - C(BackupMetadata.BackupCompletionTimestamp) and C(DurationSeconds),
    C(ArchiveInformation.ArchiveSizeMB), C(CompressionRatio), C(SHA256) and C(ArchiveIntegrityVerified), every
    C(PostBackupChecks) value and C(Extensions.ArchiveSizeBytes). M(alteryx.server.alteryx_archive) publishes a copy
    beside the archive (C(<archive>.manifest.json)) with them filled in; pass it RV(manifest).
  - Times are UTC, C(YYYY-MM-DDTHH:MM:SSZ). C(BackupVersion) and C(ScriptVersion) are the collection's version,
    read from the installed collection at run time.
  - The C(mongodb_dump) check (in C(Extensions.ValidationChecks)) fails when the mode includes the database, the node
    has a persistence (embedded or self-managed MongoDB, SQLite - C(persistence.type) of O(facts), else
    C(mongodb.type)) and nothing was dumped. The step then B(fails) with RV(failure_class=mongodb) and a message
    naming the dump step to run (M(alteryx.server.alteryx_emongodump), M(alteryx.server.alteryx_mongodump) or
    M(alteryx.server.alteryx_sqlite_backup)), before anything is written - an archive that should hold the
    database and does not is never a successful backup.
  - C(MongoDBInformation.DeploymentType) is C(embedded), C(self-managed), C(sqlite) or C(none); C(BackupMethod)
    C(AlteryxService.exe emongodump), C(mongodump), C(SQLite file copy) or C(none).
  - Validates the manifest against the collection's JSON schema (C(plugins/plugin_utils/backup_manifest.schema.json));
    a manifest that does not match fails with RV(failure_class=validation) before anything is written.
  - Writes it as UTF-8 (no BOM) to C(BackupManifest.json) in O(staging_path), through a temporary name and a
    rename so that no reader sees half a file.
    M(alteryx.server.alteryx_archive) later checks every archive entry against it.
  - Makes one module round trip (one C(ansible.windows.win_powershell) call). The service is not touched.
options:
  staging_path:
    description:
      - Staging folder of the run; the manifest is written to C(BackupManifest.json) in it.
    type: str
    required: true
    version_added: 0.1.0
  mode:
    description:
      - Backup mode, C(Full), C(DatabaseOnly) or C(ConfigOnly) (short forms C(DB) and C(Config) accepted).
    type: str
    required: true
    version_added: 0.1.0
  archive_name:
    description:
      - File name of the archive, normally RV(alteryx.server.alteryx_backup_plan#module:archive_name); recorded as
        C(ArchiveInformation.ArchiveFileName).
    type: str
    required: true
    version_added: 0.1.0
  run_id:
    description:
      - Id of the run, recorded as C(Extensions.RunId).
    type: str
    required: true
    version_added: 0.1.0
  started:
    description:
      - Start time of the run, ISO 8601 (RV(alteryx.server.alteryx_backup_plan#module:started)); without a time zone it
        is the controller's local time. Recorded in UTC as C(BackupMetadata.BackupTimestamp).
    type: str
    required: true
    version_added: 0.1.0
  facts:
    description:
      - The RV(alteryx.server.alteryx_facts#module:alteryx_server) dictionary of the node.
      - C(SystemInformation.WindowsVersion) comes from its C(windows_version) key when it has one, else from gathered
        Ansible facts (C(ansible_facts.os_name)), else it is empty. C(SystemInformation.BackupPerformedBy) comes from
        its C(current_user) key when it has one, else it is the become user (with become) or the connection user.
    type: dict
    required: true
    version_added: 0.1.0
  dump:
    description:
      - The registered result of M(alteryx.server.alteryx_emongodump). Its RV(alteryx.server.alteryx_emongodump#module:files)
        are recorded with their SHA256 in C(Extensions.MongoDB.DumpFiles) (under C(MongoDB/) in the archive; the spec's
        C(BackedUpFiles) lists no dump files), its RV(alteryx.server.alteryx_emongodump#module:databases) give
        C(MongoDBInformation.CollectionCount) and C(Extensions.MongoDB.Databases), and its
        RV(alteryx.server.alteryx_emongodump#module:workflows_running) C(PreBackupChecks.NoActiveWorkflows).
      - An empty dictionary means the run has no dump.
    type: dict
    default: {}
    version_added: 0.1.0
  dump_from:
    description:
      - The name of the variable the dump step registered (or the dump wait, M(alteryx.server.alteryx_dump_wait)),
        read as it is instead of O(dump) (which then is not used). Templating a dump's result into an argument makes
        Ansible walk each dump file once per task, seconds of controller CPU at 10,000 MongoDB collections. This is
        how the backup role passes it.
      - An undefined or skipped result means the run has no dump.
    type: str
    default: ''
    version_added: 0.1.0
  files:
    description:
      - Staged files, normally RV(alteryx.server.alteryx_critical_files#module:files); each needs C(archive_path),
        C(source_path), C(size), C(sha256), C(category) and C(last_modified).
      - Must be empty in C(DatabaseOnly) mode.
    type: list
    elements: dict
    default: []
    version_added: 0.1.0
  directories:
    description:
      - Staged folders, normally RV(alteryx.server.alteryx_critical_files#module:directories); each becomes a
        C(BackedUpFiles) entry of C(Type=Directory) with C(FileCount) and C(TotalSizeBytes).
    type: list
    elements: dict
    default: []
    version_added: 0.1.0
  missing:
    description:
      - Optional items that were not found, normally RV(alteryx.server.alteryx_critical_files#module:missing); any
        makes C(PreBackupChecks.AllPathsExist) false.
    type: list
    elements: dict
    default: []
    version_added: 0.1.0
  secrets_exported:
    description:
      - RV(alteryx.server.alteryx_critical_files#module:secrets_exported); gives C(ControllerSettings),
        C(Extensions.SecretsEncryption) (from its C(encryption)) and selects the text of C(EncryptionKeyWarning), which
        names the recipient certificate and says where its private key must be kept when the secrets are encrypted.
    type: dict
    default: {}
    version_added: 0.1.0
  preflight:
    description:
      - The RV(alteryx.server.alteryx_preflight#module:preflight) dictionary; gives C(PreBackupChecks.SufficientDiskSpace)
        and, with O(missing), C(PreBackupChecks.AllPathsExist) (every destination writable, no item missing).
      - Empty means those checks were not run; they are then V(null).
    type: dict
    default: {}
    version_added: 0.1.0
  validation_results:
    description:
      - More checks to record in C(Extensions.ValidationChecks), each with C(check) (name), C(passed) (bool) and
        optionally C(detail). An entry named C(mongodb_dump) is replaced by the check this module computes.
    type: list
    elements: dict
    default: []
    version_added: 0.1.0
  warnings:
    description:
      - Warnings to record in the manifest, for example those of M(alteryx.server.alteryx_preflight) and
        M(alteryx.server.alteryx_critical_files).
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  errors:
    description:
      - Errors to record in the manifest.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  signing_key:
    description:
      - Path on the B(controller) to a PEM Ed25519 private key (PKCS#8, as C(openssl genpkey -algorithm ed25519)
        writes it). When set, the exact bytes of C(BackupManifest.json) are signed on the controller and the
        signature is written next to it as C(BackupManifest.json.sig), so it is part of the archive. The key itself
        never goes to the node.
      - C(BackupManifest.json.sig) is JSON - C(Algorithm) (C(Ed25519)), C(PublicKey) (base64 of the raw 32-byte
        public key), C(KeyId) (the first 16 hex digits of the SHA256 of that key) and C(Signature) (base64).
      - A relative path is looked up as Ansible looks up files (the playbook folder first).
      - Empty (the default) - the manifest is not signed and no C(.sig) file is written.
    type: str
    default: ""
    version_added: 0.1.0
  signing_key_passphrase:
    description:
      - Passphrase of an encrypted O(signing_key). Never logged.
    type: str
    default: ""
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
      - Check mode builds and validates the manifest on the controller exactly as a normal run and returns it,
        but does not contact the node or write the file; C(changed) is V(true) and RV(sha256) is not returned. The
        C(mongodb_dump) check passes in check mode (nothing is dumped then).
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_emongodump
  - module: alteryx.server.alteryx_critical_files
  - module: alteryx.server.alteryx_archive
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Write the backup manifest
  alteryx.server.alteryx_manifest:
    staging_path: "{{ backup_plan.staging_path }}"
    mode: "{{ backup_plan.mode }}"
    archive_name: "{{ backup_plan.archive_name }}"
    run_id: "{{ backup_plan.run_id }}"
    started: "{{ backup_plan.started }}"
    facts: "{{ alteryx_server }}"
    preflight: "{{ preflight.preflight }}"
    # The registered dump result, by its variable's name: not templated, however many collections it lists.
    dump_from: dump
    files: "{{ critical_files.files }}"
    directories: "{{ critical_files.directories }}"
    missing: "{{ critical_files.missing }}"
    secrets_exported: "{{ critical_files.secrets_exported }}"
    warnings: "{{ preflight.warnings + critical_files.warnings }}"
  register: manifest

- name: Write the manifest of a config-only run
  alteryx.server.alteryx_manifest:
    staging_path: D:\Alteryx\Backups\ServerBackup_Config_20240131_020000.staging
    mode: ConfigOnly
    archive_name: ServerBackup_Config_20240131_020000.zip
    run_id: 20240131020000-d9b08da2
    started: "2024-01-31T02:00:00"
    facts: "{{ alteryx_server }}"
    files: "{{ critical_files.files }}"
    directories: "{{ critical_files.directories }}"
"""

RETURN = r"""
manifest:
  description:
    - The manifest written (in check mode, the one that would be written), as in the archive - the archive-level
      values are V(null).
  returned: success, and on a C(mongodb) failure (not written then)
  type: dict
  contains:
    BackupMetadata:
      description: Mode, times and versions.
      returned: always
      type: dict
      contains:
        BackupMode:
          description: C(Full), C(DatabaseOnly) or C(ConfigOnly).
          returned: always
          type: str
          sample: Full
        BackupTimestamp:
          description: Start of the run, UTC.
          returned: always
          type: str
          sample: "2024-01-31T01:00:00Z"
        BackupCompletionTimestamp:
          description: V(null) in the archive; in the copy beside the archive, when the archive was verified, UTC.
          returned: always
          type: str
          sample: null
        DurationSeconds:
          description: V(null) in the archive; in the copy beside the archive, seconds from start to completion.
          returned: always
          type: float
          sample: null
        BackupVersion:
          description: Version of the alteryx.server collection that made the backup.
          returned: always
          type: str
          sample: 0.1.0
        ScriptVersion:
          description: Same as RV(manifest.BackupMetadata.BackupVersion) (the spec's script is this collection).
          returned: always
          type: str
          sample: 0.1.0
    SystemInformation:
      description: The node.
      returned: always
      type: dict
      contains:
        AlteryxServerVersion:
          description: C(AlteryxService.exe getversion).
          returned: always
          type: str
          sample: 2023.1.1.247
        ServerHostname:
          description: Computer name of the node.
          returned: always
          type: str
          sample: ALTERYX01
        WindowsVersion:
          description: Operating system caption; empty when unknown (see O(facts)).
          returned: always
          type: str
          sample: Microsoft Windows Server 2019 Standard
        IsMultiNode:
          description: The node does not run controller, worker and UI itself, or its worker uses a remote controller.
          returned: always
          type: bool
          sample: false
        NodeRole:
          description: C(Controller), C(Worker) or C(UI) - the first of these roles the node has; C(Unknown) for none.
          returned: always
          type: str
          sample: Controller
        BackupPerformedBy:
          description: Account the backup ran as on the node; empty when unknown (see O(facts)).
          returned: always
          type: str
          sample: CORP\svc-backup
        ServiceNotStopped:
          description: V(true) - present only in C(ConfigOnly) backups, which never stop the service.
          returned: ConfigOnly
          type: bool
          sample: true
    MongoDBInformation:
      description: The database part of the backup.
      returned: always
      type: dict
      contains:
        Included:
          description: The archive holds a MongoDB dump.
          returned: always
          type: bool
          sample: true
        DeploymentType:
          description: C(embedded), C(self-managed) or C(none) (SQLite or no database on this node).
          returned: always
          type: str
          sample: embedded
        DatabaseName:
          description: The Gallery database (C(AlteryxGallery) unless configured otherwise); empty for C(none).
          returned: always
          type: str
          sample: AlteryxGallery
        BackupMethod:
          description: C(AlteryxService.exe emongodump), C(mongodump), or C(none) when nothing was dumped.
          returned: always
          type: str
          sample: AlteryxService.exe emongodump
        BackupSizeMB:
          description: Size of the dump files in MB (2 decimals).
          returned: always
          type: float
          sample: 1537.25
        CollectionCount:
          description: Collections dumped, all databases together.
          returned: always
          type: int
          sample: 42
    BackedUpFiles:
      description:
        - One entry per config or secret file in the archive, and one C(Type=Directory) entry per folder (its files
          are listed too). MongoDB dump files are in RV(manifest.Extensions.MongoDB). Empty in C(DatabaseOnly).
      returned: always
      type: list
      elements: dict
      contains:
        FilePath:
          description: Source on the node; for an exported secret, the C(AlteryxService.exe) command whose output it holds; for a folder, ends with C(\).
          returned: always
          type: str
          sample: C:\ProgramData\Alteryx\RuntimeSettings.xml
        RelativePathInArchive:
          description: The zip entry name (forward slashes); a folder's ends with C(/).
          returned: always
          type: str
          sample: Config/RuntimeSettings.xml
        SizeBytes:
          description: Size of a file.
          returned: files
          type: int
          sample: 15842
        LastModified:
          description: Last write time of a file's source, UTC.
          returned: files
          type: str
          sample: "2024-01-10T14:23:11Z"
        SHA256:
          description: SHA256 of a file, lower-case hex; V(null) for a folder.
          returned: always
          type: str
          sample: 80e6e3cab0e43950d5f3b39b88799e88e231569d30826c6d7a8ec80c1976f4dd
        Type:
          description: C(Directory).
          returned: folders
          type: str
          sample: Directory
        FileCount:
          description: Files of a folder.
          returned: folders
          type: int
          sample: 2
        TotalSizeBytes:
          description: Their total size.
          returned: folders
          type: int
          sample: 2048
    ControllerSettings:
      description: Which controller secrets the archive holds, and the service account; V(null) in C(DatabaseOnly).
      returned: always
      type: dict
      contains:
        ControllerTokenExported:
          description: C(Secrets/ControllerToken.txt) is in the archive.
          returned: unless DatabaseOnly
          type: bool
          sample: true
        MongoPasswordsExported:
          description: C(Secrets/MongoPasswords.txt) is in the archive.
          returned: unless DatabaseOnly
          type: bool
          sample: true
        ServiceAccountUser:
          description: Account the service logs on as.
          returned: unless DatabaseOnly
          type: str
          sample: NT AUTHORITY\NetworkService
    ArchiveInformation:
      description: The archive; all but C(ArchiveFileName) are V(null) in the archive and filled in the copy beside it.
      returned: always
      type: dict
      contains:
        ArchiveFileName:
          description: O(archive_name).
          returned: always
          type: str
          sample: ServerBackup_Full_20240131_020000.zip
        ArchiveSizeMB:
          description: Size of the archive in MB (2 decimals).
          returned: always
          type: float
          sample: null
        CompressionRatio:
          description: Archive size divided by the size of its content (2 decimals).
          returned: always
          type: float
          sample: null
        SHA256:
          description: SHA256 of the archive (as in its C(.sha256) sidecar).
          returned: always
          type: str
          sample: null
        ArchiveIntegrityVerified:
          description: Every entry was checked against the manifest before the archive was published.
          returned: always
          type: bool
          sample: null
    ValidationResults:
      description: The spec's checklists.
      returned: always
      type: dict
      contains:
        PreBackupChecks:
          description:
            - C(SufficientDiskSpace) (preflight free space), C(ServiceAccessible) (service found, run as administrator),
              C(NoActiveWorkflows) (no workflow ran when the service was stopped; V(null) in C(ConfigOnly), which
              never waits for workflows) and C(AllPathsExist) (every destination writable, no critical item missing).
            - V(null) for a check whose input was not given.
          returned: always
          type: dict
          sample: {SufficientDiskSpace: true, ServiceAccessible: true, NoActiveWorkflows: true, AllPathsExist: true}
        PostBackupChecks:
          description:
            - C(ArchiveCreated), C(ArchiveSizeValid), C(ChecksumGenerated), C(AllFilesIncluded); V(null) in the archive,
              filled in the copy beside it.
          returned: always
          type: dict
          sample: {ArchiveCreated: null, ArchiveSizeValid: null, ChecksumGenerated: null, AllFilesIncluded: null}
    EncryptionKeyWarning:
      description:
        - The spec's warning - C(Message), C(KeysFolder), C(Reference), C(Recommendation). The message says whether the
          archive holds the C(Keys) folder, the controller token, or neither.
      returned: always
      type: dict
      sample:
        Message: >-
          CRITICAL: Encryption keys backed up in Keys folder. Per Alteryx guidance, store backup archive containing Keys
          folder separately from regular backups in secure location.
        KeysFolder: C:\ProgramData\Alteryx\Keys\
        Reference: https://help.alteryx.com/current/en/server/install/server-host-recovery-guide/disaster-recovery-preparation.html
        Recommendation: Copy this backup archive to secure vault or offline storage with restricted access.
    Warnings:
      description: The O(warnings).
      returned: always
      type: list
      elements: str
      sample: []
    Errors:
      description: The O(errors), then a failed C(mongodb_dump) check.
      returned: always
      type: list
      elements: str
      sample: []
    Extensions:
      description: What alteryx.server records beyond the spec.
      returned: always
      type: dict
      contains:
        Producer:
          description: C(alteryx.server).
          returned: always
          type: str
          sample: alteryx.server
        RunId:
          description: O(run_id).
          returned: always
          type: str
          sample: 20240131020000-d9b08da2
        InstallPath:
          description: Alteryx installation folder.
          returned: always
          type: str
          sample: C:\Program Files\Alteryx
        NodeRoles:
          description: All roles of the node (C(controller), C(worker), C(ui)).
          returned: always
          type: list
          elements: str
          sample: [controller, worker, ui]
        ServiceLogonAccount:
          description: Account the service logs on as (also in C(DatabaseOnly)).
          returned: always
          type: str
          sample: CORP\svc-alteryx
        RunAsUser:
          description: Worker Run As user; empty when none.
          returned: always
          type: str
          sample: CORP\svc-runas
        StorageKeysPresent:
          description: RuntimeSettings.xml holds encrypted storage keys (a restore needs the same controller token).
          returned: always
          type: bool
          sample: true
        SecretsEncryption:
          description:
            - How C(Secrets/) is encrypted - C(Format) (C(CMS EnvelopedData (AES-256-CBC, RSA key transport))),
              C(Recipient) (C(Subject), C(Thumbprint) as Windows shows it, C(NotAfter)) and C(Files) (the C(.cms)
              entries). Null when the secrets are in plaintext or not exported.
          returned: always
          type: dict
          sample:
            Format: CMS EnvelopedData (AES-256-CBC, RSA key transport)
            Recipient: {Subject: CN=alteryx-backup-secrets, Thumbprint: 3F1C0B6D4E2A99D1C0B6D4E2A99D1C0B6D4E2A99,
                        NotAfter: "2036-01-14T02:00:15Z"}
            Files: [Secrets/ControllerToken.cms, Secrets/MongoPasswords.cms]
        MongoDB:
          description:
            - C(DataPath), C(Databases) (each C(Name) and C(Collections) of C(Name), C(Documents), C(Bytes)) and
              C(DumpFiles) (each C(RelativePathInArchive), C(SizeBytes), C(SHA256)).
          returned: always
          type: dict
          sample:
            DataPath: C:\ProgramData\Alteryx\Service\Persistence\MongoDB
            Databases:
              - Name: AlteryxGallery
                Collections:
                  - {Name: users, Documents: 60, Bytes: 30092}
            DumpFiles:
              - RelativePathInArchive: MongoDB/AlteryxGallery/users.bson
                SizeBytes: 30092
                SHA256: 394b4a6d0de9d5fe422d6af16b4df2dbf7c6acd137036a3d716d91f015ec943e
        ValidationChecks:
          description: The C(mongodb_dump) check, then the O(validation_results), as C(Check), C(Passed), C(Detail).
          returned: always
          type: list
          elements: dict
          sample:
            - {Check: mongodb_dump, Passed: true, Detail: "3 database(s), 29 collection(s), 59 file(s)"}
        ArchiveSizeBytes:
          description: V(null) in the archive; the archive's size in bytes in the copy beside it.
          returned: always
          type: int
          sample: null
path:
  description: Where the manifest is (or in check mode would be) written.
  returned: success, and on a C(mongodb) failure
  type: str
  sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\BackupManifest.json
sha256:
  description: SHA256 of the written file, lower-case hex.
  returned: success, not in check mode
  type: str
  sample: 5d41402abc4b2a76b9719d911017c592ae2c2d5bb1b1e4e5a0c5f3e43f1a2b3c
signature:
  description: Whether the manifest was signed, and with which key.
  returned: success
  type: dict
  contains:
    signed:
      description: Whether O(signing_key) was set and the signature written (in check mode, would be).
      returned: success
      type: bool
      sample: true
    key_id:
      description: First 16 hex digits of the SHA256 of the raw public key; empty when not signed.
      returned: success
      type: str
      sample: 3f9a6c1e0b27d4e8
    path:
      description: Where C(BackupManifest.json.sig) is (or would be) written; empty when not signed.
      returned: success
      type: str
      sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\BackupManifest.json.sig
log:
  description:
    - Run log entries of this step; M(alteryx.server.alteryx_finalize) writes them to the host log file.
    - An C(ERROR) entry for a failed C(mongodb_dump) check, then an C(INFO) summary.
  returned: success
  type: list
  elements: dict
  contains:
    time:
      description: Controller local time of the entry, C(yyyy-MM-dd HH:mm:ss).
      returned: success
      type: str
      sample: "2024-01-31 02:03:31"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: success
      type: str
      sample: INFO
    message:
      description: What happened.
      returned: success
      type: str
      sample: Manifest lists 8 file/folder entries and 59 MongoDB dump file(s), 1.2 MB of database
failure_class:
  description:
    - Kind of failure - C(validation) (the manifest does not match the schema, or a step result passed in lacks a key),
      C(mongodb) (the mode includes the database but nothing was dumped), C(invalid_mode) (unknown O(mode)),
      C(storage) (the file could not be written) or C(general). A O(signing_key) that cannot be read or used
      fails with C(validation) before anything is written.
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
