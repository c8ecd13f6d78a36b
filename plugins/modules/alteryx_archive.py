#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_archive
short_description: Zip, verify and publish a backup archive, locally and to network folders
version_added: 0.1.0
description:
  - Runs as B(one detached job) on the node - zips the staging folder O(staging_path) with .NET C(ZipFile)
    (streamed, Zip64, no 2 GB limit) to C(<local_dir>\<archive_name>.partial).
  - Verifies the archive before publishing it - C(BackupManifest.json) must be in it, every file the manifest
    lists (C(BackedUpFiles) and C(Extensions.MongoDB.DumpFiles), by C(RelativePathInArchive)) must be in it with the
    manifest's SHA256, every folder entry must hold its C(FileCount) files, and the archive must be at least
    O(min_bytes) large. A mismatch fails with RV(failure_class=validation).
  - Publishes atomically - renames the C(.partial) file to O(archive_name), writes the checksum sidecar
    C(<archive_name>.sha256) (C(<sha256>  <name>), as C(sha256sum) writes it) and, with O(manifest), a copy of the
    manifest C(<archive_name>.manifest.json) whose archive-level values are filled in (C(ArchiveInformation.SHA256)
    equal to the sidecar's, C(ArchiveSizeMB), C(CompressionRatio), C(ArchiveIntegrityVerified),
    C(BackupMetadata.BackupCompletionTimestamp) and C(DurationSeconds) - measured up to the verification of the
    archive -, the C(PostBackupChecks) and C(Extensions.ArchiveSizeBytes)).
  - Then copies the archive (as C(.partial), hash-checked, renamed), its sidecar and the manifest copy to every
    O(destinations) folder - one try, then up to O(retries) more, O(retry_delay) seconds apart (spec - 3 retries,
    30 s apart).
  - A destination that still fails after its last try gets a warning - whatever this run put there is removed, it
    is reported in RV(copies) with C(verified=false) and its C(error) and counted in RV(destinations_failed); the
    local archive and the other destinations are kept and the task succeeds.
  - Any other failure is all or nothing - every file this run published is removed again and the task fails
    with RV(failure_class=storage) (the local archive could not be written) or RV(failure_class=validation).
  - Module round trips - one C(ansible.windows.win_powershell) call starts the job, then one
    C(ansible.windows.async_status) call every O(poll_interval) seconds until it finishes, plus one to clean up
    the job. Up to two failed polls in a row are retried (and reported in RV(warnings)); a third fails the
    task with RV(failure_class=general) while the job keeps running on the node. A job that runs longer than
    O(timeout) fails with RV(failure_class=service_timeout).
  - The service is not touched.
