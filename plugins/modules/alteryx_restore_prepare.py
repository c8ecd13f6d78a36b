#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_restore_prepare
short_description: Decide what an Alteryx Server restore does besides files and data, before anything stops
version_added: 0.1.0
description:
  - Runs on the controller only, from the archive's O(manifest) and the node's O(facts); nothing on the node is
    touched.
  - Finds the controller token in the archive - C(Secrets/ControllerToken.cms) (encrypted to a certificate) or
    C(Secrets/ControllerToken.txt) (plaintext) - and refuses an encrypted one without O(secrets_key), or with a key
    file that cannot be read, with RV(failure_class=validation).
  - Compares the service logon account and the Worker Run As user the archive recorded with the node's and warns on
    a difference (passwords cannot be restored).
  - Tells whether the archive comes from another host (RV(disaster_recovery)) and warns about what such a recovery
    cannot bring over (DPAPI-encrypted values, DCM and data connection encryption keys).
options:
  manifest:
    description: The archive's manifest, RV(alteryx.server.alteryx_restore_check#module:manifest).
    type: dict
    required: true
    version_added: 0.1.0
  scope:
    description: What is restored, RV(alteryx.server.alteryx_restore_check#module:scope); C(DatabaseOnly) sets no token.
    type: str
    required: true
    choices: [Full, DatabaseOnly, ConfigOnly]
    version_added: 0.1.0
  facts:
    description: The node's C(alteryx_server) facts from M(alteryx.server.alteryx_facts).
    type: dict
    required: true
    version_added: 0.1.0
  secrets_key:
    description: Path, on the controller, of the PEM private key that decrypts an encrypted controller token.
    type: str
    default: ""
    version_added: 0.1.0
  source_host:
    description: Host the archive was made on; empty means the manifest's C(SystemInformation.ServerHostname).
    type: str
    default: ""
    version_added: 0.1.0
  target_host:
    description: Name the restored settings should give this node; empty means its computer name in lower case.
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
      - Check mode decides the same way; there is nothing to change.
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
- name: Decide the token, accounts and host name before anything stops
  alteryx.server.alteryx_restore_prepare:
    manifest: "{{ restore_check.manifest }}"
    scope: "{{ restore_check.scope }}"
    facts: "{{ ansible_facts.alteryx_server }}"
    secrets_key: /etc/alteryx/restore-key.pem
  register: restore_plan
"""

RETURN = r"""
token:
  description: Where the controller token is in the archive.
  returned: success
  type: dict
  contains:
    kind:
      description: C(cms) (encrypted), C(plaintext), or empty when nothing is set.
      returned: always
      type: str
      sample: cms
    entry:
      description: Zip entry of the token; empty when none.
      returned: always
      type: str
      sample: Secrets/ControllerToken.cms
source_host:
  description: Host the archive was made on.
  returned: success
  type: str
  sample: ALTERYX01
target_host:
  description: Host name the restored settings give this node.
  returned: success
  type: str
  sample: alteryx-dr01
disaster_recovery:
  description: The archive comes from another host than this node.
  returned: success
  type: bool
  sample: false
warnings:
  description: Logon accounts that differ from the archive's, and the limits of a restore onto another host.
  returned: when there is one
  type: list
  elements: str
  sample: ["the service logs on as CORP\\svc-new here, the archive recorded CORP\\svc-alteryx: ..."]
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
      sample: "Controller token: in plaintext, set from the archive"
failure_class:
  description:
    - Kind of failure - C(validation) (an encrypted token without a readable private key, or a host name that is not one).
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
