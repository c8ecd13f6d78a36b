#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: alteryx_cloud_upload
short_description: Upload the published archive, its sidecar and manifest copy to S3 or Azure Blob
version_added: 0.1.0
description:
  - For each entry of O(destinations) the controller starts a multipart upload (S3) or block upload (Azure) of
    C(<prefix>/<archive name>), signs short-lived URLs for its parts (pre-signed S3 URLs, SAS URLs) and has the
    node PUT the parts with one C(ansible.windows.win_powershell) call per batch of parts. The node never sees a
    cloud credential; the URLs travel as a C(SecureString), so they are not in the module's invocation nor in
    the async job's results file.
  - The node sends each part with its C(Content-MD5); a part whose service ETag is not that MD5, or that failed,
    gets a fresh URL and another round. A part the node saw fail but the service holds with the node's MD5 (the
    answer was lost) is not sent again. Rounds that upload nothing new are limited by O(retries).
  - After completion the object's size, its C(sha256) metadata and (S3) its multipart ETag are checked against
    what the node read. Then the checksum sidecar C(<archive name>.sha256) is uploaded the same way, then the
    manifest copy C(<archive name>.manifest.json) of O(manifest_copy) - read back afterwards and its SHA256
    compared with the archive step's - and with C(lock) all of them get an Object Lock retention (S3) or
    immutability policy (Azure). A downloaded archive with its sidecar and manifest copy passes
    M(alteryx.server.alteryx_backup_verify) with the copy required.
  - A destination that fails is reported like a failed network copy - a warning, RV(destinations_failed) - and
    nothing of this run is left there (the upload is aborted, completed objects are deleted); with
    C(required=true) the task fails with RV(failure_class=storage) after every destination was tried.
