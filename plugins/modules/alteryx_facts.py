#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_facts
short_description: Read the Alteryx Server installation of a Windows node
version_added: 0.1.0
description:
  - Reads, without changing anything, what a backup needs to know about the Alteryx Server installation on
    the node - the C(AlteryxService) Windows service, install folder and version, node roles, MongoDB
    setup, Run As user, which secrets and key files exist and where C(alteryx.config) lives.
  - The node's roles and MongoDB settings are derived on the controller from both C(RuntimeSettings.xml)
    layers (the shipped defaults under C(<install>\bin\RuntimeData) and the overrides in
    C(C:\ProgramData\Alteryx)); encrypted values are only reported as present or absent, never returned.
  - Secrets never leave the node, not even in the raw module reply that C(ANSIBLE_DEBUG=1) or C(-vvvvv) print.
    The host script parses both layers itself, without DTD processing, and replaces the value of every
    element or attribute whose name contains C(Password), C(Passwd), C(Passphrase), C(Pwd), C(Secret), C(Token),
    C(Key), C(Encrypt), C(Credential), C(Connection), C(Certificate), C(Hash), C(Salt) or C(Signature) (any case)
    with C([redacted on host]) before it replies; comments are dropped.
  - An override C(RuntimeSettings.xml) that exists but is empty or holds only whitespace is reported in
    RV(warnings), since the node then runs on the installer defaults.
  - Makes one module round trip (one C(ansible.windows.win_powershell) call). The service is not touched.
  - Sets the host fact C(alteryx_server) (returned once, as RV(ansible_facts.alteryx_server)). At C(-v) and C(-vv)
    the task shows one line (RV(msg)) instead of the facts; C(-vvv) shows them.
  - Fails with RV(failure_class=validation) when the service is not installed or a C(RuntimeSettings.xml)
    layer cannot be parsed safely (not well-formed, or it declares a DTD - C(<!DOCTYPE>) - which is refused).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - ansible.builtin.action_common_attributes.facts
  - alteryx.server.service
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
      - The host script is read-only; in check mode it runs under C(-WhatIf) and returns the same facts as
        a normal run.
  diff_mode:
    support: none
  facts:
    support: full
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_critical_files
  - module: alteryx.server.alteryx_manifest
  - module: ansible.windows.win_service_info
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Read the Alteryx installation
  alteryx.server.alteryx_facts:
  register: alteryx

- name: Read an installation whose service has a different name
  alteryx.server.alteryx_facts:
    service_name: AlteryxService2

- name: Report the node's roles
  ansible.builtin.debug:
    msg: "{{ alteryx_server.computer_name }} runs {{ alteryx_server.roles | join(', ') }} on {{ alteryx_server.version }}"

- name: Only dump MongoDB on nodes with the embedded database
  ansible.builtin.debug:
    msg: Embedded MongoDB data in {{ alteryx.ansible_facts.alteryx_server.mongodb.data_path }}
  when: alteryx.ansible_facts.alteryx_server.mongodb.type == 'embedded'
