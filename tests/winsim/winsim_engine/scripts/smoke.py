"""Twin of the smoke-test script: doubles ``Value`` (used by the foundation's smoke playbook).

The script (``param([int]$Value)``, ``$Ansible.Result = @{ doubled = $Value * 2 }``) never sets
``$Ansible.Changed``, so the module reports changed (its default).
"""

from __future__ import annotations


def run(host, parameters, ctx):
    return {"result": {"doubled": int(parameters["Value"]) * 2}}
