# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Options shared by the modules that act on the Alteryx Windows service."""

from __future__ import annotations


class ModuleDocFragment:
    """C(alteryx.server.service) - the service name; C(alteryx.server.service.waits) - the waits around a stop."""

    DOCUMENTATION = r"""
options:
  service_name:
    description:
      - Name of the Alteryx Windows service.
    type: str
    default: AlteryxService
    version_added: 0.1.0
"""

    # The spec's MaxWorkflowWaitSeconds / ForceStopWorkflows / MaxServiceWaitSeconds, identical in every module
    # that may stop the service, so a role passes the same three variables to each of them.
    WAITS = r"""
options:
  max_workflow_wait:
    description:
      - Seconds to wait for running workflows before stopping the service.
    type: int
    default: 3600
    version_added: 0.1.0
  force_stop_workflows:
    description:
      - Kill workflows still running after O(max_workflow_wait) instead of failing with
        RV(failure_class=service_timeout).
    type: bool
    default: false
    version_added: 0.1.0
  max_service_wait:
    description:
      - Seconds to wait for the service to stop and to start.
    type: int
    default: 7200
    version_added: 0.1.0
"""
