#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_restore_rename
short_description: Make a restored RuntimeSettings.xml name the new host after a disaster recovery
version_added: 0.1.0
description:
  - After a restore onto another machine, rewrites the host name O(source_host) to O(target_host) where the override
    C(RuntimeSettings.xml) names it - C(Gallery/BaseAddress), C(Worker/ServerName), C(Controller/MongoDBServerName),
    C(Gallery/MongoDBWebServerName) and C(Gallery/MongoDBSearchServerName); scheme, port and path stay.
  - Every other byte of the file stays as it was, its encoding included. An element the override does not have takes
    the installer default and is left alone. Other elements that still name the old host are named in a warning
    (never their text, never a secret element).
  - Run it while the service is stopped, after the configuration files are back; Alteryx reads its settings when it
    starts.
  - Makes one module round trip to read and one more when something is rewritten.
options:
  source_host:
    description: Host name the archive was made on (full or first label both match).
    type: str
    required: true
    version_added: 0.1.0
  target_host:
    description: Host name to write instead.
    type: str
    required: true
    version_added: 0.1.0
  path:
    description: The override settings file.
    type: str
    default: C:\ProgramData\Alteryx\RuntimeSettings.xml
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
      - Check mode reads the file and returns the RV(edits) it would make without writing.
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
- name: Name the new host in the restored settings
  alteryx.server.alteryx_restore_rename:
    source_host: alteryx01
    target_host: alteryx-dr01
"""

RETURN = r"""
edits:
  description: The elements rewritten (or, in check mode, to rewrite).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: C(Section/Element).
      returned: always
      type: str
      sample: Gallery/BaseAddress
    old:
      description: Text before.
      returned: always
      type: str
      sample: http://alteryx01/gallery/
    new:
      description: Text after.
      returned: always
      type: str
      sample: http://alteryx-dr01/gallery/
path:
  description: The file written; absent when nothing was rewritten.
  returned: changed
  type: str
  sample: C:\ProgramData\Alteryx\RuntimeSettings.xml
sha256:
  description: SHA256 of the file as written.
  returned: changed
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
warnings:
  description: Other elements of RuntimeSettings.xml that still name the old host (names only, never their text).
  returned: when there is one
  type: list
  elements: str
  sample: ["RuntimeSettings.xml still names alteryx01 in SmtpServer: check these in System Settings"]
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
      sample: "Gallery/BaseAddress: http://alteryx01/gallery/ -> http://alteryx-dr01/gallery/"
failure_class:
  description:
    - Kind of failure - C(validation) (a host name that is not one, or the file changed between read and write), C(storage) (the file cannot be read or
      written) or C(general).
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
  sample: 3
"""
