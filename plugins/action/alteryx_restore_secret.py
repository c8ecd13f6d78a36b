# Copyright: alteryx.server maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action for alteryx.server.alteryx_restore_secret: give the node the controller token of an archive.

A plaintext token is read and set on the node itself (it never travels). An encrypted one (CMS) is read from the
archive, decrypted here with the private key of the certificate the backup encrypted to, and sent back only as a
win_powershell sensitive parameter (a SecureString on the node, no_log on the call).
"""

from __future__ import annotations

import base64
import os
import re

from ansible_collections.alteryx.server.plugins.plugin_utils._action import AlteryxAction
from ansible_collections.alteryx.server.plugins.plugin_utils._failures import AlteryxStepError
from ansible_collections.alteryx.server.plugins.plugin_utils._host import run_script
from ansible_collections.alteryx.server.plugins.plugin_utils._runlog import entry
from ansible_collections.alteryx.server.plugins.plugin_utils._secret_box import decrypt_cms

# What setserversecret prints when it did not take the token (its exit code is not trusted).
_REFUSED = re.compile(r"\b(error|fail(ed|ure)?|denied|invalid|requires|unknown)\b", re.IGNORECASE)


def decrypt_token(content: bytes, key_pem: bytes, passphrase: str, recipient: str = "") -> str:
    """The token inside a CMS envelope (``_secret_box.decrypt_cms``), as one word of text.

    Raises ValueError naming what went wrong (never the token)."""
    plain = decrypt_cms(content, key_pem, passphrase.encode() if passphrase else None, recipient=recipient)
    text = plain.decode("utf-8", errors="replace").strip()
    if not text or re.search(r"\s", text):
        raise ValueError("the decrypted controller token is empty or not one word")
    return text


class ActionModule(AlteryxAction):
    WRITES_RUN_LOG = False
    ARGUMENT_SPEC = {
        "archive": {"type": "str", "required": True},
        "kind": {"type": "str", "required": True, "choices": ["plaintext", "cms"]},
        "entry": {"type": "str", "required": True},
        "exe_path": {"type": "str", "default": "C:\\Program Files\\Alteryx\\bin\\AlteryxService.exe"},
        "secrets_key": {"type": "str", "default": ""},
        "secrets_passphrase": {"type": "str", "default": "", "no_log": True},
        "recipient": {"type": "str", "default": ""},
    }

    def step(self, args, task_vars):
        if self._task.check_mode:
            return {"changed": True, "kind": args["kind"],
                    "log": [entry("INFO", f"Would set the controller token from {args['entry']}")]}
        sensitive = None
        if args["kind"] == "cms":
            read = run_script(self, "alteryx_restore_secret", {
                "Phase": "read", "Archive": args["archive"], "Entry": args["entry"], "ExePath": args["exe_path"],
            }, task_vars, step="controller token read")
            try:
                with open(os.path.expanduser(args["secrets_key"]), "rb") as handle:
                    key_pem = handle.read()
                token = decrypt_token(base64.b64decode(read["content_base64"]), key_pem, args["secrets_passphrase"],
                                      args["recipient"])
            except (OSError, ValueError) as exc:
                raise AlteryxStepError(f"The controller token was not set: {exc}.", "validation",
                                       {"changed": False}) from None
            sensitive = {"Token": token}
        result = run_script(self, "alteryx_restore_secret", {
            "Phase": "set", "Archive": args["archive"], "Entry": args["entry"], "ExePath": args["exe_path"],
        }, task_vars, step="controller token", sensitive=sensitive)
        if _REFUSED.search(result["stdout"]):
            raise AlteryxStepError(f"AlteryxService.exe setserversecret did not take the token: {result['stdout']}",
                                   "general", {"changed": True})
        message = f"Controller token set from {args['entry']} ({'decrypted here' if sensitive else 'on the node'})"
        return {"changed": True, "kind": args["kind"], "msg": message, "log": [entry("INFO", message)]}
