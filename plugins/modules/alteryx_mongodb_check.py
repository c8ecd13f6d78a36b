#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_mongodb_check
short_description: Check that a self-managed MongoDB is reachable and the backup user can log in, before anything stops
version_added: 0.1.0
description:
  - Run it before any service is stopped, so a wrong password, a wrong database name or a blocked port fails the
    backup while the Alteryx Server is still untouched (with RV(failure_class=mongodb)).
  - With O(check_from=controller) (the default) it runs entirely on the Ansible controller with C(pymongo) and
    makes B(no call to the node) - it connects, logs in, lists the databases and collections that will be
    dumped and counts their documents (from collection metadata, the C(count) command), for the manifest.
  - With O(check_from=host) the node tries a TCP connection to each host of the connection in turn (one
    C(ansible.windows.win_powershell) round trip each) until one answers. That proves only that the port is open
    from the node - no login, no counts. Use it when only the node can reach the database.
  - The connection comes from O(connection_string) when set, else from O(host) and O(port); an empty O(host)
    falls back to C(Controller/MongoDBServerName) and an empty O(username) to C(Controller/MongoDBUserName) of
    the node's C(RuntimeSettings.xml), as gathered by M(alteryx.server.alteryx_facts).
  - The password is given only in O(password). A connection string that holds one (C(user:password@)), or an
    option carrying a secret, is refused with RV(failure_class=validation). The password never appears in the
    result, in messages or in the log; messages from C(pymongo) are scrubbed of it.
