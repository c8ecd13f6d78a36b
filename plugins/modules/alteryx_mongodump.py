#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_mongodump
short_description: Dump a self-managed MongoDB of an Alteryx Server controller with mongodump, the password never on a command line
version_added: 0.1.0
description:
  - Dumps a B(self-managed) MongoDB (RV(alteryx.server.alteryx_facts#module:alteryx_server.mongodb.type) is
    C(self-managed)) with C(mongodump.exe) of MongoDB Database Tools 100.x on the node, as B(one detached job)
    that waits for workflows, stops C(AlteryxService), dumps and starts it again - the same window and result as
    M(alteryx.server.alteryx_emongodump).
  - By default the service B(is not stopped) (the spec's C(StopServiceForExternalDB), default false) - zero
    downtime; set O(stop_service=true) for a dump without writes from Alteryx.
  - The password never goes on a command line, into output, into a log or onto the node's disk outside the
    mongodump config file - it travels in C(ansible.windows.win_powershell)'s C(sensitive_parameters) (a
    C(SecureString) for the script, removed from the module's invocation, so the async job's results file in the
    connecting user's profile never holds it, even when the controller dies before cleaning it up), and the host
    job writes it into a mongodump C(--config) YAML file in a new folder under C(%TEMP%) whose ACL allows only the
    connecting user and Administrators (inheritance removed), and deletes folder and file when mongodump ends.
    The host call carries C(no_log).
  - With O(stop_service=true) the login is checked from the controller first (O(login_check)), so a wrong
    password or an unreachable server fails with RV(failure_class=mongodb) before the service is touched.
  - mongodump's stderr is kept as C(mongoDump.log) in O(dump_path), so the archive holds the same log as an
    emongodump. The dump is judged from that log (C(Failed:) lines) and from mongodump's exit code, which is
    reliable; a failed dump fails with RV(failure_class=mongodb). Every dump file is hashed with SHA256.
  - The connection comes from O(connection_string) (a C(mongodb://) URI B(without) a password - one with
    C(user:password@) is refused with RV(failure_class=validation)) or from O(host) and O(port); an empty O(host)
    or O(username) falls back to C(MongoDBServerName) / C(MongoDBUserName) of RuntimeSettings.xml in O(facts).
  - Module round trips - one C(ansible.windows.win_powershell) call starts the job, then one
    C(ansible.windows.async_status) call every O(poll_interval) seconds until it finishes, plus one to clean
    up the job.
options:
  mongodump_path:
    description:
      - Full path of C(mongodump.exe) (MongoDB Database Tools 100.x) on the node.
    type: str
    default: C:\Program Files\MongoDB\Tools\100\bin\mongodump.exe
    version_added: 0.1.0
  stop_service:
    description:
      - Stop the service for the dump and start it again afterwards (the spec's C(StopServiceForExternalDB)).
      - With V(false) (the default) the dump runs while the service keeps running and no workflow wait happens.
    type: bool
    default: false
    version_added: 0.1.0
  login_check:
    description:
      - Where the login is checked before O(stop_service=true) stops the service.
      - V(controller) - log in with pymongo from the machine running Ansible (as
        M(alteryx.server.alteryx_mongodb_check) does); a refused login or an unreachable server fails the step
        with RV(failure_class=mongodb) and nothing on the node is touched.
      - V(none) - no check (the controller cannot reach the database; check the node's reach with
        M(alteryx.server.alteryx_mongodb_check) O(alteryx.server.alteryx_mongodb_check#module:check_from=host)
        first). A wrong password then fails mongodump while the service is stopped.
      - Without O(stop_service) nothing is stopped, so no check is made.
    type: str
    choices: [controller, none]
    default: controller
    version_added: 0.1.0
  connection_string:
    description:
      - C(mongodb://) or C(mongodb+srv://) URI of the MongoDB, B(without) a password. It wins over O(host) and
        O(port); a database in its path is the one dumped.
    type: str
    default: ""
    version_added: 0.1.0
  host:
    description:
      - Host name or C(host:port) list of the MongoDB; empty means C(MongoDBServerName) of RuntimeSettings.xml
        (RV(alteryx.server.alteryx_facts#module:alteryx_server.mongodb.server)).
    type: str
    default: ""
    version_added: 0.1.0
  port:
    description: Port of O(host) when it names none.
    type: int
    default: 27017
    version_added: 0.1.0
  database:
    description:
      - Databases to dump, one mongodump run each. Empty means one full dump of every database the server has
        (except C(local) and C(config)), which the Alteryx databases C(AlteryxGallery), C(AlteryxService) and
        C(AlteryxGallery_Lucene) are.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  auth_database:
    description: Authentication database of O(username).
    type: str
    default: admin
    version_added: 0.1.0
  username:
    description:
      - User to log in as; empty means C(MongoDBUserName) of RuntimeSettings.xml, and no authentication when that
        is empty too.
    type: str
    default: ""
    version_added: 0.1.0
  password:
    description:
      - Password of O(username), from Ansible Vault or an AWX credential. Never logged; passed to mongodump in a
        C(--config) file, never on its command line.
    type: str
    default: ""
    version_added: 0.1.0
  gzip:
    description: Compress every dump file (C(--gzip)); the files end in C(.gz).
    type: bool
    default: true
    version_added: 0.1.0
  oplog:
    description:
      - Add C(--oplog) for a point-in-time dump. Only for a replica set and only with a full dump (O(database)
        empty); on a standalone server mongodump fails and so does the task (RV(failure_class=mongodb)).
    type: bool
    default: false
    version_added: 0.1.0
  facts:
    description:
      - RV(alteryx.server.alteryx_facts#module:alteryx_server) of the node, for the fallbacks of O(host) and
        O(username) (its C(mongodb.server) and C(mongodb.user)).
    type: dict
    default: {}
    version_added: 0.1.0
  dump_path:
    description:
      - Folder the dump is written to, normally RV(alteryx.server.alteryx_backup_plan#module:dump_path).
    type: str
    required: true
    version_added: 0.1.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - alteryx.server.service
  - alteryx.server.service.waits
  - alteryx.server.job
  - alteryx.server.job.window
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
      - Check mode does not contact the node - the service is not stopped and nothing is dumped. The task
        reports C(changed=true) and in RV(msg) what would run; RV(databases), RV(files) and RV(transitions)
        are empty.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - Connection loss during the job does not leave the service stopped; the task then fails with
    RV(failure_class=general) and the job finishes on the node by itself.
  - Needs MongoDB Database Tools 100.x on the node (O(mongodump_path)).
seealso:
  - module: alteryx.server.alteryx_emongodump
  - module: alteryx.server.alteryx_sqlite_backup
  - module: alteryx.server.alteryx_facts
  - module: alteryx.server.alteryx_service_state
  - module: alteryx.server.alteryx_manifest
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Dump the self-managed MongoDB without stopping Alteryx
  alteryx.server.alteryx_mongodump:
    dump_path: "{{ backup_plan.dump_path }}"
    facts: "{{ alteryx_server }}"
    username: alteryx_backup
    password: "{{ vault_mongodb_password }}"
    lock_path: "{{ backup_plan.lock_path }}"
    run_id: "{{ backup_plan.run_id }}"
    window_path: "{{ backup_plan.window_path }}"
  register: dump

- name: Dump two databases of a replica set through a URI, with the service stopped
  alteryx.server.alteryx_mongodump:
    dump_path: D:\Alteryx\Backups\ServerBackup_DB_20240131_020000.staging\MongoDB
    connection_string: mongodb://alteryx_backup@mongo1:27017,mongo2:27017/?replicaSet=rs0&authSource=admin
    password: "{{ vault_mongodb_password }}"
    database: [AlteryxGallery, AlteryxService]
    stop_service: true
"""

RETURN = r"""
dump_path:
  description: The O(dump_path) written to.
  returned: success, and on a C(mongodb) failure
  type: str
  sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\MongoDB
databases:
  description: Databases dumped, from C(mongoDump.log), sorted by name; empty in check mode.
  returned: success, and on a C(mongodb) failure
  type: list
  elements: dict
  contains:
    name:
      description: Database name.
      returned: always
      type: str
      sample: AlteryxGallery
    collections:
      description: Collections dumped.
      returned: always
      type: list
      elements: dict
      contains:
        name:
          description: Collection name.
          returned: always
          type: str
          sample: users
        documents:
          description: Documents dumped.
          returned: always
          type: int
          sample: 60
        bytes:
          description: Size of the collection's C(.bson) file (C(.bson.gz) with O(gzip)).
          returned: always
          type: int
          sample: 30092
files:
  description: Every file of the dump, including C(mongoDump.log); empty in check mode.
  returned: success, and on a C(mongodb) failure
  type: list
  elements: dict
  contains:
    path:
      description: Path relative to O(dump_path).
      returned: always
      type: str
      sample: AlteryxGallery\users.bson.gz
    size:
      description: Size in bytes.
      returned: always
      type: int
      sample: 30092
    sha256:
      description: SHA256 of the file, lower-case hex.
      returned: always
      type: str
      sample: 394b4a6d0de9d5fe422d6af16b4df2dbf7c6acd137036a3d716d91f015ec943e
transitions:
  description: Service state changes made by the job, in order; empty when the service was not stopped.
  returned: success, on a C(mongodb) or C(service_timeout) failure
  type: list
  elements: dict
  contains:
    service:
      description: The service name.
      returned: always
      type: str
      sample: AlteryxService
    state:
      description: State reached, C(stopped) or C(running).
      returned: always
      type: str
      sample: stopped
    at_utc:
      description: When it was reached, UTC, ISO 8601.
      returned: always
      type: str
      sample: "2024-01-31T02:00:19.2042660Z"
downtime_seconds:
  description: Seconds between stopping and starting the service; 0 when it was not stopped and started again.
  returned: success, and on a C(mongodb) failure
  type: float
  sample: 184.7
initial_state:
  description: Service state before the job, for example C(running), C(stopped) or C(stop_pending).
  returned: success, and on a C(mongodb) failure (not in check mode)
  type: str
  sample: running
final_state:
  description: Service state after the job, for example C(running), C(stopped) or C(start_pending).
  returned: success, and on a C(mongodb) failure (not in check mode)
  type: str
  sample: running
workflows_waited_seconds:
  description: Seconds spent waiting for running workflows.
  returned: success, on a C(mongodb) or C(service_timeout) failure (not in check mode)
  type: int
  sample: 0
workflows_running:
  description: Workflows still running when the wait for them ended (killed when O(force_stop_workflows) is set).
  returned: success, on a C(mongodb) or C(service_timeout) failure (not in check mode)
  type: int
  sample: 0
workflows_killed:
  description: Workflows killed because O(force_stop_workflows) was set.
  returned: success, and on a C(mongodb) failure (not in check mode)
  type: int
  sample: 0
warnings:
  description:
    - Warnings of the host job and of polls of the job that failed and were retried.
    - Each is also in RV(log) as a C(WARNING) entry, and Ansible displays them as task warnings.
  returned: success, not in check mode
  type: list
  elements: str
  sample:
    - "poll of job j518412376512.4711 failed and was retried: WinRM operation timed out"
msg:
  description: What would run; with O(wait=false), that the job started and its id.
  returned: check mode, and with O(wait=false)
  type: str
  sample: >-
    Would run mongodump of every database from mongodb://alteryx_backup@mongo1:27017/?authSource=admin into
    D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\MongoDB
ansible_job_id:
  description: Id of the detached job that did not finish within O(timeout), or that the controller lost track of.
  returned: when the job timed out or could not be polled
  type: str
  sample: j518412376512.4711
job:
  description:
    - Handle of the started job, for the O(alteryx.server.alteryx_dump_wait#module:job) option of
      M(alteryx.server.alteryx_dump_wait), which waits for it and returns this step's result. Holds nothing secret.
    - In check mode no job starts; the handle then carries only what the wait says in check mode.
  returned: with O(wait=false)
  type: dict
  contains:
    ansible_job_id:
      description: Id of the detached job on the host.
      returned: not in check mode
      type: str
      sample: j518412376512.4711
    script:
      description: The host script the job runs.
      returned: not in check mode
      type: str
      sample: alteryx_dump_window
    step:
      description: The step the job is, in messages.
      returned: not in check mode
      type: str
      sample: dump window
    started:
      description: When the job started, seconds since the epoch on the controller's clock.
      returned: not in check mode
      type: float
      sample: 1706666400.25
    timeout:
      description: The job's O(timeout) in seconds.
      returned: not in check mode
      type: int
      sample: 21600
    poll_interval:
      description: The O(poll_interval) the wait polls with.
      returned: not in check mode
      type: float
      sample: 60.0
    no_log:
      description: Whether the job's calls carry a secret (its polls are then no_log too).
      returned: not in check mode
      type: bool
      sample: false
    log_pending:
      description: Run log lines the job appends to the host log first (C(-1) outside the backup role).
      returned: not in check mode
      type: int
      sample: 12
    method:
      description: The dump method.
      returned: always
      type: str
      sample: mongodump
    dump_path:
      description: The O(dump_path).
      returned: always
      type: str
      sample: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.staging\MongoDB
    host:
      description: Inventory name of the host whose job it is; the wait refuses the handle on another host.
      returned: always
      type: str
      sample: alteryx01
    check_mode:
      description: Whether the handle comes from check mode (no job started).
      returned: always
      type: bool
      sample: false
    msg:
      description: What the step would do, said again by the wait.
      returned: check mode
      type: str
      sample: Would stop AlteryxService, run emongodump=D:\B\x.staging\MongoDB, then start it again
log:
  description:
    - Run log entries of this step; M(alteryx.server.alteryx_finalize) writes them to the host log file.
    - One C(WARNING) entry per RV(warnings) item, one C(INFO) entry per service transition and a C(SUCCESS)
      summary; on failure a single C(ERROR) entry.
  returned: always, but not by a start with O(wait=false) that succeeded (the wait returns them)
  type: list
  elements: dict
  contains:
    time:
      description: Controller local time of the entry, C(yyyy-MM-dd HH:mm:ss).
      returned: always
      type: str
      sample: "2024-01-31 02:03:25"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: always
      type: str
      sample: SUCCESS
    message:
      description: What happened.
      returned: always
      type: str
      sample: "mongodump wrote 3 database(s), 488 documents, 21 files; service down 184.7 s"
failure_class:
  description:
    - Kind of failure - C(service_timeout) (workflows still running after O(max_workflow_wait), or the job ran
      longer than O(timeout)), C(mongodb) (the dump failed) or C(general) (for example the connection was lost,
      or three polls of the job failed in a row).
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
