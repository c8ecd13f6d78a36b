#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_service_state
short_description: Start or stop the Alteryx Server service safely
version_added: 0.1.0
description:
  - Brings the Alteryx Windows service to O(state) and waits up to O(max_service_wait) seconds for the
    change. Nothing is done when the service is already there.
  - With O(state=stopped) the service B(is stopped). Before that the module waits up to O(max_workflow_wait)
    seconds (checking every 5 seconds) for running workflows (C(AlteryxEngineCmd.exe) processes) to finish.
    Workflows still running then are killed only with O(force_stop_workflows=true); otherwise the task fails
    with RV(failure_class=service_timeout) and the service is left running.
  - Makes one module round trip (one C(ansible.windows.win_powershell) call), which lasts as long as the
    waits.
  - B(Safety net) for nodes a cluster backup stops before the controller (Server UI nodes, workers) - with
    O(safety_net_seconds) above 0 and O(state=stopped), the host first registers a one-shot scheduled task, run
    as C(SYSTEM), that runs C(sc.exe start <name>) O(safety_net_seconds) after the stop began. If the machine
    running Ansible dies while the node is down, the node comes back on its own. The task is registered after the
    workflow wait and before any workflow is killed or the service stopped; one of the same name left by an
    earlier run is replaced. If it cannot be registered, nothing is stopped and the task fails with
    RV(failure_class=general).
  - With O(state=started) and O(safety_net_seconds) above 0, once the service runs (also when it already ran) the
    task is read and removed; RV(safety_net_fired) tells whether it had already started the service (the run took
    longer than the net). A task that is not there is no error; one that cannot be removed is a warning (it
    expires on its own, and C(sc.exe start) of a running service does nothing). A start that fails leaves the task
    armed.
  - The task expires an hour after its trigger time and Task Scheduler deletes it a day after that, so a net left
    by a run that never came back cleans itself up.
