"""Finding a session's photo files: the newest in the camera's folder, or one picked by hand."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QWidget

from microneedle_desk.i18n import tr

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp", ".heic", ".heif")


def newest_files(folder: Path, count: int) -> list[Path]:
    """The ``count`` newest photo files in ``folder`` (newest first); [] when it cannot be read."""
    try:
        with os.scandir(folder) as entries:
            found = [(e.stat().st_mtime, Path(e.path)) for e in entries
                     if e.is_file() and e.name.lower().endswith(IMAGE_SUFFIXES) and not e.name.startswith(".")]
    except OSError:
        return []
    return [path for _, path in sorted(found, key=lambda t: t[0], reverse=True)[:count]]


def choose_photo_file(parent: QWidget, ctx: UiContext) -> str:
    """A photo file picked in the system's dialog, starting in the camera folder ("" if cancelled)."""
    start = str(ctx.settings.get("photos/watch_folder") or Path.home())
    path, _ = QFileDialog.getOpenFileName(parent, tr("Choose the photo"), start,
                                          tr("Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.heic)"))
    return path