options:
  archive:
    description:
      - The published archive, RV(alteryx.server.alteryx_archive#module:archive) - C(path), C(size), C(sha256).
    type: dict
    required: true
    version_added: 0.1.0
  sidecar:
    description: Path of the archive's checksum sidecar on the node; default C(<archive.path>.sha256).
    type: str
    default: ""
    version_added: 0.1.0
  manifest_copy:
    description:
      - The manifest copy published beside the archive,
        RV(alteryx.server.alteryx_archive#module:manifest_copy) - C(path), C(size), C(sha256).
      - Empty, or an empty C(path) (an archive step without a manifest), uploads no copy.
    type: dict
    default: {}
    version_added: 0.1.0
  destinations:
    description:
      - Cloud destinations, normally C(alteryx_backup_cloud_destinations). Each is a dict with C(type) (V(s3) or
        V(azure)), C(bucket) (s3) or C(container) (azure), and optionally C(name), C(prefix) (default
        C(<cluster>/<host>) or C(<host>)), C(required) (default V(false)), C(part_size_mb) (default 64; 5 to 5120
        for S3, 1 to 4000 for Azure), C(url_expiry_seconds) (default 900), C(lock) (C({mode -
        governance|compliance, days})) and C(retention) (default V(true), see
        M(alteryx.server.alteryx_cloud_retention)).
      - S3 connection keys - C(endpoint_url) (S3-compatible services), C(region), C(access_key_id),
        C(secret_access_key), C(session_token), C(profile), C(verify_tls) (default V(true)), C(ca_bundle).
        Without keys boto3's standard chain applies (C(AWS_*) environment variables, profile, instance role).
      - Azure connection keys - C(account_url), C(account_name), C(account_key), C(sas_token),
        C(connection_string), C(verify_tls), C(ca_bundle).
      - Unknown keys fail with RV(failure_class=validation). The value is no_log.
    type: list
    elements: raw
    default: []
    version_added: 0.1.0
  cluster:
    description: Cluster name for the default prefix C(<cluster>/<host>); empty for a single node.
    type: str
    default: ""
    version_added: 0.1.0
  retries:
    description: Rounds in a row that upload no new part before a destination fails (a round with progress is free).
    type: int
    default: 3
    version_added: 0.1.0
  part_retries:
    description:
      - Tries of one part on the node B(after the first one), for failures without an answer (connection refused
        or dropped, timeout) and HTTP 5xx/408/429. Other HTTP errors go back to the controller at once.
    type: int
    default: 2
    version_added: 0.1.0
  retry_delay:
    description: Seconds between two tries of a part on the node.
    type: int
    default: 5
    version_added: 0.1.0
  part_timeout:
    description: Seconds one part's request may take (HttpWebRequest C(Timeout) and C(ReadWriteTimeout)).
    type: int
    default: 300
    version_added: 0.1.0
  now:
    description: Time the lock durations count from, ISO 8601 (for tests); default now.
    type: str
    version_added: 0.1.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
  - alteryx.server.job
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
      - Check mode validates O(destinations) and lists the objects it would upload in RV(msg); no cloud service
        and no node is contacted.
  diff_mode:
    support: none
  platform:
    platforms: windows
seealso:
  - module: alteryx.server.alteryx_archive
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Upload the archive to S3 with a 30-day governance lock
  alteryx.server.alteryx_cloud_upload:
    archive: "{{ archive.archive }}"
    manifest_copy: "{{ archive.manifest_copy }}"
    cluster: prod
    destinations:
      - type: s3
        bucket: alteryx-backups
        region: eu-west-1
        lock:
          mode: governance
          days: 30
  register: cloud

- name: An S3-compatible store with its own CA, required to succeed
  alteryx.server.alteryx_cloud_upload:
    archive: "{{ archive.archive }}"
    destinations:
      - type: s3
        bucket: backups
        endpoint_url: https://minio.example.com:9000
        ca_bundle: /etc/pki/minio-ca.pem
        access_key_id: "{{ vault_minio_key_id }}"
        secret_access_key: "{{ vault_minio_secret }}"
        required: true
"""

RETURN = r"""
cloud:
  description: One record per destination, in order (no credential in it).
  returned: success
  type: list
  elements: dict
  contains:
    name:
      description: The destination's name (default C(<type>://<bucket>/<prefix>)).
      returned: always
      type: str
      sample: s3://alteryx-backups/prod/controller1
    key:
      description: Object key of the archive.
      returned: always
      type: str
      sample: prod/controller1/ServerBackup_Full_20240131_020000.zip
    sidecar_key:
      description: Object key of the sidecar.
      returned: when the upload was tried
      type: str
      sample: prod/controller1/ServerBackup_Full_20240131_020000.zip.sha256
    manifest_copy_key:
      description: Object key of the manifest copy; empty when O(manifest_copy) names none.
      returned: when the upload was tried
      type: str
      sample: prod/controller1/ServerBackup_Full_20240131_020000.zip.manifest.json
    ok:
      description: The archive, its sidecar and its manifest copy are there, verified (and locked when configured).
      returned: always
      type: bool
      sample: true
    parts:
      description: Number of parts of the archive.
      returned: when the upload was tried
      type: int
      sample: 3
    rounds:
      description: Rounds of URLs sent to the node for the archive.
      returned: when the upload was tried
      type: int
      sample: 1
    resumed_parts:
      description: Parts taken from the service's list after the node lost their answer.
      returned: when the upload was tried
      type: int
      sample: 0
    locked_until:
      description: End of the retention lock (ISO 8601), empty without one.
      returned: when the upload was tried
      type: str
      sample: "2024-03-01T02:04:10+00:00"
    error:
      description: Why the destination failed; empty when it succeeded.
      returned: always
      type: str
      sample: ""
    left:
      description: Objects of this run that could not be removed after a failure (normally empty).
      returned: when the upload was tried
      type: list
      elements: str
      sample: []
destinations_failed:
  description: Number of destinations that did not get a verified copy.
  returned: success
  type: int
  sample: 0
warnings:
  description: One per failed destination.
  returned: success
  type: list
  elements: str
  sample: []
msg:
  description: What was uploaded (in check mode, what would be), or that no destination is configured.
  returned: success
  type: str
  sample: ServerBackup_Full_20240131_020000.zip uploaded to 1 of 1 cloud destination(s)
log:
  description: Run log entries of this step - a C(WARNING) per failed destination, a C(SUCCESS) per good one.
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
      sample: SUCCESS
    message:
      description: What happened.
      returned: always
      type: str
      sample: Uploaded ServerBackup_Full_20240131_020000.zip to s3://alteryx-backups/controller1/... in 3 part(s)
failure_class:
  description:
    - C(validation) (bad O(destinations) or O(archive)) or C(storage) (a C(required) destination failed).
  returned: failure
  type: str
  sample: storage
exit_code:
  description: Exit code matching RV(failure_class).
  returned: failure
  type: int
  sample: 4
"""
