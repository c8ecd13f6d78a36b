#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_restore_secret
short_description: Give an Alteryx Server controller the controller token of a backup archive
version_added: 0.1.0
description:
  - Runs C(AlteryxService.exe setserversecret=<token>) on the node with the token of the archive; the role stops the
    service first and runs this after the configuration files are back.
  - A plaintext token (C(Secrets/ControllerToken.txt)) is read and set on the node itself and never travels.
  - An encrypted token (C(Secrets/ControllerToken.cms), CMS to a certificate) is read from the archive, decrypted on
    the controller with O(secrets_key) and O(secrets_passphrase), and sent back only as a C(win_powershell)
    sensitive parameter (a SecureString on the node; the call is C(no_log)).
  - The token never appears in the result, the output or the node's files other than where Alteryx keeps it. Run
    the task with C(no_log) all the same.
  - Makes one module round trip for a plaintext token, two for an encrypted one.
options:
  archive:
    description: Full path of the archive on the node, normally RV(alteryx.server.alteryx_restore_check#module:archive).
    type: str
    required: true
    version_added: 0.1.0
  kind:
    description: How the token is kept, RV(alteryx.server.alteryx_restore_prepare#module:token.kind).
    type: str
    required: true
    choices: [plaintext, cms]
    version_added: 0.1.0
  entry:
    description: Zip entry of the token, RV(alteryx.server.alteryx_restore_prepare#module:token.entry).
    type: str
    required: true
    version_added: 0.1.0
  exe_path:
    description: Full path of C(AlteryxService.exe) on the node.
    type: str
    default: C:\Program Files\Alteryx\bin\AlteryxService.exe
    version_added: 0.1.0
  secrets_key:
    description: Path, on the controller, of the PEM private key that decrypts an encrypted token.
    type: str
    default: ""
    version_added: 0.1.0
  secrets_passphrase:
    description: Passphrase of O(secrets_key); empty when the key is not protected.
    type: str
    default: ""
    version_added: 0.1.0
  recipient:
    description:
      - Thumbprint of the certificate the backup encrypted to (the manifest's
        C(Extensions.SecretsEncryption.Recipient.Thumbprint)), named in the error when the key does not decrypt.
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
    support: partial
    details:
      - Check mode does not contact the node; it reports C(changed=true).
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
- name: Set the controller token of the archive
  alteryx.server.alteryx_restore_secret:
    archive: "{{ restore_check.archive }}"
    kind: "{{ restore_plan.token.kind }}"
    entry: "{{ restore_plan.token.entry }}"
    secrets_key: /etc/alteryx/restore-key.pem
    secrets_passphrase: "{{ vault_restore_key_passphrase }}"
  no_log: true
"""

RETURN = r"""
kind:
  description: How the token was kept in the archive.
  returned: success
  type: str
  sample: cms
msg:
  description: What was done (never the token).
  returned: success
  type: str
  sample: Controller token set from Secrets/ControllerToken.cms (decrypted here)
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
      sample: Controller token set from Secrets/ControllerToken.txt (on the node)
failure_class:
  description:
    - Kind of failure - C(validation) (the token entry is missing, empty, or cannot be decrypted with the key) or C(general) (C(setserversecret) could
      not run or refused the token).
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
