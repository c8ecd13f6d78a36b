#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_restore_config
short_description: Put the configuration files of a checked backup archive back on an Alteryx Server node
version_added: 0.1.0
description:
  - Restores every C(Config/) file the archive's O(manifest) lists to the path it was backed up from
    (C(FilePath)), byte for byte - RuntimeSettings.xml, the Engine files, the Keys, C(alteryx.config) and the
    legacy settings file when they were backed up.
  - Before it writes anything it takes a safety copy of every target that exists now, as
    C(<file>.pre-restore-<run_id>), and never overwrites one. Each file is hashed after writing and compared with the
    manifest's SHA256 on the controller; any difference fails with RV(failure_class=storage).
  - Run M(alteryx.server.alteryx_restore_check) first - it refuses a damaged archive and returns the manifest.
  - Does not stop or start the service; Alteryx reads its settings when the service starts, so restart it afterwards
    (the C(alteryx.server.restore) role does).
  - Makes one module round trip (one C(ansible.windows.win_powershell) call).
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
    description: Identifier of this restore, part of the safety copies' names.
    type: str
    required: true
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
      - Check mode does not contact the node. It returns the planned files in RV(plan), reports C(changed=true) and
        RV(files) is empty.
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_restore_check
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Check the archive
  alteryx.server.alteryx_restore_check:
    archive: D:\Alteryx\Backups\ServerBackup_Full_20240131_020000.zip
    scope: ConfigOnly
  register: restore_check

- name: Put the configuration files back
  alteryx.server.alteryx_restore_config:
    archive: "{{ restore_check.archive }}"
    manifest: "{{ restore_check.manifest }}"
    run_id: "20240131093000-restore"
"""

RETURN = r"""
plan:
  description: The files to restore, from the manifest.
  returned: success
  type: list
  elements: dict
  contains:
    entry:
      description: Zip entry name.
      returned: always
      type: str
      sample: Config/RuntimeSettings.xml
    path:
      description: Where the file goes back to on the node (the manifest's C(FilePath)).
      returned: always
      type: str
      sample: C:\ProgramData\Alteryx\RuntimeSettings.xml
    sha256:
      description: SHA256 the manifest records for it.
      returned: always
      type: str
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
files:
  description: Files written, each hashed after writing; empty in check mode.
  returned: success
  type: list
  elements: dict
  contains:
    entry:
      description: Zip entry name.
      returned: always
      type: str
      sample: Config/RuntimeSettings.xml
    path:
      description: File written.
      returned: always
      type: str
      sample: C:\ProgramData\Alteryx\RuntimeSettings.xml
    size:
      description: Bytes written.
      returned: always
      type: int
      sample: 951
    sha256:
      description: SHA256 of the file as written, equal to the manifest's.
      returned: always
      type: str
      sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
    safety_copy:
      description: The copy of the file it replaced; empty when there was no file.
      returned: always
      type: str
      sample: C:\ProgramData\Alteryx\RuntimeSettings.xml.pre-restore-20240131093000-restore
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
      sample: Restored C:\ProgramData\Alteryx\RuntimeSettings.xml (951 bytes)
failure_class:
  description:
    - Kind of failure - C(validation) (a file of the manifest has no path, or is missing from the archive),
      C(storage) (a safety copy or a write failed, or a file differs after writing) or C(general).
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
