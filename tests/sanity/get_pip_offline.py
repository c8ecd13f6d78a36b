"""Stand-in for ansible-test's get-pip bootstrap script, for machines that cannot reach ci-files.testing.ansible.com.

ansible-test downloads ``get-pip-<version>.py`` to bootstrap pip in each sanity virtualenv, unless
``~/.ansible/test/cache/get_pip_<version>.py`` exists. tests/tools/sanity.sh copies this file there.
ansible-test runs it as ``__main__`` with pip's own arguments (``--disable-pip-version-check pip==24.2
setuptools==... [--no-setuptools] [--no-wheel]``): bootstrap pip with ``ensurepip`` from the standard
library, then let that pip install the requested versions from the configured package index.
"""

from __future__ import annotations

import subprocess
import sys

# get-pip.py options that pip install does not know.
GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main() -> None:
    """Bootstrap pip, then install what ansible-test asked get-pip.py for."""
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True, stdout=subprocess.DEVNULL)
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    subprocess.run([sys.executable, "-m", "pip", "install", *args], check=True)


if __name__ == "__main__":
    main()
