#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_cloud_retention
short_description: Delete archives older than the retention of their mode from S3 buckets and Azure containers
version_added: 0.1.0
description:
  - The rules of M(alteryx.server.alteryx_retention), applied to the objects directly under the prefix of every
    entry of O(destinations) whose C(retention) is V(true) (the default). Per prefix and mode, the newest
    O(min_keep) B(good) archives are never deleted; an archive older than O(retention_days) that is not protected
    is deleted with its C(.sha256) sidecar object (and a C(.manifest.json) copy when there is one).
  - An archive object is good when it is in O(verified), or when its C(.sha256) sidecar object exists and holds
    the SHA256 of the object's C(sha256) metadata (set and proved against the bytes by
    M(alteryx.server.alteryx_cloud_upload)) and the object is at least O(min_bytes) for its mode. Archives are
    never downloaded; only the objects whose SHA256 decides a deletion are looked up (one C(HEAD) each).
  - An archive due for deletion whose delete a retention lock refuses (S3 Object Lock, Azure immutability policy
    or legal hold) is kept and reported in RV(cloud_retention[].locked) - not a failure. The archive is deleted
    before its sidecar, so a refused delete never leaves an archive without its sidecar.
  - Only names of this collection are considered (C(ServerBackup_{Full|DB|Config}_YYYYMMDD_HHmmss.zip));
    other objects and deeper prefixes are never touched. The age comes from the timestamp in the name.
  - A destination where listing or deleting fails is a warning (the next run tries again); the task does not fail
    for it. Runs on the controller for a Windows node of the inventory; the node is not contacted and no credential
    leaves the controller.
