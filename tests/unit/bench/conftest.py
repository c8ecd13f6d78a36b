"""Put ``tests/bench`` on ``sys.path``: the benchmark helpers there are scripts, imported here as plain modules."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))
