"""The newest photos in the camera's folder, each given a standard view (the free ones in the
order they were taken) and attached together, with a bar showing how far it got.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
)

from microneedle_desk.i18n import tr
from microneedle_desk.ui.photo_files import newest_files

if TYPE_CHECKING:
    from microneedle_desk.ui.context import UiContext


class CameraFolderBox(QGroupBox):
    """Lists the camera folder's newest photos; ``attach(view, path)`` attaches one (False: refused,
    the refusal is on screen), ``say(text)`` shows what went wrong ("" clears it) and
    ``free_views()`` names the views with no photo yet."""

    def __init__(self, ctx: UiContext, attach: Callable[[str, Path], bool], say: Callable[[str], None],
                 free_views: Callable[[], list[str]]) -> None:
        super().__init__(tr("From the camera's folder"))
        self.ctx, self._attach, self._say, self._free_views = ctx, attach, say, free_views
        self.newest = QSpinBox()
        self.newest.setRange(1, 12)
        self.newest.setValue(len(ctx.protocol.photo_views) or 6)
        self.newest.setAccessibleName(tr("How many of the newest photos"))
        self.import_button = QPushButton(tr("Import the &newest"))
        self.import_button.clicked.connect(self.list_newest)
        self.folder_label = QLabel()
        self.folder_label.setWordWrap(True)
        self.batch: list[tuple[Path, QComboBox]] = []
        self.batch_box = QVBoxLayout()
        self.attach_batch = QPushButton(tr("Attach these to the views chosen"))
        self.attach_batch.clicked.connect(self.attach_listed)
        self.attach_batch.hide()
        self.progress = QProgressBar()
        self.progress.setAccessibleName(tr("Photos attached so far"))
        self.progress.hide()
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_label, 1)
        folder_row.addWidget(self.import_button)
        folder_row.addWidget(self.newest)
        lay = QVBoxLayout(self)
        lay.addLayout(folder_row)
        lay.addLayout(self.batch_box)
        lay.addWidget(self.attach_batch)
        lay.addWidget(self.progress)

    def show_folder(self) -> None:
        self.folder_label.setText(tr("Camera folder: {folder}").format(
            folder=self.ctx.settings.get("photos/watch_folder") or tr("not set (Settings › Photos)")))

    def list_newest(self) -> None:
        folder = str(self.ctx.settings.get("photos/watch_folder") or "")
        self._clear_batch()
        if not folder:
            self._say(tr("No camera folder is set: an admin sets it in Settings › Photos."))
            return
        files = newest_files(Path(folder), self.newest.value())
        if not files:
            self._say(tr("There are no photos in the camera folder {folder}.").format(folder=folder))
            return
        free = self._free_views()
        for n, path in enumerate(reversed(files)):  # oldest first: taken in the order of the views
            combo = QComboBox()
            combo.setAccessibleName(tr("View of {name}").format(name=path.name))
            combo.addItem(tr("(leave out)"), "")
            for view in self.ctx.protocol.photo_views:
                combo.addItem(view.label, view.id)
            if n < len(free):
                combo.setCurrentIndex(combo.findData(free[n]))
            row = QHBoxLayout()
            row.addWidget(QLabel(path.name), 1)
            row.addWidget(combo)
            self.batch_box.addLayout(row)
            self.batch.append((path, combo))
        self.attach_batch.show()
        self._say("")

    def _clear_batch(self) -> None:
        while self.batch_box.count():
            item = self.batch_box.takeAt(0)
            row = item.layout() if item is not None else None
            while row is not None and row.count():
                child = row.takeAt(0)
                widget = child.widget() if child is not None else None
                if widget is not None:
                    widget.deleteLater()
        self.batch = []
        self.attach_batch.hide()

    def attach_listed(self) -> None:
        chosen = [(path, str(combo.currentData())) for path, combo in self.batch if combo.currentData()]
        views = [view for _, view in chosen]
        if len(set(views)) != len(views):
            self._say(tr("Two photos are given the same view: give each its own, or leave one out."))
            return
        self.progress.setRange(0, len(chosen))
        self.progress.setValue(0)
        self.progress.show()
        try:
            for done, (path, view) in enumerate(chosen, start=1):
                if not self._attach(view, path):
                    return  # the refusal is on screen; the rest stay listed to fix and try again
                self.progress.setValue(done)
                self.progress.repaint()  # each photo takes a moment: show how far it got
        finally:
            self.progress.hide()
        self._clear_batch()