options:
  connection_string:
    description:
      - A C(mongodb://) or C(mongodb+srv://) URI B(without a password). Wins over O(host) and O(port).
      - A user name in it (C(mongodb://alteryx@db1/)) is the login; its C(/database) names the one database to
        back up, its C(authSource) the authentication database. Other options (C(replicaSet), C(tls)) are kept.
    type: str
    default: ""
    version_added: 0.1.0
  host:
    description:
      - MongoDB host name or address, C(host:port), or a comma-separated list of them (replica set members).
      - Empty means C(Controller/MongoDBServerName) from C(RuntimeSettings.xml).
    type: str
    default: ""
    version_added: 0.1.0
  port:
    description:
      - Port for hosts given without one.
    type: int
    default: 27017
    version_added: 0.1.0
  database:
    description:
      - Database to back up, or a comma-separated list of them; each must exist on the server.
      - Empty means every database except C(admin), C(local) and C(config).
    type: str
    default: ""
    version_added: 0.1.0
  auth_database:
    description:
      - Database the user was created in (C(authSource)); an C(authSource) in O(connection_string) wins.
    type: str
    default: admin
    version_added: 0.1.0
  username:
    description:
      - User to log in as. Empty means C(Controller/MongoDBUserName) from C(RuntimeSettings.xml), or the user of
        O(connection_string); with neither, no login is attempted.
    type: str
    default: ""
    version_added: 0.1.0
  password:
    description:
      - Password of O(username); keep it in Ansible Vault or an AWX credential (C(alteryx_backup_mongodb_password)).
      - Required when a user is set; not used with O(check_from=host).
    type: str
    default: ""
    version_added: 0.1.0
  check_from:
    description:
      - Where to check from - V(controller) with C(pymongo), or V(host) with a TCP connect from the node.
    type: str
    default: controller
    choices: [controller, host]
    version_added: 0.1.0
  timeout:
    description:
      - Seconds to wait for the server (server selection and connect); every other server reply may take six
        times as long. With O(check_from=host), the connect timeout per host.
    type: int
    default: 10
    version_added: 0.1.0
  mongodb_facts:
    description:
      - The node's MongoDB facts (C(server), C(user)) for the fallbacks of O(host) and O(username).
      - Default is C(alteryx_server.mongodb) as set by M(alteryx.server.alteryx_facts), or none when it did not run.
    type: dict
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
      - The check only reads, so it runs in check mode exactly as without it.
  diff_mode:
    support: none
  platform:
    platforms: windows
requirements:
  - pymongo on the Ansible controller, for O(check_from=controller).
notes:
  - Counts come from collection metadata and may differ slightly from what C(mongodump) dumps on a database in use.
  - Views are not listed (they hold no documents of their own), nor C(system.*) collections.
  - The controller needs a network route to the database for O(check_from=controller); through a firewall that only
    lets the node in, use O(check_from=host).
seealso:
  - module: alteryx.server.alteryx_facts
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Check the self-managed MongoDB from the controller before anything stops
  alteryx.server.alteryx_mongodb_check:
    host: "{{ alteryx_backup_mongodb_host }}"
    port: "{{ alteryx_backup_mongodb_port }}"
    username: "{{ alteryx_backup_mongodb_username }}"
    password: "{{ alteryx_backup_mongodb_password }}"
  register: mongodb_check

- name: Check a replica set given as a connection string, one database only
  alteryx.server.alteryx_mongodb_check:
    connection_string: mongodb://alteryx@db1.example.com:27017,db2.example.com:27017/AlteryxGallery?replicaSet=rs0&authSource=admin
    password: "{{ vault_alteryx_mongodb_password }}"
    timeout: 5

- name: Only the node reaches the database - check that its port answers from there
  alteryx.server.alteryx_mongodb_check:
    check_from: host
    host: db1.example.com

- name: Show what will be dumped
  ansible.builtin.debug:
    msg: "{{ mongodb_check.databases | map(attribute='name') | join(', ') }}: {{ mongodb_check.documents }} documents"
"""

RETURN = r"""
server:
  description: The connection checked, as a URI without password (with the user name, if any).
  returned: always, unless the settings themselves are refused
  type: str
  sample: mongodb://alteryx@db1.example.com:27017/?authSource=admin
check_from:
  description: Where the check ran, O(check_from).
  returned: always, unless the settings themselves are refused
  type: str
  sample: controller
reachable:
  description: The server answered (for O(check_from=host), its TCP port accepted a connection from the node).
  returned: always, unless the settings themselves are refused
  type: bool
  sample: true
authenticated:
  description: The user logged in; false when no user is set and always with O(check_from=host).
  returned: always, unless the settings themselves are refused
  type: bool
  sample: true
server_version:
  description: The server's version; empty when it did not say or with O(check_from=host).
  returned: always, unless the settings themselves are refused
  type: str
  sample: 7.0.14
databases:
  description: Databases that will be dumped, by name; empty with O(check_from=host) and on failure.
  returned: always, unless the settings themselves are refused
  type: list
  elements: dict
  contains:
    name:
      description: Database name.
      returned: always
      type: str
      sample: AlteryxGallery
    collections:
      description: Its collections (no views, no C(system.*)), by name.
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
          description: Documents in the collection (collection metadata).
          returned: always
          type: int
          sample: 60
documents:
  description: Documents in all RV(databases).
  returned: always, unless the settings themselves are refused
  type: int
  sample: 488
tcp:
  description: The host that answered the node's TCP connect.
  returned: success with O(check_from=host)
  type: dict
  contains:
    address:
      description: Host name or address tried.
      returned: always
      type: str
      sample: db1.example.com
    port:
      description: Port tried.
      returned: always
      type: int
      sample: 27017
    elapsed_ms:
      description: Milliseconds the connect took.
      returned: always
      type: int
      sample: 4
  sample: {"address": "db1.example.com", "port": 27017, "elapsed_ms": 4}
msg:
  description: One line on what was found.
  returned: success
  type: str
  sample: >-
    MongoDB 7.0.14 at mongodb://alteryx@db1.example.com:27017/?authSource=admin: user 'alteryx' logged in; 3
    database(s), 8 collection(s), 488 document(s)
warnings:
  description:
    - For example that the server holds none of the Alteryx databases (C(AlteryxGallery), C(AlteryxService),
      C(AlteryxGallery_Lucene)). Each is also in RV(log) as a C(WARNING) entry.
  returned: success
  type: list
  elements: str
  sample:
    - "MongoDB at mongodb://db1.example.com:27017/ has none of the Alteryx databases (AlteryxGallery, AlteryxService, AlteryxGallery_Lucene); it has: crm"
log:
  description:
    - Run log entries of this step; M(alteryx.server.alteryx_finalize) writes them to the host log file.
    - An C(INFO) summary and one C(WARNING) entry per RV(warnings) item; on failure a single C(ERROR) entry.
  returned: always
  type: list
  elements: dict
  contains:
    time:
      description: Controller local time of the entry, C(yyyy-MM-dd HH:mm:ss).
      returned: always
      type: str
      sample: "2024-01-31 02:00:03"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: always
      type: str
      sample: INFO
    message:
      description: What happened.
      returned: always
      type: str
      sample: >-
        MongoDB 7.0.14 at mongodb://alteryx@db1.example.com:27017/?authSource=admin: user 'alteryx' logged in; 3
        database(s), 8 collection(s), 488 document(s)
failure_class:
  description:
    - Kind of failure - C(mongodb) (unreachable, login refused, a named database missing, no privilege to list or
      count, C(pymongo) missing on the controller) or C(validation) (a password in the connection string, a user
      without a password, an unusable host or port setting).
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
