"""Kill a process that is saving records at random moments; nothing readable or acknowledged is lost.

Runs ``tools/fault_injection.py`` with a modest number of kills; the long run is
``python tools/fault_injection.py --kills 200 --data-dir DIR``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parent.parent / "tools" / "fault_injection.py"


def _figures(out: str) -> dict[str, int]:
    figures = {}
    for line in out.splitlines():
        name, sep, value = line.rpartition(": ")
        if sep and value.strip().isdigit():
            figures[name.strip()] = int(value)
    return figures


@pytest.mark.slow
def test_sigkill_at_random_moments_loses_no_file_no_signed_session_no_acknowledged_step(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(TOOL), "--kills", "10", "--data-dir", str(tmp_path / "data"), "--seed", "7",
         "--max-delay", "1.0"],
        capture_output=True, text=True, timeout=600, check=False)
    figures = _figures(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert figures["kills"] == 10
    assert figures["unreadable files"] == 0
    assert figures["check problems"] == 0
    assert figures["other stray files"] == 0
    assert figures["signed sessions lost"] == 0
    assert figures["interrupted sessions missing acknowledged steps"] == 0
    assert figures["steps acknowledged as saved"] > 0
