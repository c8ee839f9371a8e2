"""Every step fits a laptop screen, scaled as laptops are: no sideways scroll bar, and its main
actions (Next, the countdown's start and pause, Record passes, Sign the session) in view
without scrolling; at 200 % the window still fits and the rest is reached by scrolling.

Each size runs in its own process (tests/layout_probe.py): Qt reads QT_SCALE_FACTOR when the
application starts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = Path(__file__).resolve().parent / "layout_probe.py"
SCREENS = [  # (width, height, scale factor, language)
    (1366, 768, "1", "en"), (1366, 768, "1.25", "en"), (1366, 768, "1.5", "en"),
    (1280, 720, "1", "en"), (1024, 600, "1", "en"),
    # German runs about a third longer: the tightest two again under German
    (1366, 768, "1.5", "de"), (1024, 600, "1", "de"),
]


def probe(tmp_path: Path, width: int, height: int, scale: str, language: str, *extra: str) -> list[dict[str, str]]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR=scale,
               XDG_CONFIG_HOME=str(tmp_path / "config"))
    result = subprocess.run([sys.executable, str(PROBE), str(width), str(height), str(tmp_path / "data"),
                             "--language", language, *extra],
                            env=env, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("width", "height", "scale", "language"), SCREENS,
                         ids=[f"{w}x{h}-{float(s):.0%}-{lang}" for w, h, s, lang in SCREENS])
def test_every_step_fits_with_its_main_actions_in_view(tmp_path: Path, width: int, height: int, scale: str,
                                                       language: str) -> None:
    faults = probe(tmp_path, width, height, scale, language)
    assert faults == [], "\n".join(f"{f['where']}: {f['fault']}" for f in faults)


def test_at_200_percent_the_window_fits_the_screen_and_the_rest_scrolls(tmp_path: Path) -> None:
    faults = probe(tmp_path, 1366, 768, "2", "en", "--reachable")
    assert faults == [], "\n".join(f"{f['where']}: {f['fault']}" for f in faults)
