#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_backup_plan
short_description: Validate the backup settings and mode and name everything a backup run creates
version_added: 0.1.0
description:
  - Checks every backup setting (O(settings)) and the backup mode and computes, before anything happens on the
    node, every name and path one backup run uses - run id, archive name, staging folder, MongoDB dump folder, lock file, host log file
    and the network destinations - plus what the mode includes and the smallest plausible archive size.
  - Runs entirely on the controller and needs no connection to the node; it makes B(no) module round trips
    and never touches the node or C(AlteryxService).
  - Names embed the B(controller's) local wall-clock time as C(YYYYMMDD_HHmmss), for example
    C(ServerBackup_Full_20240131_020000.zip). M(alteryx.server.alteryx_retention) parses these names back.
  - Invalid settings fail with RV(failure_class=validation) and RV(exit_code=3). All problems are reported together
    in one message, one line per setting that names the role variable, the value given, what is wrong and what
    is allowed.
  - An unknown O(mode) with otherwise valid settings fails with RV(failure_class=invalid_mode) and RV(exit_code=6).
options:
  mode:
    description:
      - What to back up. One of C(Full) (MongoDB dump and critical files), C(DatabaseOnly) (MongoDB dump only)
        or C(ConfigOnly) (critical files only; the service keeps running).
      - The short forms C(DB) and C(Config) are accepted too; case and surrounding blanks are ignored.
      - The result's RV(mode) is always the canonical name.
    type: str
    required: true
    version_added: 0.1.0
  local_dir:
    description:
      - Folder on the node where archives are written and kept, for example C(D:\Alteryx\Backups).
      - The staging folder, the lock file C(.alteryx_backup.lock) and, unless O(log_dir) is set, the C(Logs)
        folder are placed in it.
      - Checked as C(local_path) of O(settings), which takes precedence when it holds C(local_path). One of the two
        is required.
    type: str
    default: ""
    version_added: 0.1.0
  network_paths:
    description:
      - UNC folders that receive a copy of the archive.
      - Each becomes one entry of RV(destinations) with O(host_folder) appended, so nodes of a fleet never
        write into the same folder.
      - Checked as C(network_paths) of O(settings), which takes precedence when it holds C(network_paths).
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  log_dir:
    description:
      - Folder on the node for the host log file C(BackupLog_{Mode}_YYYYMMDD_HHmmss.log).
      - An empty string means C(Logs) under O(local_dir).
      - Checked as C(log_path) of O(settings), which takes precedence when it holds C(log_path).
    type: str
    default: ""
    version_added: 0.1.0
  host_folder:
    description:
      - Name of the sub-folder created under every entry of O(network_paths) for this node; may hold one
        C(\\) to nest it (C(<cluster>\\<host>)).
      - The C(alteryx.server.backup) role passes C(<alteryx_cluster>\\<inventory_hostname>) when the node names its
        cluster, else C(inventory_hostname).
    type: str
    required: true
    version_added: 0.1.0
  min_bytes:
    description:
      - Smallest plausible archive size in bytes per mode; a smaller archive is treated as incomplete by
        M(alteryx.server.alteryx_archive).
      - Keys are modes or their short forms (C(Full), C(DatabaseOnly) or C(DB), C(ConfigOnly) or C(Config)),
        values integers. Given keys are merged over the built-in thresholds C(Full=102400),
        C(DatabaseOnly=51200) and C(ConfigOnly=1024).
      - Checked as C(min_archive_bytes) of O(settings), which takes precedence when it holds C(min_archive_bytes).
        An unknown key or a value that is not a whole number from 0 to 1099511627776 (1 TiB) fails with
        RV(failure_class=validation).
    type: dict
    default: {}
    version_added: 0.1.0
  settings_from_vars:
    description:
      - Settings (keys of O(settings)) to read from the task's variables C(alteryx_backup_<key>), each templated
        once here. This is how the backup role passes its settings, with one template per setting and node instead of
        two (the argument's and the variable's). Undefined variables are left out; a key also in O(settings) takes
        the value there.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  settings:
    description:
      - The backup role's settings, keyed by the role variable name without C(alteryx_backup_); every key is
        optional and only the keys given are checked and returned in RV(settings). An unknown key is refused.
      - Whole numbers follow Ansible's C(int) convention (C(2), C(2.0) and C("2") are 2; C(1.5), C("abc") and
        booleans are refused); numbers Ansible's C(float) convention without booleans, NaN or infinities;
        booleans Ansible's spellings (C(true)/C(false), C(yes)/C(no), C(on)/C(off), C(1)/C(0)).
      - C(mode) - passed through untouched; O(mode) is what is checked.
      - C(local_path) - absolute folder on a drive of the node (C(D:\Alteryx\Backups)); not a UNC path, not
        relative (C(Backups), C(.\Backups), C(D:Backups)), no C(.) or C(..) segments, no characters Windows
        forbids (angle brackets, colon, double quote, pipe, question mark, asterisk), no reserved device names
        or 8.3 short names, at most 150 characters, and not inside C(C:\ProgramData\Alteryx),
        C(C:\Program Files) (and its x86 twin, both holding C(C:\Program Files\Alteryx)) or C(C:\Windows).
        C(/) becomes C(\) and a trailing C(\) is dropped.
      - C(log_path) - like C(local_path), or empty for C(Logs) under it.
      - "C(temp_path) - like C(local_path), or empty: the parent of the staging folder (the spec's C(TempDirectory))."
      - C(network_paths) - list of UNC folders C(\\server\share[\folder]) (not drive-letter paths), each
        at most 150 characters, none listed twice.
      - C(retention_days) - one integer for every mode, or a mapping of C(Full), C(DatabaseOnly) (C(DB)),
        C(ConfigOnly) (C(Config)) to integers merged over C(Full=30), C(DatabaseOnly=7), C(ConfigOnly=14);
        0 to 36500 days. A string such as C("30") is refused.
      - C(min_archive_bytes) - mapping of mode to a whole number of bytes, as O(min_bytes).
      - C(min_keep) 1 to 1000; C(copy_retries) 1 to 100; C(copy_retry_delay) 0 to 3600 seconds;
        C(max_workflow_wait) 0 to 604800 seconds (7 days); C(max_service_wait) and C(lock_stale_seconds)
        1 to 604800 seconds; C(step_timeout) 1 to 86400 seconds (1 day); C(job_timeout) 60 to 2592000 seconds
        (30 days) and at least C(max_workflow_wait + 2 x max_service_wait + 300) when all three are given;
        C(poll_interval) 0.1 to 300 seconds; C(free_space_factor) 1 to 100.
      - C(force_stop_workflows), C(keys_required), C(export_secrets), C(secrets_plaintext_allowed) - booleans.
      - C(secrets_recipient) - the certificate the exported secrets are encrypted to, a path on the controller
        (relative to the playbook) or the PEM text; the plan reads it and refuses an unreadable, non-RSA or expired
        one. Without it a Full or ConfigOnly run that exports secrets needs C(secrets_plaintext_allowed=true).
      - C(service_name) - the Windows service name, up to 256 characters without C(\) or C(/).
      - C(restrict_acls) - boolean; host-side ACLs on the staging folder, local archives and the host log
        (C(docs/security.md)).
    type: dict
    default: {}
    version_added: 0.1.0
  signing_key:
    description:
      - Path on the B(controller) to the PEM Ed25519 private key the manifest step will sign with
        (M(alteryx.server.alteryx_manifest) O(alteryx.server.alteryx_manifest#module:signing_key)). The plan loads it
        - readable, a PEM private key, Ed25519, O(signing_key_passphrase) right - so that a key that cannot be used
        fails with RV(failure_class=validation) before anything on a node is touched. The key is not returned.
      - A relative path is looked up as Ansible looks up files (the playbook folder first).
      - Empty (the default) - no signing; nothing is checked.
    type: str
    default: ""
    version_added: 0.1.0
  signing_key_passphrase:
    description: Passphrase of an encrypted O(signing_key); never returned or logged.
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
    support: full
    details:
      - The plan is pure computation on the controller, so check mode returns the same keys as a normal run
        (with a fresh RV(run_id) each time) and reports C(changed=false) in both.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - The result does not include a C(log) list; nothing is written to the node.
seealso:
  - module: alteryx.server.alteryx_preflight
  - module: alteryx.server.alteryx_archive
  - module: alteryx.server.alteryx_retention
  - module: alteryx.server.alteryx_finalize
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Plan a Full backup of this node
  alteryx.server.alteryx_backup_plan:
    mode: Full
    local_dir: D:\Alteryx\Backups
    network_paths:
      - \\nas01\backups\alteryx
    host_folder: "{{ inventory_hostname }}"
  register: backup_plan

- name: Check every backup setting, then plan the run
  alteryx.server.alteryx_backup_plan:
    mode: "{{ alteryx_backup_mode }}"
    host_folder: "{{ inventory_hostname }}"
    settings:
      local_path: D:\Alteryx\Backups
      retention_days: 14
      max_workflow_wait: 1800
      max_service_wait: 600
      job_timeout: 7200
  register: backup_plan

- name: Check the settings the play's alteryx_backup_* variables hold, then plan the run
  alteryx.server.alteryx_backup_plan:
    mode: "{{ alteryx_backup_mode }}"
    host_folder: "{{ inventory_hostname }}"
    settings_from_vars: [local_path, network_paths, retention_days, min_keep]
  register: backup_plan

- name: Plan a database-only backup with a custom log folder and size threshold
  alteryx.server.alteryx_backup_plan:
    mode: DB
    local_dir: D:\Alteryx\Backups
    log_dir: D:\Alteryx\Logs
    host_folder: "{{ inventory_hostname }}"
    min_bytes:
      DatabaseOnly: 1048576
  register: backup_plan

- name: Show where the archive will be written
  ansible.builtin.debug:
    msg: "{{ backup_plan.local_dir }}\\{{ backup_plan.archive_name }}"
"""

RETURN = r"""
mode:
  description: Canonical backup mode.
  returned: success
  type: str
  sample: Full
run_id:
  description: Unique id of this run, C(YYYYMMDDHHmmss-<8 hex digits>); the lock file records it.
  returned: success
  type: str
  sample: 20240131020000-d9b08da2
started:
  description: Start time of the run (controller local time, ISO 8601 without offset).
  returned: success
  type: str
  sample: "2024-01-31T02:00:00"
archive_name:
  description: File name of the archive, C(ServerBackup_{Full|DB|Config}_YYYYMMDD_HHmmss.zip).
  returned: success
  type: str
  sample: ServerBackup_Full_20240131_020000.zip
staging_path:
  description: Work folder on the node that is zipped into the archive (removed by M(alteryx.server.alteryx_finalize)).
  returned: success
  type: str
  sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging
dump_path:
  description: Folder under RV(staging_path) for the MongoDB dump; empty when the mode has no dump (C(ConfigOnly)).
  returned: success
  type: str
  sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\MongoDB
lock_path:
  description: Host-side lock file that keeps two runs on the same node apart.
  returned: success
  type: str
  sample: D:\Alteryx\Backups\.alteryx_backup.lock
window_path:
  description: Marker file that exists while the run's dump window job runs on the host.
  returned: success
  type: str
  sample: D:\Alteryx\Backups\.alteryx_backup.lock.window
log_path:
  description: Host log file written by M(alteryx.server.alteryx_finalize).
  returned: success
  type: str
  sample: D:\Alteryx\Backups\Logs\BackupLog_Full_20240131_020000.log
local_dir:
  description: The O(local_dir) given.
  returned: success
  type: str
  sample: D:\Alteryx\Backups
destinations:
  description: Network folders that receive a copy, one per O(network_paths) entry with O(host_folder) appended.
  returned: success
  type: list
  elements: str
  sample:
    - \\nas01\backups\alteryx\controller1
archive_paths:
  description:
    - Every file the archive step may publish - the archive and its C(.sha256) sidecar in RV(local_dir) and in
      each of RV(destinations). A failed run removes them when the archive step's result never arrived.
  returned: success
  type: list
  elements: str
  sample:
    - D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
    - D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip.sha256
includes_dump:
  description: Whether the mode includes a MongoDB dump (C(Full) and C(DatabaseOnly)).
  returned: success
  type: bool
  sample: true
includes_files:
  description: Whether the mode includes the critical files (C(Full) and C(ConfigOnly)).
  returned: success
  type: bool
  sample: true
stops_service:
  description: Whether the run stops C(AlteryxService) for the dump (same as RV(includes_dump)).
  returned: success
  type: bool
  sample: true
min_bytes:
  description: Smallest plausible archive size in bytes for this mode, after merging O(min_bytes) over the defaults.
  returned: success
  type: int
  sample: 102400
min_bytes_files_only:
  description:
    - The ConfigOnly minimum after the same merge - what an archive that holds files only must reach (a worker
      or Server UI node in a Full backup).
  returned: success
  type: int
  sample: 1024
signing:
  description: The manifest signing key as the plan loaded it.
  returned: success
  type: dict
  contains:
    enabled:
      description: Whether O(signing_key) is set (the manifest will be signed).
      returned: always
      type: bool
      sample: true
    key_id:
      description: The key's id (first 16 hex digits of the SHA256 of its raw public key), or empty.
      returned: always
      type: str
      sample: 3f9a0c21d4e5b6a7
secrets:
  description: How this run treats the exported controller token and MongoDB passwords.
  returned: success
  type: dict
  contains:
    encrypted:
      description: Whether they are encrypted to a recipient certificate (CMS EnvelopedData).
      returned: always
      type: bool
      sample: true
    recipient:
      description: The certificate they are encrypted to - C(subject), C(thumbprint) (SHA-1, upper-case hex, as
        Windows shows it) and C(not_after) (UTC); null without one.
      returned: always
      type: dict
      sample: {subject: CN=alteryx-backup-secrets, thumbprint: 3F1C0B6D4E2A99D1C0B6D4E2A99D1C0B6D4E2A99,
               not_after: "2036-01-14T02:00:15Z"}
    plaintext_allowed:
      description: Whether plaintext export was explicitly allowed.
      returned: always
      type: bool
      sample: false
    refusal:
      description:
        - Non-empty when a controller of this run would export secrets with no recipient and plaintext not allowed -
          the validation message (how to make a key pair, where to keep the private key). The backup role fails
          such a controller with it before anything stops.
      returned: always
      type: str
      sample: ""
    warning:
      description: The warning given when secrets go into the archive in plaintext by choice; empty otherwise.
      returned: always
      type: str
      sample: ""
settings:
  description:
    - The checked settings with their normalized types and values - O(settings) merged over O(local_dir),
      O(network_paths), O(log_dir) and O(min_bytes). Keys not given in O(settings) are absent, except the four
      that those options supply.
  returned: success
  type: dict
  contains:
    mode:
      description: The C(mode) given in O(settings), untouched.
      returned: when given
      type: str
      sample: Full
    local_path:
      description: Backup folder on the node, C(/) turned into C(\), no trailing C(\) (except a drive root).
      returned: success
      type: str
      sample: D:\Alteryx\Backups
    network_paths:
      description: Normalized UNC folders.
      returned: success
      type: list
      elements: str
      sample:
        - \\nas01\backups\alteryx
    log_path:
      description: Host log folder, normalized as RV(settings.local_path); empty means C(Logs) under it.
      returned: success
      type: str
      sample: D:\Alteryx\Logs
    temp_path:
      description: Parent of the staging folder, normalized as RV(settings.local_path); empty means the local path.
      returned: success
      type: str
      sample: D:\Temp
    min_archive_bytes:
      description: Smallest plausible archive per mode, merged over the defaults; every mode present.
      returned: success
      type: dict
      sample: {Full: 102400, DatabaseOnly: 51200, ConfigOnly: 1024}
    retention_days:
      description: Days to keep archives per mode, merged over the defaults; every mode present.
      returned: when given
      type: dict
      sample: {Full: 30, DatabaseOnly: 7, ConfigOnly: 14}
    min_keep:
      description: Newest archives of each mode that retention always keeps.
      returned: when given
      type: int
      sample: 1
    max_workflow_wait:
      description: Seconds to wait for running workflows.
      returned: when given
      type: int
      sample: 3600
    max_service_wait:
      description: Seconds to wait for the service to stop or start.
      returned: when given
      type: int
      sample: 7200
    force_stop_workflows:
      description: Whether workflows still running after the wait are stopped.
      returned: when given
      type: bool
      sample: false
    copy_retries:
      description: Tries per network destination.
      returned: when given
      type: int
      sample: 3
    copy_retry_delay:
      description: Seconds between tries.
      returned: when given
      type: int
      sample: 30
    free_space_factor:
      description: Free space needed on the local path as a multiple of the MongoDB data size.
      returned: when given
      type: float
      sample: 2.0
    keys_required:
      description: Whether a missing C(C:\ProgramData\Alteryx\Keys) fails the run.
      returned: when given
      type: bool
      sample: false
    export_secrets:
      description: Whether the controller token and MongoDB passwords are exported.
      returned: when given
      type: bool
      sample: true
    secrets_recipient:
      description: The certificate setting as given (a path on the controller or PEM text), or empty.
      returned: when given
      type: str
      sample: /etc/alteryx/alteryx-secrets.crt
    secrets_plaintext_allowed:
      description: Whether secrets may be exported in plaintext when no recipient is set.
      returned: when given
      type: bool
      sample: false
    lock_stale_seconds:
      description: Age after which a lock belongs to an interrupted run.
      returned: when given
      type: int
      sample: 900
    job_timeout:
      description: Upper bound in seconds for one detached host job.
      returned: when given
      type: int
      sample: 21600
    step_timeout:
      description: Upper bound in seconds of every short host call.
      returned: when given
      type: int
      sample: 1800
    poll_interval:
      description: Seconds between polls of a detached host job.
      returned: when given
      type: float
      sample: 5.0
    service_name:
      description: Name of the Alteryx Windows service, without surrounding blanks.
      returned: when given
      type: str
      sample: AlteryxService
    restrict_acls:
      description: Whether the staging folder, local archives and host log get ACLs limited to the administrators.
      returned: when given
      type: bool
      sample: true
failure_class:
  description:
    - Kind of failure - C(validation) (a setting is invalid; nothing was done) or C(invalid_mode) (unknown
      O(mode)).
    - Not set when the task arguments themselves are invalid.
  returned: failure
  type: str
  sample: invalid_mode
exit_code:
  description:
    - Exit code for wrappers, matching RV(failure_class) - 1 general, 2 service_timeout, 3 validation,
      4 storage, 5 mongodb, 6 invalid_mode.
  returned: failure
  type: int
  sample: 3
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
      sample: "2024-01-31 02:00:02"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: success
      type: str
      sample: INFO
    message:
      description: What happened.
      returned: success
      type: str
      sample: "Preflight passed: 214748364800 bytes free, 2097210 needed; 1 network destination(s) writable"
"""
