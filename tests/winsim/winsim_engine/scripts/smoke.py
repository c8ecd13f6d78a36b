"""Twin of the smoke-test script: doubles ``Value`` (used by the foundation's smoke playbook)."""

from __future__ import annotations


def run(host, parameters, ctx):
    return {"result": {"doubled": int(parameters["Value"]) * 2}, "changed": False}