"""

RETURN = r"""
ansible_facts:
  description: Facts set on the host (the only copy of them in the result).
  returned: success
  type: dict
  contains:
    alteryx_server:
      description:
        - What the node's Alteryx installation looks like, set as the host fact C(alteryx_server).
        - A registered result holds it once, as RV(ansible_facts.alteryx_server).
      returned: success
      type: dict
      contains:
        computer_name:
          description: Windows computer name of the node.
          returned: success
          type: str
          sample: ALTERYX01
        windows_version:
          description: The Windows edition of the node (C(Win32_OperatingSystem) caption); the manifest's C(WindowsVersion).
          returned: success
          type: str
          sample: Microsoft Windows Server 2019 Standard
        current_user:
          description: The account the steps run as on the node; the manifest's C(BackupPerformedBy).
          returned: success
          type: str
          sample: ALTERYX01\svc-backup
        is_admin:
          description: Whether the connection user has administrator rights on the node.
          returned: success
          type: bool
          sample: true
        version:
          description: Alteryx Server version, as reported by C(AlteryxService.exe getversion).
          returned: success
          type: str
          sample: 2023.1.1.247
        install_dir:
          description: Installation folder (two levels above the service executable).
          returned: success
          type: str
          sample: C:\Program Files\Alteryx
        install_time_utc:
          description: Last write time (UTC, ISO 8601) of the service executable, taken as the install time.
          returned: success
          type: str
          sample: "2023-08-27T13:16:13.2698410Z"
        exe_path:
          description: Full path of C(AlteryxService.exe).
          returned: success
          type: str
          sample: C:\Program Files\Alteryx\bin\AlteryxService.exe
        service:
          description: The Windows service.
          returned: success
          type: dict
          contains:
            name:
              description: Service name.
              returned: success
              type: str
              sample: AlteryxService
            state:
              description: Service state in lower case, for example C(running) or C(stopped).
              returned: success
              type: str
              sample: running
            start_mode:
              description: Start mode in lower case, for example C(auto), C(manual) or C(disabled).
              returned: success
              type: str
              sample: auto
            username:
              description: Account the service logs on as.
              returned: success
              type: str
              sample: CORP\svc-alteryx
            path:
              description: Service executable.
              returned: success
              type: str
              sample: C:\Program Files\Alteryx\bin\AlteryxService.exe
        service_logon_account:
          description: Account the service logs on as (same as RV(ansible_facts.alteryx_server.service.username)).
          returned: success
          type: str
          sample: CORP\svc-alteryx
        roles:
          description: Roles of the node, a subset of C(controller), C(worker) and C(ui) in that order.
          returned: success
          type: list
          elements: str
          sample: [controller, worker, ui]
        setup_type:
          description: C(Environment/SetupType) from C(RuntimeSettings.xml), empty when not set.
          returned: success
          type: str
          sample: Complete
        mongodb:
          description: MongoDB setup of the node.
          returned: success
          type: dict
          contains:
            type:
              description: C(embedded), C(self-managed) or C(none).
              returned: success
              type: str
              sample: embedded
            data_path:
              description: Data folder of the embedded MongoDB; empty unless RV(ansible_facts.alteryx_server.mongodb.type=embedded).
              returned: success
              type: str
              sample: C:\ProgramData\Alteryx\Service\Persistence\MongoDB
            port:
              description: Port of the embedded MongoDB (27018 when not set).
              returned: success
              type: int
              sample: 27018
            server:
              description: C(Controller/MongoDBServerName), empty when not set.
              returned: success
              type: str
              sample: mongo01.corp.example:27017
            database:
              description: C(Controller/MongoDBDatabaseName), empty when not set.
              returned: success
              type: str
              sample: AlteryxService
            user:
              description: C(Controller/MongoDBUserName), empty when not set.
              returned: success
              type: str
              sample: alteryx
            has_advanced_connection:
              description: Whether an encrypted advanced MongoDB connection string is configured.
              returned: success
              type: bool
              sample: false
        persistence:
          description:
            - What holds the controller's persistence. Only a node with the controller role has one.
          returned: success
          type: dict
          contains:
            type:
              description:
                - C(embedded) (AlteryxService.exe emongodump), C(self-managed) (mongodump), C(sqlite) (a controller with
                  neither MongoDB enabled, e.g. Scheduler-only) or C(none) (worker or Server UI node).
              returned: success
              type: str
              sample: embedded
            path:
              description: The embedded MongoDB data folder or the SQLite folder; empty otherwise.
              returned: success
              type: str
              sample: C:\ProgramData\Alteryx\Service\Persistence\MongoDB
        controller_server:
          description: Controller a worker connects to; empty when the node uses its local controller.
          returned: success
          type: str
          sample: ""
        run_as_user:
          description: Run As user for workflows, C(DOMAIN\user) or C(user); empty when none is set.
          returned: success
          type: str
          sample: CORP\svc-runas
        has_server_secret:
          description: Whether an encrypted controller token is configured.
          returned: success
          type: bool
          sample: true
        has_storage_keys:
          description: Whether encrypted storage keys are configured.
          returned: success
          type: bool
          sample: true
        alteryx_config_path:
          description:
            - Where C(alteryx.config) lives for this version (C(bin\server\config) from 2020.1 on, C(bin\config) before).
          returned: success
          type: str
          sample: C:\Program Files\Alteryx\bin\server\config\alteryx.config
        alteryx_config:
          description: The known C(alteryx.config) locations that exist on the node.
          returned: success
          type: list
          elements: dict
          contains:
            path:
              description: Full path of the file.
              returned: success
              type: str
              sample: C:\Program Files\Alteryx\bin\server\config\alteryx.config
            last_write_utc:
              description: Last write time, UTC, ISO 8601.
              returned: success
              type: str
              sample: "2023-08-28T13:16:13.2698410Z"
        legacy_settings_present:
          description: Whether C(C:\ProgramData\Alteryx\RuntimeSettings.22_2_legacy.xml) exists.
          returned: success
          type: bool
          sample: false
        keys_present:
          description: Whether the folder C(C:\ProgramData\Alteryx\Keys) exists.
          returned: success
          type: bool
          sample: true
        local_time:
          description: The node's local clock, C(yyyy-MM-ddTHH:mm:ss).
          returned: success
          type: str
          sample: "2024-01-31T02:00:01"
msg:
  description: One line about the node - version, computer name, roles, persistence and service state.
  returned: success
  type: str
  sample: "Alteryx Server 2024.1.1.93 on ALTERYX01: roles controller, worker, gallery, persistence embedded, service running"
warnings:
  description:
    - Problems worth a look that do not stop the backup, for example an override C(RuntimeSettings.xml) that
      exists but is empty. Each one is also a C(WARNING) entry of RV(log).
    - Ansible also displays them as task warnings.
  returned: success
  type: list
  elements: str
  sample:
    - "C:\\ProgramData\\Alteryx\\RuntimeSettings.xml is empty: the node runs on the installer defaults; check System Settings"
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
      sample: "2024-01-31 02:00:01"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: success
      type: str
      sample: INFO
    message:
      description: What happened.
      returned: success
      type: str
      sample: "Alteryx Server 2023.1.1.247 on ALTERYX01: roles controller, worker, ui, MongoDB embedded, service running"
failure_class:
  description:
    - Kind of failure; this module fails with C(validation) (service not installed, C(RuntimeSettings.xml)
      malformed, declaring a DTD, using forbidden XML constructs or holding an invalid port) or C(general).
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
