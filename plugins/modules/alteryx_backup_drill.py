#!/usr/bin/python

# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: alteryx_backup_drill
short_description: Restore drill - load backup archives' MongoDB dumps into a scratch MongoDB and compare
version_added: 0.1.0
description:
  - Proves that backup archives restore - on a throwaway MongoDB server, never on an Alteryx node. For each archive,
    every document of its MongoDB dump (C(MongoDB/<db>/<coll>.bson), or mongodump C(--gzip) C(.bson.gz); the
    embedded emongodump and self-managed mongodump layouts alike) is inserted, as the dump's raw BSON, into a
    scratch database C(alteryx_drill_<run id>_<db>) of the server O(uri) names.
  - Then, per collection, the documents the server holds are counted against the manifest
    (C(Extensions.MongoDB.Databases)), and a seeded sample of O(sample) documents is read back by C(_id) and
    compared byte for byte with the dump.
  - The scratch databases are dropped afterwards in every case, also after a failure; the C(cleanup) check says
    none is left.
  - Refuses, before loading anything, a server that already holds a database named C(alteryx_drill_*) (another
    drill runs there, or an interrupted one left it) - such databases are neither used nor dropped.
  - Each archive is read once, front to back; memory is bounded by the insert batch and the sample, independent of
    the archive's size. Verify archives first (M(alteryx.server.alteryx_backup_verify)); the verify role drills only
    the archives that passed.