options:
  name:
    description:
      - Name of the Alteryx Windows service.
    type: str
    default: AlteryxService
    version_added: 0.1.0
  state:
    description:
      - V(started) starts the service, V(stopped) stops it after the workflow wait.
    type: str
    required: true
    choices: [started, stopped]
    version_added: 0.1.0
  max_service_wait:  # type and default from the alteryx.server.service.waits fragment
    description:
      - Seconds to wait for the service to reach O(state); a slower change fails with
        RV(failure_class=service_timeout).
  safety_net_seconds:
    description:
      - Seconds after which the safety net task starts the service again, counted from the stop; V(0) means no
        net. Otherwise at least V(2) (the task's trigger keeps whole seconds).
      - Pass the same value to the O(state=started) task that ends the downtime, so that it removes the net.
      - Choose it longer than the node may rightly stay down (the rest of the cluster's stops, the controller's
        dump, the starts before this one); a net that fires early starts the node in the middle of the backup.
    type: int
    default: 0
    version_added: 0.1.0
  safety_net_name:
    description:
      - Name of the safety net task in the root folder of Task Scheduler.
      - "Defaults to C(alteryx.server safety net <name>). It cannot contain any of C(\\ / : * ? \" < > |)."
    type: str
    version_added: 0.1.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - alteryx.server.service.waits
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
      - The host script runs under C(-WhatIf) - it reads the service state and counts running workflows, but
        neither waits, kills workflows nor changes the service. C(changed) is V(true) when the service is not
        in O(state) yet.
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_emongodump
  - name: Register-ScheduledTask
    description: The cmdlet that registers the safety net task.
    link: https://learn.microsoft.com/powershell/module/scheduledtasks/register-scheduledtask
  - module: ansible.windows.win_service
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Make sure the service runs
  alteryx.server.alteryx_service_state:
    state: started

- name: Stop the service, giving workflows 10 minutes and killing any left after that
  alteryx.server.alteryx_service_state:
    name: AlteryxService
    state: stopped
    max_workflow_wait: 600
    force_stop_workflows: true
    max_service_wait: 900
  register: service_stop

- name: Stop a worker of a cluster; it starts again by itself after 2 hours if the run never comes back
  alteryx.server.alteryx_service_state:
    state: stopped
    safety_net_seconds: 7200

- name: Start the worker again and remove its safety net
  alteryx.server.alteryx_service_state:
    state: started
    safety_net_seconds: 7200
  register: worker_start

- name: Tell when the net had to act
  ansible.builtin.debug:
    msg: "The safety net had already started the service: the run took longer than 2 hours"
  when: worker_start.safety_net_fired

- name: Report how long workflows were waited for
  ansible.builtin.debug:
    msg: "Waited {{ service_stop.workflows_waited_seconds }} s, killed {{ service_stop.workflows_killed }} workflow(s)"
"""

RETURN = r"""
name:
  description: The service name.
  returned: success, and on a C(service_timeout) failure
  type: str
  sample: AlteryxService
exists:
  description: Whether the service is installed (V(false) only on the C(validation) failure).
  returned: always
  type: bool
  sample: true
initial_state:
  description:
    - Service state before the task, for example C(running), C(stopped), C(start_pending) or C(stop_pending)
      (C(unknown) for a state Windows reports that is none of these).
  returned: success, and on a C(service_timeout) failure
  type: str
  sample: running
state:
  description:
    - Service state after the task - C(running) or C(stopped) once changed, otherwise RV(initial_state)
      (also in check mode and when the change timed out).
  returned: success, and on a C(service_timeout) failure
  type: str
  sample: stopped
transitions:
  description: The state change made; empty when nothing changed.
  returned: success, and on a C(service_timeout) failure
  type: list
  elements: dict
  contains:
    service:
      description: The service name.
      returned: always
      type: str
      sample: AlteryxService
    state:
      description: State reached, C(running) or C(stopped).
      returned: always
      type: str
      sample: stopped
    at_utc:
      description: When it was reached, UTC, ISO 8601.
      returned: always
      type: str
      sample: "2024-01-31T01:00:12.5634411Z"
running_workflows:
  description: Workflows (C(AlteryxEngineCmd.exe) processes) running when the task started.
  returned: success, and on a C(service_timeout) failure
  type: int
  sample: 0
workflows_waited_seconds:
  description: Seconds spent waiting for workflows before stopping.
  returned: success, and on a C(service_timeout) failure
  type: int
  sample: 15
workflows_killed:
  description: Workflows killed because O(force_stop_workflows) was set.
  returned: success, and on a C(service_timeout) failure
  type: int
  sample: 0
safety_net_name:
  description: Name of the safety net task (empty when O(safety_net_seconds=0)).
  returned: success, and on a C(service_timeout) or C(general) failure
  type: str
  sample: alteryx.server safety net AlteryxService
safety_net_registered:
  description: Whether this task registered a safety net (only with O(state=stopped), when the service was stopped).
  returned: success, and on a C(service_timeout) or C(general) failure
  type: bool
  sample: true
safety_net_at_utc:
  description:
    - When the net fires (or fired), UTC, ISO 8601, at whole seconds - the time registered by O(state=stopped),
      or read from the task by O(state=started). Empty when there is none.
  returned: success, and on a C(service_timeout) or C(general) failure
  type: str
  sample: "2024-01-31T03:00:12.0000000Z"
safety_net_fired:
  description:
    - With O(state=started) - whether the net had already run (at or after its trigger time) when the task found
      it, that is the service had been started by the net because the run took longer than O(safety_net_seconds).
  returned: success, and on a C(service_timeout) or C(general) failure
  type: bool
  sample: false
safety_net_result:
  description:
    - Exit code of the net's C(sc.exe start) when it fired (C(0) - it started the service; C(1056) - the service
      was not stopped then, for example still stopping, so the net did nothing), C(null) when it did not fire.
  returned: success, and on a C(service_timeout) or C(general) failure
  type: int
  sample: 0
safety_net_removed:
  description: Whether O(state=started) removed the net task.
  returned: success, and on a C(service_timeout) or C(general) failure
  type: bool
  sample: true
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
      sample: "2024-01-31 02:00:12"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: success
      type: str
      sample: INFO
    message:
      description: What happened, or in check mode what would happen.
      returned: success
      type: str
      sample: AlteryxService is stopped (was running)
failure_class:
  description:
    - Kind of failure - C(validation) (the service is not installed, or invalid safety net options),
      C(service_timeout) (workflows still running after O(max_workflow_wait), or the service did not reach O(state)
      within O(max_service_wait)) or C(general) (the safety net task could not be registered; nothing was
      stopped).
    - Not set when the task arguments themselves are invalid.
  returned: failure
  type: str
  sample: service_timeout
exit_code:
  description:
    - Exit code for wrappers, matching RV(failure_class) - 1 general, 2 service_timeout, 3 validation,
      4 storage, 5 mongodb, 6 invalid_mode.
  returned: failure
  type: int
  sample: 2
"""
