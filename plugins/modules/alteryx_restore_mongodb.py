#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_restore_mongodb
short_description: Restore the self-managed MongoDB of an Alteryx Server controller from a checked backup archive
version_added: 0.1.0
description:
  - Restores the archive's C(MongoDB/) dump (taken by M(alteryx.server.alteryx_mongodump)) into the self-managed
    MongoDB the controller uses, with C(mongorestore.exe) of MongoDB Database Tools 100.x, into the databases as
    they were dumped.
  - First, on the controller, logs in to the server (the checks of M(alteryx.server.alteryx_mongodb_check)); a wrong
    password or an unreachable server fails before anything is extracted or stopped.
  - Then one host job - the dump extracted to C(<archive folder>\MongoDB_DUMP_<run_id>), the service stopped,
    mongorestore run, the service started again in its own C(finally), the extracted dump removed.
  - The password is never on a command line - it travels as a C(sensitive_parameters) SecureString and is written
    only to a mongorestore C(--config) file in a folder only the current user and Administrators can read, deleted
    in the same job.
  - mongorestore exits 0 even when documents failed to insert, so the controller judges its log - exit code 0,
    exactly one C(N document(s) restored successfully. M document(s) failed to restore.) line with N equal to the
    manifest's document total and M = 0, a C(finished restoring db.coll (n documents, 0 failures)) line with the
    manifest's count for every collection, and no other line naming error, critical, fatal or failed. On any doubt
    the task fails with RV(failure_class=mongodb).
  - With O(drop) (the default) every collection of the dump is dropped before it is restored, so the databases hold
    exactly the backup afterwards - what a restore is for. A failed restore can then leave them holding part of the
    backup; take a safety backup first. Without it mongorestore only inserts - documents already there are kept
    and a document with the same C(_id) fails as a duplicate, which fails the task; use it only to restore into
    empty databases.
  - Run M(alteryx.server.alteryx_restore_check) first - it refuses a damaged archive and returns the manifest.
  - Makes one module round trip (C(ansible.windows.win_powershell) as an async job) and logs in once from the
    controller.
