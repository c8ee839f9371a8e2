"""How an alert reaches the practitioner: a banner, a flash, optionally a sound.

The sound is never the only signal: the banner stays until acknowledged and the
countdown box flashes. The tone is generated once into memory (no binary in the repo).
"""

from __future__ import annotations

import math
import os
import shutil
import struct
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import (
    QObject,
    QProcess,
)
from PySide6.QtWidgets import QApplication

_TONE_FILE: Path | None = None


def _tone_path() -> Path:
    """A short two-note chime as a WAV file in the temp folder, made on first use."""
    global _TONE_FILE  # noqa: PLW0603 - one generated file per process
    if _TONE_FILE is None or not _TONE_FILE.exists():
        rate, frames = 22050, []
        for freq, length in ((880.0, 0.18), (0.0, 0.05), (1320.0, 0.25)):
            for i in range(int(rate * length)):
                fade = min(1.0, (int(rate * length) - i) / 800)
                value = math.sin(2 * math.pi * freq * i / rate) * 0.6 * fade if freq else 0.0
                frames.append(struct.pack("<h", int(value * 32767)))
        data = b"".join(frames)
        header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 1, 1,
                             rate, rate * 2, 2, 16, b"data", len(data))
        fd, name = tempfile.mkstemp(prefix="microneedle-desk-", suffix=".wav")
        with os.fdopen(fd, "wb") as f:
            f.write(header + data)
        _TONE_FILE = Path(name)
    return _TONE_FILE


class AlertSound(QObject):
    """Plays the chime with the platform's own player (QtMultimedia is not in the
    Essentials wheel): winsound on Windows, afplay on macOS, paplay or aplay on Linux.
    Falls back to the system bell."""

    def play(self, volume_percent: int) -> None:
        if os.environ.get("QT_QPA_PLATFORM") == "offscreen" or volume_percent <= 0:
            return  # no audio device in tests or headless checks
        tone = str(_tone_path())
        if sys.platform == "win32":
            import winsound  # noqa: PLC0415 (this platform only)

            winsound.PlaySound(tone, winsound.SND_FILENAME | winsound.SND_ASYNC)
            return
        if sys.platform == "darwin" and shutil.which("afplay"):
            QProcess.startDetached("afplay", ["-v", f"{volume_percent / 100:.2f}", tone])
            return
        if shutil.which("paplay"):
            QProcess.startDetached("paplay", [f"--volume={int(65536 * volume_percent / 100)}", tone])
            return
        if shutil.which("aplay"):
            QProcess.startDetached("aplay", ["-q", tone])
            return
        QApplication.beep()