options:
  staging_path:
    description:
      - Staging folder to zip; it must contain C(BackupManifest.json) (see M(alteryx.server.alteryx_manifest)).
    type: str
    required: true
    version_added: 0.1.0
  local_dir:
    description:
      - Folder on the node the archive and its sidecar are published to.
    type: str
    required: true
    version_added: 0.1.0
  archive_name:
    description:
      - File name of the archive, normally RV(alteryx.server.alteryx_backup_plan#module:archive_name).
    type: str
    required: true
    version_added: 0.1.0
  destinations:
    description:
      - Folders that receive a copy of the archive and its sidecar, used as given (normally
        RV(alteryx.server.alteryx_backup_plan#module:destinations), which already holds one sub-folder per node).
      - Missing folders are created.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  retries:
    description:
      - Copy tries per destination B(after the first one), so the default makes up to 4 tries. V(0) makes one try.
      - Before this collection version counted the first try in; the role's C(alteryx_backup_copy_retries) has the
        meaning of this option.
    type: int
    default: 3
    version_added: 0.1.0
  retry_delay:
    description:
      - Seconds between two copy tries.
    type: int
    default: 30
    version_added: 0.1.0
  min_bytes:
    description:
      - Smallest plausible archive size in bytes (normally RV(alteryx.server.alteryx_backup_plan#module:min_bytes));
        a smaller archive is probably incomplete and fails with RV(failure_class=validation).
    type: int
    default: 0
    version_added: 0.1.0
  lock_path:
    description:
      - The run's lock file (normally RV(alteryx.server.alteryx_backup_plan#module:lock_path)). When set, the
        archive is published only while the lock names O(run_id), checked before the first rename and after the
        last copy, so a run cancelled meanwhile (its cleanup released the lock) publishes nothing.
    type: str
    default: ""
    version_added: 0.1.0
  run_id:
    description: Id of the run that must own O(lock_path).
    type: str
    default: ""
    version_added: 0.1.0
  manifest:
    description:
      - The manifest of the run, RV(alteryx.server.alteryx_manifest#module:manifest). When given, a copy with the
        archive-level values filled in is published beside the archive and each of its copies as
        C(<archive_name>.manifest.json); when empty, no copy is published.
    type: dict
    default: {}
    version_added: 0.1.0
  manifest_from:
    description:
      - The name of the variable the manifest step registered, read as it is instead of O(manifest) (which then is
        not used). Templating a manifest into an argument makes Ansible walk each of its entries once per task,
        seconds of controller CPU for a dump of 10,000 MongoDB collections. This is how the backup role passes it.
      - An undefined or skipped result counts as no manifest.
    type: str
    default: ''
    version_added: 0.1.0
  restrict_acls:
    description:
      - Give the local archive (from the moment its C(.partial) file is created, before a byte is written into it; the
        rename keeps it), its C(.sha256) sidecar and the manifest copy an ACL limited to Administrators, SYSTEM and
        the account the run uses. When it cannot be set the step fails with RV(failure_class=storage) and nothing
        stays published.
      - Network destinations are never changed - their copies inherit the share's permissions.
      - See C(docs/security.md).
    type: bool
    default: true
    version_added: 0.1.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - alteryx.server.job
attributes:
  action:
    support: full
  async:
    support: none
    details:
      - The task keyword C(async) is rejected; the module already runs its host work as a detached job, bounded
        by O(timeout).
  bypass_host_loop:
    support: none
  check_mode:
    support: partial
    details:
      - Check mode does not contact the node - nothing is zipped, verified or copied. The task reports
        C(changed=true) and lists in RV(msg) the paths that would be published; RV(archive) holds only
        C(path), RV(copies) and RV(published) are empty and RV(destinations_failed) is V(0).
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_manifest
  - module: alteryx.server.alteryx_retention
  - module: alteryx.server.alteryx_finalize
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Create, verify and publish the archive
  alteryx.server.alteryx_archive:
    staging_path: "{{ backup_plan.staging_path }}"
    local_dir: "{{ backup_plan.local_dir }}"
    archive_name: "{{ backup_plan.archive_name }}"
    destinations: "{{ backup_plan.destinations }}"
    min_bytes: "{{ backup_plan.min_bytes }}"
    # The registered manifest result, by its variable's name: not templated, however many entries it has.
    manifest_from: manifest
  register: archive

- name: Say when a network destination did not get its copy
  ansible.builtin.debug:
    msg: "{{ archive.destinations_failed }} destination(s) failed: {{ archive.warnings | join('; ') }}"
  when: archive.destinations_failed > 0

- name: Publish to a slow share with more patience
  alteryx.server.alteryx_archive:
    staging_path: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging
    local_dir: D:\Alteryx\Backups
    archive_name: ServerBackup_Full_20240131_020000.zip
    destinations:
      - \\nas01\backups\alteryx\controller1
    retries: 5
    retry_delay: 120
    timeout: 43200
    poll_interval: 30
"""

RETURN = r"""
archive:
  description: The local archive.
  returned: success
  type: dict
  contains:
    path:
      description: Full path of the archive (the only key in check mode).
      returned: always
      type: str
      sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
    size:
      description: Size in bytes.
      returned: success, not in check mode
      type: int
      sample: 149414
    sha256:
      description: SHA256 of the archive, lower-case hex.
      returned: success, not in check mode
      type: str
      sample: cdc5c385c665aa44cf4e543e1afe0df96e629e195d6ac55989ec74e1e8f192e0
    entries:
      description: Number of entries in the zip, the manifest included.
      returned: success, not in check mode
      type: int
      sample: 30
sidecar:
  description: Full path of the local checksum sidecar.
  returned: success, not in check mode
  type: str
  sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip.sha256
manifest_copy:
  description:
    - The local manifest copy C(<archive>.manifest.json) as written to disk - what
      M(alteryx.server.alteryx_cloud_upload) takes as its O(alteryx.server.alteryx_cloud_upload#module:manifest_copy).
  returned: success, not in check mode
  type: dict
  contains:
    path:
      description: Full path; empty when O(manifest) was not given (then no copy is written).
      returned: always
      type: str
      sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip.manifest.json
    size:
      description: Size in bytes; 0 without a copy.
      returned: always
      type: int
      sample: 5120
    sha256:
      description: SHA256 of the file (lower-case hex); empty without a copy.
      returned: always
      type: str
      sample: 0f343b0931126a20f133d67c2b018a3b5e1c6c1e0a3f2a5e7a1f0e3f8a9e1c2d
destinations_failed:
  description: Number of O(destinations) that did not get a copy (each also in RV(copies) and RV(warnings)).
  returned: success
  type: int
  sample: 0
copies:
  description: One entry per O(destinations) folder, in order; empty in check mode.
  returned: success
  type: list
  elements: dict
  contains:
    path:
      description: Full path of the copy.
      returned: always
      type: str
      sample: \\nas01\backups\alteryx\controller1\ServerBackup_Full_20240131_020000.zip
    sha256:
      description: SHA256 of the copy (equal to RV(archive.sha256)); empty when the copy failed.
      returned: always
      type: str
      sample: cdc5c385c665aa44cf4e543e1afe0df96e629e195d6ac55989ec74e1e8f192e0
    attempts:
      description: Try that succeeded, or the number of tries made when all failed.
      returned: always
      type: int
      sample: 1
    verified:
      description: The copy's hash was checked before it was renamed into place; V(false) when every try failed.
      returned: always
      type: bool
      sample: true
    error:
      description: Why the last try failed; empty for a good copy.
      returned: always
      type: str
      sample: ""
published:
  description:
    - Every file this run published and left in place - the archive, its sidecar and manifest copy, and the same
      three in each destination that got them.
    - Pass it to O(alteryx.server.alteryx_finalize#module:unpublish) when a later step of the run fails.
  returned: success
  type: list
  elements: str
  sample:
    - D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
    - D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip.sha256
    - D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip.manifest.json
warnings:
  description:
    - One per destination that did not get its copy, then warnings of the host job and of polls of the job that
      failed and were retried.
    - Each is also in RV(log) as a C(WARNING) entry, and Ansible displays them as task warnings.
  returned: success, not in check mode
  type: list
  elements: str
  sample:
    - "poll of job j518412376512.4711 failed and was retried: WinRM operation timed out"
attempts_log:
  description: One line per copy try.
  returned: success (not in check mode), and on failure
  type: list
  elements: str
  sample:
    - "copy to \\\\nas01\\backups\\alteryx\\controller1 succeeded on attempt 1"
msg:
  description: What would be published.
  returned: check mode
  type: str
  sample: Would create and publish D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
ansible_job_id:
  description: Id of the detached job that did not finish within O(timeout), or that the controller lost track of.
  returned: when the job timed out or could not be polled
  type: str
  sample: j518412376512.4711
log:
  description:
    - Run log entries of this step; M(alteryx.server.alteryx_finalize) writes them to the host log file.
    - One C(WARNING) entry per RV(warnings) item, one entry per line of RV(attempts_log) (C(WARNING) for failed
      attempts) and a C(SUCCESS) summary; on failure the RV(attempts_log) lines as C(WARNING) and a final
      C(ERROR) entry.
  returned: always
  type: list
  elements: dict
  contains:
    time:
      description: Controller local time of the entry, C(yyyy-MM-dd HH:mm:ss).
      returned: always
      type: str
      sample: "2024-01-31 02:04:10"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: always
      type: str
      sample: SUCCESS
    message:
      description: What happened.
      returned: always
      type: str
      sample: "Archive D:\\Alteryx\\Backups\\ServerBackup_Full_20240131_020000.zip (149414 bytes, sha256 cdc5c385...) verified
        against 29 manifest entries and published to 2 location(s)"
failure_class:
  description:
    - Kind of failure - C(validation) (archive does not match its manifest, or is smaller than O(min_bytes)),
      C(storage) (the local archive, its sidecar or manifest copy could not be written; a failed destination is
      only a warning),
      C(service_timeout) (the job ran longer than O(timeout)) or C(general) (for example the connection was lost,
      or three polls of the job failed in a row).
    - Not set when the task arguments themselves are invalid.
  returned: failure
  type: str
  sample: storage
exit_code:
  description:
    - Exit code for wrappers, matching RV(failure_class) - 1 general, 2 service_timeout, 3 validation,
      4 storage, 5 mongodb, 6 invalid_mode.
  returned: failure
  type: int
  sample: 4
"""