options:
  archive:
    description: Full path of the archive on the node, normally RV(alteryx.server.alteryx_restore_check#module:archive).
    type: str
    required: true
    version_added: 0.1.0
  manifest:
    description: The archive's manifest, RV(alteryx.server.alteryx_restore_check#module:manifest).
    type: dict
    required: true
    version_added: 0.1.0
  run_id:
    description: Identifier of this restore, part of the staging folder's name.
    type: str
    required: true
    version_added: 0.1.0
  facts:
    description:
      - The node's facts (C(alteryx_server) of M(alteryx.server.alteryx_facts)); their C(mongodb.server) and
        C(mongodb.user) (RuntimeSettings.xml) are used when O(host), O(connection_string) and O(username) are empty.
    type: dict
    default: {}
    version_added: 0.1.0
  connection_string:
    description: A C(mongodb://) or C(mongodb+srv://) URI without a password; wins over O(host) and O(port).
    type: str
    default: ""
    version_added: 0.1.0
  host:
    description: Host name (or C(host:port) list) of the MongoDB server; empty means RuntimeSettings.xml's.
    type: str
    default: ""
    version_added: 0.1.0
  port:
    description: Port used with O(host) when it names none.
    type: int
    default: 27017
    version_added: 0.1.0
  auth_database:
    description: Authentication database of O(username).
    type: str
    default: admin
    version_added: 0.1.0
  username:
    description: User to log in as; empty means RuntimeSettings.xml's C(MongoDBUserName), or no authentication.
    type: str
    default: ""
    version_added: 0.1.0
  password:
    description: Password of O(username). Never logged, never on a command line.
    type: str
    default: ""
    version_added: 0.1.0
  drop:
    description:
      - Drop each collection of the dump before restoring it (mongorestore C(--drop)), so the databases hold exactly
        the backup. Set to V(false) only to restore into empty databases.
    type: bool
    default: true
    version_added: 0.1.0
  login_check:
    description:
      - V(controller) logs in from the controller before the host job; V(none) skips it (when the role checked the
        login already with M(alteryx.server.alteryx_mongodb_check), or the controller cannot reach the server).
    type: str
    default: controller
    choices: [controller, none]
    version_added: 0.1.0
  mongorestore_path:
    description: Path of C(mongorestore.exe) on the node.
    type: str
    default: C:\Program Files\MongoDB\Tools\100\bin\mongorestore.exe
    version_added: 0.1.0
  service_name:
    description: Name of the Alteryx Windows service, stopped while mongorestore runs.
    type: str
    default: AlteryxService
    version_added: 0.1.0
  max_service_wait:
    description: Seconds to wait for the service to stop or start.
    type: int
    default: 7200
    version_added: 0.1.0
  job_timeout:
    description: Seconds the restore job (extract, stop, mongorestore, start) may take before it is given up.
    type: int
    default: 21600
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
      - Check mode does not contact the node or the server. It returns what would be restored in RV(plan) and
        reports C(changed=true).
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_restore_check
  - module: alteryx.server.alteryx_mongodb_check
  - module: alteryx.server.alteryx_mongodump
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Check the archive
  alteryx.server.alteryx_restore_check:
    archive: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
    scope: DatabaseOnly
  register: restore_check

- name: Replace the self-managed MongoDB's data with the archive's dump
  alteryx.server.alteryx_restore_mongodb:
    archive: "{{ restore_check.archive }}"
    manifest: "{{ restore_check.manifest }}"
    run_id: "20240131_093000"
    facts: "{{ alteryx_server }}"
    password: "{{ vault_mongodb_password }}"
"""

RETURN = r"""
plan:
  description: What the restore runs and must restore.
  returned: always
  type: dict
  contains:
    staging_path:
      description: Where the dump is extracted to (removed after the restore).
      returned: always
      type: str
      sample: D:\Alteryx\Backups\MongoDB_DUMP_20240131_093000
    gzip:
      description: Whether the dump was taken with C(--gzip) (mongorestore then runs with C(--gzip)).
      returned: always
      type: bool
      sample: true
    expected_documents:
      description: Document total of the manifest (C(Extensions.MongoDB.Databases)).
      returned: always
      type: int
      sample: 26
    collections:
      description: Documents of each C(db.collection) in the manifest.
      returned: always
      type: dict
      sample: {"AlteryxGallery.users": 11, "AlteryxService.AS_Queue": 6}
    dump_files:
      description: Dump files the manifest lists.
      returned: always
      type: int
      sample: 11
    server:
      description: The server restored into, as a URI without a password.
      returned: always
      type: str
      sample: mongodb://alteryx@mongo01:27017/?authSource=admin
    drop:
      description: Whether each collection is dropped before it is restored.
      returned: always
      type: bool
      sample: true
restored_documents:
  description: Documents mongorestore says were restored; null when its log has no single summary line.
  returned: success
  type: int
  sample: 26
failed_documents:
  description: Documents mongorestore says failed to restore; null when its log has no single summary line.
  returned: success
  type: int
  sample: 0
problems:
  description: Why the restore was not sound; empty on success.
  returned: success
  type: list
  elements: str
  sample: []
restore_log:
  description: mongorestore's log (its stderr, kept as C(mongoRestore.log)); null when it was not written.
  returned: success
  type: str
  sample: "2024-01-31T09:31:02.120+0000\t26 document(s) restored successfully. 0 document(s) failed to restore.\n"
final_state:
  description: State of the service after the restore job.
  returned: success
  type: str
  sample: Running
log:
  description: Run log entries of this step.
  returned: success
  type: list
  elements: dict
  contains:
    time:
      description: Controller local time of the entry, C(yyyy-MM-dd HH:mm:ss).
      returned: success
      type: str
      sample: "2024-01-31 09:31:05"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: success
      type: str
      sample: INFO
    message:
      description: What happened.
      returned: success
      type: str
      sample: Restored 26 document(s) into mongodb://alteryx@mongo01:27017/?authSource=admin
failure_class:
  description:
    - Kind of failure - C(validation) (the archive holds no self-managed MongoDB dump, or a setting is wrong),
      C(mongodb) (the server cannot be reached or logged in to - nothing was touched - or mongorestore could not run
      or its log is not sound), C(service_timeout) (the service did not stop or start in time) or C(general).
    - Not set when the task arguments themselves are invalid.
  returned: failure
  type: str
  sample: mongodb
exit_code:
  description:
    - Exit code for wrappers, matching RV(failure_class) - 1 general, 2 service_timeout, 3 validation,
      4 storage, 5 mongodb, 6 invalid_mode.
  returned: failure
  type: int
  sample: 5
"""