options:
  uri:
    description:
      - MongoDB connection string of the throwaway server, with user and password when it needs a login, e.g.
        C(mongodb://drill:PASSWORD@scratch-mongo:27017/?authSource=admin).
      - The user needs to list, write and drop databases (C(readWriteAnyDatabase) or C(root)).
      - Never printed; error messages have the password replaced by C(********).
    type: str
    required: true
    version_added: 0.1.0
  archives:
    description:
      - The archives to drill, in order. An empty list drills nothing and succeeds.
    type: list
    elements: path
    required: true
    version_added: 0.1.0
  sample:
    description:
      - How many documents per collection are read back and compared byte for byte (a seeded reservoir sample over
        the whole collection); V(0) only counts.
    type: int
    default: 20
    version_added: 0.1.0
  run_id:
    description:
      - Part of the scratch database names, 1-16 letters or digits; empty means 8 random hex digits.
    type: str
    default: ""
    version_added: 0.1.0
  timeout:
    description:
      - Seconds to wait for the server to answer when connecting.
    type: int
    default: 10
    version_added: 0.1.0
  fail_on_error:
    description:
      - Fail the task when any archive fails the drill. With V(false) the task succeeds and RV(archives) and
        RV(failed_archives) say which archives failed. A server that cannot be used fails the task either way.
    type: bool
    default: true
    version_added: 0.1.0
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: partial
    details:
      - In check mode the module logs in and checks the server (no scratch databases present) but loads nothing.
  diff_mode:
    support: none
  platform:
    platforms: posix
requirements:
  - pymongo
notes:
  - Indexes (the dump's C(.metadata.json)) are not rebuilt; the drill proves the documents restore.
  - See C(docs/verify.md) for what the drill proves and what it does not.
seealso:
  - module: alteryx.server.alteryx_backup_verify
author:
  - alteryx.server maintainers (@alteryx-server)
"""

EXAMPLES = r"""
- name: Drill last night's archive into the scratch MongoDB on the controller
  alteryx.server.alteryx_backup_drill:
    uri: "{{ drill_uri }}"
    archives:
      - /mnt/alteryx-backups/controller/ServerBackup_Full_20260114_020015.zip
  delegate_to: localhost

- name: Drill every archive that passed verification, report instead of failing
  alteryx.server.alteryx_backup_drill:
    uri: "{{ drill_uri }}"
    archives: "{{ verified.archives | selectattr('passed') | map(attribute='archive') | list }}"
    sample: 50
    fail_on_error: false
  delegate_to: localhost
  register: drilled
"""

RETURN = r"""
archives:
  description: One report per archive drilled, in the order given.
  returned: success, and when an archive failed
  type: list
  elements: dict
  contains:
    archive:
      description: Path of the archive.
      returned: always
      type: str
      sample: /mnt/alteryx-backups/controller/ServerBackup_Full_20260114_020015.zip
    name:
      description: File name of the archive.
      returned: always
      type: str
      sample: ServerBackup_Full_20260114_020015.zip
    passed:
      description: Whether every check passed.
      returned: always
      type: bool
      sample: true
    verdict:
      description: C(passed), C(failed), or C(skipped) for an archive without a MongoDB dump.
      returned: always
      type: str
      sample: passed
    summary:
      description: One line with the verdict.
      returned: always
      type: str
      sample: "ServerBackup_Full_20260114_020015.zip: DRILL PASSED - 488 documents in 9 collections loaded, counted and sampled in 0.4 s"
    checks:
      description:
        - Every check made. C(check) is C(count) (documents on the server against the manifest), C(sample)
          (sampled documents read back byte-equal), C(load) (the server refused a document, or the dump file is
          unreadable), C(manifest), C(cleanup) (no scratch database left), or C(readable).
      returned: always
      type: list
      elements: dict
      contains:
        check:
          description: What was compared.
          returned: always
          type: str
          sample: count
        file:
          description: The dump file (zip entry) or archive the check is about.
          returned: always
          type: str
          sample: MongoDB/AlteryxGallery/users.bson
        expected:
          description: What the manifest says, as text.
          returned: always
          type: str
          sample: "60"
        found:
          description: What the scratch server holds, as text.
          returned: always
          type: str
          sample: "59"
        passed:
          description: Whether the two agree.
          returned: always
          type: bool
          sample: false
    failed_checks:
      description: The failed checks only, shaped as RV(archives[].checks).
      returned: always
      type: list
      elements: dict
      sample: []
    problems:
      description: "One line per failed check - C(<check> <file>: expected <expected>, found <found>)."
      returned: always
      type: list
      elements: str
      sample:
        - "count MongoDB/AlteryxGallery/users.bson: expected 60, found 59"
    databases:
      description: The scratch databases the drill used (all dropped afterwards).
      returned: always
      type: list
      elements: str
      sample: [alteryx_drill_1a2b3c4d_AlteryxGallery]
    documents:
      description: Documents the server accepted.
      returned: always
      type: int
      sample: 488
    seconds:
      description: Time the drill of this archive took.
      returned: always
      type: float
      sample: 0.4
passed_archives:
  description: Number of archives that passed (or had no dump to drill).
  returned: success, and when an archive failed
  type: int
  sample: 1
failed_archives:
  description: Number of archives that failed. Not named C(failed), which Ansible reads as the task's outcome.
  returned: success, and when an archive failed
  type: int
  sample: 0
run_id:
  description: The run id in the scratch database names.
  returned: always
  type: str
  sample: 1a2b3c4d
msg:
  description: What was drilled and the outcome.
  returned: always
  type: str
  sample: 1 archive(s) drilled, all passed
"""

# Imports follow the documentation, as in every Ansible module.
import urllib.parse  # noqa: E402

from ansible.module_utils.basic import AnsibleModule, missing_required_lib  # noqa: E402

from ansible_collections.alteryx.server.plugins.module_utils._drill import (  # noqa: E402
    HAS_PYMONGO,
    PYMONGO_IMPORT_ERROR,
    DrillError,
    check_server,
    connect,
    drill_archives,
    new_run_id,
    redact,
    uri_password,
)

ARGUMENT_SPEC = {
    "uri": {"type": "str", "required": True, "no_log": True},
    "archives": {"type": "list", "elements": "path", "required": True},
    "sample": {"type": "int", "default": 20},
    "run_id": {"type": "str", "default": ""},
    "timeout": {"type": "int", "default": 10},
    "fail_on_error": {"type": "bool", "default": True},
}


def main() -> None:
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    if not HAS_PYMONGO:
        module.fail_json(msg=missing_required_lib("pymongo"), exception=PYMONGO_IMPORT_ERROR)
    uri = module.params["uri"]
    for secret in {uri_password(uri), urllib.parse.unquote(uri_password(uri))} - {""}:
        # Masks the bare password too (no_log masks the whole connection string), wherever it might show up.
        module.no_log_values.add(secret)
    if module.params["sample"] < 0 or module.params["timeout"] < 1:
        module.fail_json(msg="sample must be 0 or more and timeout 1 or more")
    run_id = module.params["run_id"] or new_run_id()
    paths = module.params["archives"]
    try:
        client = connect(uri, module.params["timeout"])
    except DrillError as exc:
        module.fail_json(msg=f"Restore drill not run: {exc}", run_id=run_id)
    try:
        if module.check_mode:
            check_server(client)
            module.exit_json(changed=False, archives=[], passed_archives=0, failed_archives=0, run_id=run_id,
                             msg=f"Check mode: the drill server is usable; {len(paths)} archive(s) would be drilled")
        reports = drill_archives(client, paths, sample=module.params["sample"], run_id=run_id)
    except DrillError as exc:
        module.fail_json(msg=f"Restore drill not run: {exc}", run_id=run_id)
    except Exception as exc:  # a server that failed outside any single check; the password never goes out
        module.fail_json(msg=redact(f"Restore drill stopped: {type(exc).__name__}: {exc}", uri), run_id=run_id)
    finally:
        client.close()
    failed = [r for r in reports if not r["passed"]]
    outcome = "all passed" if not failed else f"{len(failed)} failed: " + ", ".join(r["name"] for r in failed)
    result = {"changed": False, "archives": reports, "passed_archives": len(reports) - len(failed),
              "failed_archives": len(failed), "run_id": run_id, "msg": f"{len(reports)} archive(s) drilled, {outcome}"}
    if failed and module.params["fail_on_error"]:
        module.fail_json(**result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
