#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_manifest
short_description: Build, validate and write the BackupManifest.json of a backup run
version_added: 0.1.0
description:
  - Builds on the controller the manifest that goes into every archive - backup metadata, system information,
    MongoDB information with the dumped databases, every backed-up file with its size and SHA256, which
    controller secrets are included, validation results, warnings and errors.
  - Validates the manifest against the collection's JSON schema; a manifest that does not match fails with
    RV(failure_class=validation) before anything is written.
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
      - File name of the archive, normally RV(alteryx.server.alteryx_backup_plan#module:archive_name).
    type: str
    required: true
    version_added: 0.1.0
  run_id:
    description:
      - Id of the run, recorded as C(BackupMetadata.BackupId).
    type: str
    required: true
    version_added: 0.1.0
  started:
    description:
      - Start time of the run, ISO 8601 (RV(alteryx.server.alteryx_backup_plan#module:started)); the duration in
        the manifest is measured from it.
    type: str
    required: true
    version_added: 0.1.0
  facts:
    description:
      - The RV(alteryx.server.alteryx_facts#module:alteryx_server) dictionary of the node.
    type: dict
    required: true
    version_added: 0.1.0
  dump:
    description:
      - The registered result of M(alteryx.server.alteryx_emongodump); its RV(alteryx.server.alteryx_emongodump#module:files)
        become C(mongodb) entries under C(MongoDB/) and its RV(alteryx.server.alteryx_emongodump#module:databases)
        the manifest's database list.
      - An empty dictionary means the run has no dump.
    type: dict
    default: {}
    version_added: 0.1.0
  files:
    description:
      - Staged files, normally RV(alteryx.server.alteryx_critical_files#module:files); each needs C(archive_path),
        C(source_path), C(size), C(sha256) and C(category).
    type: list
    elements: dict
    default: []
    version_added: 0.1.0
  secrets_exported:
    description:
      - RV(alteryx.server.alteryx_critical_files#module:secrets_exported); selects the manifest's
        C(EncryptionKeyWarning).
    type: dict
    default: {}
    version_added: 0.1.0
  validation_results:
    description:
      - Checks to record, each with C(check) (name), C(passed) (bool) and optionally C(detail).
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
        but does not contact the node or write the file; C(changed) is V(true) and RV(sha256) is not returned.
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_emongodump
  - module: alteryx.server.alteryx_critical_files
  - module: alteryx.server.alteryx_archive
author:
  - alteryx.server maintainers
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
    dump: "{{ dump }}"
    files: "{{ critical_files.files }}"
    secrets_exported: "{{ critical_files.secrets_exported }}"
    warnings: "{{ preflight.warnings + critical_files.warnings }}"
    validation_results:
      - check: preflight
        passed: true
        detail: "{{ preflight.preflight.free_bytes }} bytes free"

- name: Write the manifest of a config-only run
  alteryx.server.alteryx_manifest:
    staging_path: D:\Alteryx\Backups\ServerBackup_Config_20240131_020000.staging
    mode: ConfigOnly
    archive_name: ServerBackup_Config_20240131_020000.zip
    run_id: 20240131020000-d9b08da2
    started: "2024-01-31T02:00:00"
    facts: "{{ alteryx_server }}"
    files: "{{ critical_files.files }}"
"""

RETURN = r"""
manifest:
  description: The manifest written (in check mode, the one that would be written).
  returned: success
  type: dict
  contains:
    BackupMetadata:
      description: C(BackupId), C(BackupMode), C(ArchiveName), C(Timestamp), C(ComputerName), C(CollectionVersion), C(DurationSeconds).
      returned: always
      type: dict
      sample:
        BackupId: 20240131020000-d9b08da2
        BackupMode: Full
        ArchiveName: ServerBackup_Full_20240131_020000.zip
        Timestamp: "2024-01-31T02:00:00"
        ComputerName: ALTERYX01
        CollectionVersion: 0.1.0
        DurationSeconds: 212.431
    SystemInformation:
      description: C(AlteryxVersion), C(InstallPath), C(NodeRoles), C(ServiceLogonAccount), C(RunAsUser).
      returned: always
      type: dict
      sample:
        AlteryxVersion: 2023.1.1.247
        InstallPath: C:\Program Files\Alteryx
        NodeRoles: [controller, worker, ui]
        ServiceLogonAccount: CORP\svc-alteryx
        RunAsUser: CORP\svc-runas
    MongoDBInformation:
      description: C(Type), C(DataPath), C(Included) and C(Databases) (each with C(Name) and C(Collections) of C(Name), C(Documents), C(Bytes)).
      returned: always
      type: dict
      sample:
        Type: embedded
        DataPath: C:\ProgramData\Alteryx\Service\Persistence\MongoDB
        Included: true
        Databases:
          - Name: AlteryxGallery
            Collections:
              - {Name: users, Documents: 60, Bytes: 30092}
    BackedUpFiles:
      description: One entry per file in the archive besides the manifest, with C(ArchivePath), C(SourcePath), C(SizeBytes), C(SHA256), C(Category) (C(mongodb), C(config) or C(secret)).
      returned: always
      type: list
      elements: dict
      sample:
        - ArchivePath: Config/RuntimeSettings.xml
          SourcePath: C:\ProgramData\Alteryx\RuntimeSettings.xml
          SizeBytes: 819
          SHA256: 80e6e3cab0e43950d5f3b39b88799e88e231569d30826c6d7a8ec80c1976f4dd
          Category: config
    ControllerSettings:
      description: C(ServerSecretExported), C(MongoPasswordsExported), C(StorageKeysPresent).
      returned: always
      type: dict
      sample: {ServerSecretExported: true, MongoPasswordsExported: true, StorageKeysPresent: true}
    ArchiveInformation:
      description: C(Format) (C(zip)), C(Compression), C(FileCount) and C(TotalBytes) of RV(manifest.BackedUpFiles).
      returned: always
      type: dict
      sample: {Format: zip, Compression: Deflate, FileCount: 29, TotalBytes: 252848}
    ValidationResults:
      description: The O(validation_results), as C(Check), C(Passed), C(Detail).
      returned: always
      type: list
      elements: dict
      sample:
        - {Check: preflight, Passed: true, Detail: 214748364800 bytes free}
    EncryptionKeyWarning:
      description: What a restore onto a new controller needs, depending on whether the controller token is in the archive.
      returned: always
      type: str
      sample: Restoring this backup onto a new or rebuilt controller requires the controller token, which is stored in this archive under Secrets/; protect the archive like a password.
    Warnings:
      description: The O(warnings).
      returned: always
      type: list
      elements: str
      sample: []
    Errors:
      description: The O(errors).
      returned: always
      type: list
      elements: str
      sample: []
path:
  description: Where the manifest is (or in check mode would be) written.
  returned: success
  type: str
  sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\BackupManifest.json
sha256:
  description: SHA256 of the written file, lower-case hex.
  returned: success, not in check mode
  type: str
  sample: 5d41402abc4b2a76b9719d911017c592ae2c2d5bb1b1e4e5a0c5f3e43f1a2b3c
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
      sample: Manifest lists 29 file(s), 252848 bytes
failure_class:
  description:
    - Kind of failure - C(validation) (the manifest does not match the schema), C(invalid_mode) (unknown O(mode)),
      C(storage) (the file could not be written) or C(general).
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
