"""winsim: the simulated Windows / Alteryx Server host behind the alteryx_sim.windows.winsim connection."""

import sys


def _cache_bytecode() -> None:
    """Compile winsim's own modules once when the environment forbids writing bytecode (PYTHONDONTWRITEBYTECODE).

    Ansible forks a worker per task and host, and each imports winsim afresh: compiling its sources every time made
    winsim the largest part of the controller CPU a benchmark measures. Python still reads bytecode it may not
    write, so the modules are compiled here, and again only when a source changes (compileall compares timestamps).
    """
    import compileall
    import os

    compileall.compile_dir(os.path.dirname(os.path.abspath(__file__)), quiet=2)


if sys.dont_write_bytecode:
    _cache_bytecode()
