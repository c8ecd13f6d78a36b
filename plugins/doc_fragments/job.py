# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Options shared by the modules that run their host work as one detached (async) job and poll it."""

from __future__ import annotations


class ModuleDocFragment:
    """C(alteryx.server.job) - bound and polling of the job; C(alteryx.server.job.window) - a downtime window job."""

    DOCUMENTATION = r"""
options:
  timeout:
    description:
      - Upper bound in seconds for the detached job; the controller stops polling 30 seconds after it.
    type: int
    default: 21600
    version_added: 0.1.0
  poll_interval:
    description:
      - Longest wait in seconds between two polls of the detached job; each poll is one module round trip.
      - The first poll comes after 1 second (or this value, when smaller) and each next one 1.5 times later, up to
        this value, so a short job is seen to end at once and a 1-hour job costs 69 polls at the default.
    type: float
    default: 60.0
    version_added: 0.1.0
"""

    # A job that may stop the service (emongodump, mongodump, SQLite copy): it proves it still owns the run's
    # lock, keeps the lock fresh and leaves a marker the failure cleanup waits on.
    WINDOW = r"""
options:
  lock_path:
    description:
      - Lock file of the run (see M(alteryx.server.alteryx_preflight)) whose heartbeat the job refreshes.
      - With O(run_id), the job first checks that the lock still names the run and touches nothing when it does not
        (the run was cancelled by its own cleanup while the job was starting).
      - An empty string means no heartbeat and no check.
    type: str
    default: ""
    version_added: 0.1.0
  run_id:
    description: Id of the run that must own O(lock_path).
    type: str
    default: ""
    version_added: 0.1.0
  window_path:
    description:
      - Marker file the job keeps while it runs (normally RV(alteryx.server.alteryx_backup_plan#module:window_path)),
        so that a failed run's cleanup (M(alteryx.server.alteryx_finalize)) waits for the job to bring the service back
        even when the controller lost track of it. An empty string means no marker.
    type: str
    default: ""
    version_added: 0.1.0
  heartbeat_seconds:
    description:
      - Seconds between two refreshes of the lock O(lock_path) by the job while it waits for workflows and while
        the dump runs, so a long dump is never taken for an interrupted run.
    type: int
    default: 30
    version_added: 0.1.0
  wait:
    description:
      - With V(true) the task waits for the job and returns the dump's result.
      - With V(false) the task only starts the job (one module round trip) and returns its handle RV(job) at once;
        M(alteryx.server.alteryx_dump_wait) waits for it in a later task and returns exactly what this task would
        have. No fork of the controller waits meanwhile, so the dump windows of many hosts run side by side
        whatever C(forks) is. The window on the host is the same detached job either way - it starts the service
        again by itself.
      - A job that cannot be started, or whose start reply is lost, fails this task with the same message and
        RV(failure_class) as with V(true); what the job itself meets (workflows still running, a failed dump) is
        reported by the wait.
    type: bool
    default: true
    version_added: 0.1.0
"""