options:
  destinations:
    description:
      - Cloud destinations as M(alteryx.server.alteryx_cloud_upload) takes them, normally
        C(alteryx_backup_cloud_destinations). Entries with C(retention=false) are skipped. The value is no_log.
    type: list
    elements: raw
    default: []
    version_added: 0.1.0
  cluster:
    description: Cluster name for the default prefix C(<cluster>/<host>); empty for a single node.
    type: str
    default: ""
    version_added: 0.1.0
  retention_days:
    description:
      - Days to keep archives, as in M(alteryx.server.alteryx_retention) - one integer for every mode or a dict
        per mode (C(Full), C(DatabaseOnly) or C(DB), C(ConfigOnly) or C(Config)) over the defaults C(Full=30),
        C(DatabaseOnly=7), C(ConfigOnly=14).
    type: raw
    default: {}
    version_added: 0.1.0
  min_keep:
    description: Newest good archives of each mode (per prefix) that are always kept; values below 1 count as 1.
    type: int
    default: 1
    version_added: 0.1.0
  modes:
    description: Modes to apply retention to; archives of other modes are left untouched. Default all modes.
    type: list
    elements: str
    version_added: 0.1.0
  min_bytes:
    description: Minimum size of a good archive per mode, over the defaults of M(alteryx.server.alteryx_backup_plan).
    type: dict
    default: {}
    version_added: 0.1.0
  verified:
    description:
      - Object keys this run uploaded and verified, for example the C(key) of the successful records of
        RV(alteryx.server.alteryx_cloud_upload#module:cloud). They count as good without a lookup.
    type: list
    elements: str
    default: []
    version_added: 0.1.0
  now:
    description:
      - Reference time, ISO 8601, for example RV(alteryx.server.alteryx_backup_plan#module:started). Archive names
        carry local wall-clock time, so a time zone offset is ignored. Default the controller's local time.
    type: str
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
      - Check mode lists and looks up exactly as a normal run but deletes nothing; RV(cloud_retention[].would_delete)
        says what would go. A lock is only discovered by a delete, so check mode cannot tell which would be kept.
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_cloud_upload
  - module: alteryx.server.alteryx_retention
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Apply this run's retention in the cloud; the archive just uploaded counts as good
  alteryx.server.alteryx_cloud_retention:
    destinations: "{{ alteryx_backup_cloud_destinations }}"
    cluster: "{{ alteryx_cluster | default('') }}"
    modes:
      - "{{ backup_plan.mode }}"
    retention_days:
      Full: 90
    verified: "{{ cloud.cloud | selectattr('ok') | map(attribute='key') | list }}"
    now: "{{ backup_plan.started }}"

- name: Show what would be deleted from the bucket
  alteryx.server.alteryx_cloud_retention:
    destinations:
      - type: s3
        bucket: alteryx-backups
        region: eu-west-1
  check_mode: true
  register: cloud_retention_preview
"""

RETURN = r"""
cloud_retention:
  description: One record per destination with retention on, in order (no credential in it).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The destination's name (default C(<type>://<bucket>/<prefix>)).
      returned: always
      type: str
      sample: s3://alteryx-backups/prod/controller1
    type:
      description: C(s3) or C(azure).
      returned: always
      type: str
      sample: s3
    container:
      description: The bucket (S3) or container (Azure).
      returned: always
      type: str
      sample: alteryx-backups
    prefix:
      description: The prefix retention looked under.
      returned: always
      type: str
      sample: prod/controller1
    ok:
      description: Listing, planning and deleting worked at this destination.
      returned: always
      type: bool
      sample: true
    error:
      description: Why retention failed at this destination; empty when it did not.
      returned: always
      type: str
      sample: ""
    deleted:
      description: Object keys deleted (archives, each followed by its attached objects); empty in check mode.
      returned: always
      type: list
      elements: str
      sample:
        - prod/controller1/ServerBackup_Full_20231201_020000.zip
        - prod/controller1/ServerBackup_Full_20231201_020000.zip.sha256
    would_delete:
      description: Object keys that would be deleted; in check mode only.
      returned: always
      type: list
      elements: str
      sample: []
    kept:
      description: Archive object keys kept (sidecars not listed), locked ones included.
      returned: always
      type: list
      elements: str
      sample:
        - prod/controller1/ServerBackup_Full_20240131_020000.zip
    locked:
      description: Objects due for deletion that a retention lock kept, with the lock's end when known.
      returned: always
      type: list
      elements: dict
      sample:
        - key: prod/controller1/ServerBackup_Full_20231215_020000.zip
          locked_until: "2024-03-01T02:04:10+00:00"
    looked_up:
      description: Archive object keys whose C(sha256) metadata was read to decide a deletion.
      returned: always
      type: list
      elements: str
      sample: []
warnings:
  description: A failed destination, kept archives that do not verify, sidecars a lock kept after their archive went.
  returned: success
  type: list
  elements: str
  sample: []
msg:
  description: One line on what retention did (or would do) at every destination.
  returned: success
  type: str
  sample: "Cloud retention at 1 destination(s): deleted 2 object(s)"
log:
  description: Run log entries of this step - what was deleted and why, what a lock kept, warnings.
  returned: always
  type: list
  elements: dict
  contains:
    time:
      description: Controller local time of the entry.
      returned: always
      type: str
      sample: "2024-01-31 02:04:10"
    level:
      description: One of C(DEBUG), C(INFO), C(WARNING), C(ERROR), C(SUCCESS).
      returned: always
      type: str
      sample: INFO
    message:
      description: What happened.
      returned: always
      type: str
      sample: "Deleted s3://alteryx-backups/prod/controller1/ServerBackup_Full_20231201_020000.zip: older than ..."
failure_class:
  description:
    - C(validation) (bad O(destinations), O(retention_days), O(min_keep), O(min_bytes) or O(now)) or
      C(invalid_mode) (an unknown mode in O(modes), O(retention_days) or O(min_bytes)).
  returned: failure
  type: str
  sample: validation
exit_code:
  description: Exit code matching RV(failure_class).
  returned: failure
  type: int
  sample: 3
"""
