#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_fail
short_description: Fail the task with a failure class and the spec's exit code as result keys
version_added: 0.1.0
description:
  - Always fails, like M(ansible.builtin.fail), with O(msg) as the message. The failed result also carries
    RV(failure_class) and RV(exit_code) as keys, so schedulers, the C(alteryx-backup) command, callbacks and
    C(register) read the kind of failure from the result instead of parsing the message.
  - Failure classes and exit codes are those of every step of this collection - C(general) 1,
    C(service_timeout) 2, C(validation) 3, C(storage) 4, C(mongodb) 5, C(invalid_mode) 6.
  - A known O(failure_class) decides and RV(exit_code) follows from it. Without O(failure_class), an O(exit_code)
    from 1 to 6 names the class. Anything else (an unknown class, a code outside 1 to 6) is reported as
    C(general) with exit code 1 and a warning, so a mistake in how a failure is reported never hides the failure.
  - The role C(alteryx.server.backup) ends its rescue with this module.
  - Runs entirely on the controller and needs no connection to the node; it makes B(no) module round trips.
options:
  msg:
    description:
      - The message of the failure.
    type: str
    default: Failed as requested from task
    version_added: 0.1.0
  failure_class:
    description:
      - Kind of failure - C(general), C(service_timeout), C(validation), C(storage), C(mongodb) or
        C(invalid_mode). Normally the RV(alteryx.server.alteryx_archive#module:failure_class) of the step that
        failed.
      - When omitted, the class follows from O(exit_code), else C(general).
    type: str
    version_added: 0.1.0
  exit_code:
    description:
      - Exit code from 1 to 6 - 1 general, 2 service_timeout, 3 validation, 4 storage, 5 mongodb, 6 invalid_mode.
      - Only needed without O(failure_class). When both are given and disagree, O(failure_class) wins and a
        warning says so.
    type: int
    version_added: 0.1.0
author:
  - alteryx.server maintainers (@alteryx-server)
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
      - Fails in check mode exactly as in a normal run; there is nothing to change.
  diff_mode:
    support: none
  platform:
    platforms: windows
notes:
  - The task always fails. Use O(msg) for the text a person reads and O(failure_class) for what a program reads.
seealso:
  - module: ansible.builtin.fail
  - module: alteryx.server.alteryx_backup_plan
  - module: alteryx.server.alteryx_finalize
"""

EXAMPLES = r"""
- name: Fail with a storage error (exit code 4)
  alteryx.server.alteryx_fail:
    msg: The network share \\nas01\backups is offline
    failure_class: storage

- name: End a rescue with the class of the step that failed
  alteryx.server.alteryx_fail:
    msg: "Backup failed in '{{ ansible_failed_task.name }}': {{ ansible_failed_result.msg | default('unknown error') }}"
    failure_class: "{{ ansible_failed_result.failure_class | default('general') }}"

- name: Fail with a code from a wrapper that knows only exit codes
  alteryx.server.alteryx_fail:
    msg: The MongoDB dump did not finish
    exit_code: 5
"""

RETURN = r"""
msg:
  description: The message of the failure, O(msg).
  returned: failure
  type: str
  sample: The network share \\nas01\backups is offline
failure_class:
  description:
    - Kind of failure - C(general), C(service_timeout), C(validation), C(storage), C(mongodb) or C(invalid_mode).
    - C(general) when neither O(failure_class) nor O(exit_code) named a known one.
    - Not set when the task arguments themselves are invalid (for example O(exit_code=abc)).
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
warnings:
  description: What was wrong with O(failure_class) or O(exit_code) and what is reported instead.
  returned: failure, when O(failure_class) or O(exit_code) was not usable or they disagree
  type: list
  elements: str
  sample: ["exit_code 5 does not match failure_class storage; reporting exit code 4"]
"""
