"""The session's photos: the standard views, each attached from a file or skipped with a reason,
and last session's photo of a view shown over (or beside) this one to frame it alike.

A window of its own beside the step pages, opened from the Screening step (before needling)
and the Sign-off step (after): the steps keep their order and keys. It owns no rule: each
attach, skip or consent goes to the clinic's photo commands through the controller, and the
refresh only rewrites status labels and pictures, never a field being typed in.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.core.photos import photos_in_force
from microneedle_desk.core.record_types import PhotoRecord
from microneedle_desk.i18n import tr
from microneedle_desk.ui.colours import error_style

if TYPE_CHECKING:
    from microneedle_desk.core.session_state import SessionState
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
    from PySide6.QtWidgets import QFileDialog

    start = str(ctx.settings.get("photos/watch_folder") or Path.home())
    path, _ = QFileDialog.getOpenFileName(parent, tr("Choose the photo"), start,
                                          tr("Photos (*.jpg *.jpeg *.png *.tif *.tiff *.webp *.heic)"))
    return path


class Comparison(QWidget):
    """Last time's photo over this one at an opacity (overlay), or the two side by side."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(320, 240)
        self.setAccessibleName(tr("Last time's photo and this one"))
        self.before: QPixmap | None = None
        self.now: QPixmap | None = None
        self.opacity = 0.35
        self.side_by_side = False

    def show_pair(self, before: Path | None, now: Path | None) -> None:
        self.before = QPixmap(str(before)) if before else None
        self.now = QPixmap(str(now)) if now else None
        self.update()

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        if self.side_by_side:
            half = self.rect().adjusted(0, 0, -self.width() // 2, 0)
            self._draw(painter, self.before, half, 1.0)
            self._draw(painter, self.now, half.translated(self.width() // 2, 0), 1.0)
        else:
            self._draw(painter, self.now, self.rect(), 1.0)
            self._draw(painter, self.before, self.rect(), self.opacity if self.now else 1.0)
        if self.before is None and self.now is None:
            painter.setPen(Qt.GlobalColor.white)
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, tr("No photo of this view yet."))
        painter.end()

    @staticmethod
    def _draw(painter: QPainter, pixmap: QPixmap | None, area: Any, opacity: float) -> None:
        if pixmap is None or pixmap.isNull():
            return
        scaled = pixmap.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
        x = area.x() + (area.width() - scaled.width()) // 2
        y = area.y() + (area.height() - scaled.height()) // 2
        painter.setOpacity(opacity)
        painter.drawPixmap(x, y, scaled)
        painter.setOpacity(1.0)


def _entry(name: str, hint: str, action: str, action_name: str, act: Any,
           *extra: QWidget) -> tuple[QHBoxLayout, QLineEdit, QPushButton]:
    """A field and the button that acts on it (Enter in the field presses it)."""
    edit = QLineEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(hint)
    button = QPushButton(action)
    button.setAccessibleName(action_name)
    button.clicked.connect(act)
    edit.returnPressed.connect(button.click)
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    for widget in (*extra, button):
        row.addWidget(widget)
    return row, edit, button


class PhotoWindow(QWidget):
    """The standard views of the open session."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.setWindowTitle(tr("Photos of this session"))
        self.setAccessibleName(tr("Photos of this session"))
        p = ctx.protocol
        self.path_fields: dict[str, QLineEdit] = {}
        self.attach_buttons: dict[str, QPushButton] = {}
        self.reason_fields: dict[str, QLineEdit] = {}
        self.skip_buttons: dict[str, QPushButton] = {}
        self.choose_buttons: dict[str, QPushButton] = {}
        self.status: dict[str, QLabel] = {}
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet(error_style())
        self.error.setAccessibleName(tr("Error"))
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        grid = QGridLayout()
        for row, view in enumerate(p.photo_views):
            title = QLabel(tr("<b>{label}</b><br><small>{instruction}</small>").format(
                              label=view.label, instruction=view.instruction))
            title.setWordWrap(True)
            title.setMinimumWidth(260)
            grid.addWidget(title, row, 0)
            choose = self.choose_buttons[view.id] = QPushButton(tr("Choose…"))
            choose.setAccessibleName(tr("Choose the {view} photo's file").format(view=view.label))
            choose.clicked.connect(lambda _=False, v=view.id: self.choose_file(v))
            files, self.path_fields[view.id], self.attach_buttons[view.id] = _entry(
                tr("{view}: photo file").format(view=view.label), tr("photo file (JPEG, PNG, TIFF, WebP)"),
                tr("Attach"), tr("Attach the {view} photo").format(view=view.label),
                lambda _=False, v=view.id: self.attach(v), choose)
            grid.addLayout(files, row, 1)
            skips, self.reason_fields[view.id], self.skip_buttons[view.id] = _entry(
                tr("{view}: reason for not taking it").format(view=view.label),
                tr("or why not taken (declined, not applicable…)"), tr("Skip"),
                tr("Skip the {view} photo").format(view=view.label), lambda _=False, v=view.id: self.skip(v))
            grid.addLayout(skips, row, 2)
            status = QLabel()
            status.setMinimumWidth(150)
            self.status[view.id] = status
            grid.addWidget(status, row, 3)
        views_box = QGroupBox(tr("Standard views (before needling; again after if you wish)"))
        views_box.setLayout(grid)

        # -- the watched folder -------------------------------------------------------------
        self.newest = QSpinBox()
        self.newest.setRange(1, 12)
        self.newest.setValue(len(p.photo_views) or 6)
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
        folder_box = QGroupBox(tr("From the camera's folder"))
        folder_lay = QVBoxLayout(folder_box)
        folder_lay.addLayout(folder_row)
        folder_lay.addLayout(self.batch_box)
        folder_lay.addWidget(self.attach_batch)
        folder_lay.addWidget(self.progress)

        # -- comparing with last time --------------------------------------------------------
        self.compare_view = QComboBox()
        self.compare_view.setAccessibleName(tr("View to compare"))
        for view in p.photo_views:
            self.compare_view.addItem(view.label, view.id)
        self.compare_view.currentIndexChanged.connect(lambda _i: self.show_comparison())
        self.overlay = QRadioButton(tr("Overlay"))
        self.overlay.setChecked(True)
        self.beside = QRadioButton(tr("Side by side"))
        self.overlay.toggled.connect(lambda _c: self.show_comparison())
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(35)
        self.opacity.setAccessibleName(tr("Opacity of last time's photo"))
        self.opacity.valueChanged.connect(lambda _v: self.show_comparison())
        self.comparison = Comparison()
        self.compare_note = QLabel()
        controls = QHBoxLayout()
        controls.addWidget(QLabel(tr("Last time:")))
        controls.addWidget(self.compare_view)
        controls.addWidget(self.overlay)
        controls.addWidget(self.beside)
        controls.addWidget(QLabel(tr("opacity")))
        controls.addWidget(self.opacity, 1)
        compare_box = QGroupBox(tr("Framed like last time?"))
        compare_lay = QVBoxLayout(compare_box)
        compare_lay.addLayout(controls)
        compare_lay.addWidget(self.comparison, 1)
        compare_lay.addWidget(self.compare_note)

        inner = QWidget()
        lay = QVBoxLayout(inner)
        lay.addWidget(views_box)
        lay.addWidget(self.error)
        lay.addWidget(self.notes)
        lay.addWidget(folder_box)
        lay.addWidget(compare_box, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.resize(1100, 720)
        self._previous: dict[tuple[str, str], PhotoRecord | None] = {}
        self._shown: tuple[Any, ...] = ()
        ctx.controller.changed.connect(self.refresh)
        ctx.controller.error.connect(self._refused)
        self.refresh()

    # -- commands ---------------------------------------------------------------------------
    def _act(self, command: Any) -> bool:
        self.error.setText("")
        return self.ctx.controller.act(command)

    def _refused(self, field: str, message: str) -> None:
        if self.isVisible():
            self.error.setText(message)

    def choose_file(self, view: str) -> None:
        path = choose_photo_file(self, self.ctx)
        if path:
            self.path_fields[view].setText(path)
            self.attach(view)

    def attach(self, view: str) -> bool:
        text = self.path_fields[view].text().strip()
        if not text:
            self.error.setText(tr("Choose the photo's file first (or type its path)."))
            return False
        done: list[Any] = []
        ok = self._act(lambda c: done.append(c.photos.add(view, Path(text).expanduser())))
        if ok:
            self.path_fields[view].clear()
            notes = done[0].notes if done else ()
            self.notes.setText(tr("Attached: {notes}.").format(notes="; ".join(notes)) if notes else "")
            self._pick_compare(view)
        return ok

    def skip(self, view: str) -> bool:
        reason = self.reason_fields[view].text()
        ok = self._act(lambda c: c.photos.skip(view, reason))
        if ok:
            self.reason_fields[view].clear()
        return ok

    def list_newest(self) -> None:
        folder = str(self.ctx.settings.get("photos/watch_folder") or "")
        self._clear_batch()
        if not folder:
            self.error.setText(tr("No camera folder is set: an admin sets it in Settings › Photos."))
            return
        files = newest_files(Path(folder), self.newest.value())
        if not files:
            self.error.setText(tr("There are no photos in the camera folder {folder}.").format(folder=folder))
            return
        state = self._state()
        free = [v for v in self.ctx.protocol.ids("photo_views")
                if state is None or v not in photos_in_force(state)]
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
        self.error.setText("")

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
            self.error.setText(tr("Two photos are given the same view: give each its own, or leave one out."))
            return
        self.progress.setRange(0, len(chosen))
        self.progress.setValue(0)
        self.progress.show()
        try:
            for done, (path, view) in enumerate(chosen, start=1):
                self.path_fields[view].setText(str(path))
                if not self.attach(view):
                    return  # the refusal is on screen; the rest stay listed to fix and try again
                self.progress.setValue(done)
                self.progress.repaint()  # each photo takes a moment: show how far it got
        finally:
            self.progress.hide()
        self._clear_batch()

    # -- showing ----------------------------------------------------------------------------
    def _state(self) -> SessionState | None:
        session = self.ctx.controller.session
        return session.state if session is not None else None

    def refresh(self) -> None:
        state = self._state()
        if state is None:
            for label in self.status.values():
                label.setText("")
            return
        p = self.ctx.protocol
        taken = photos_in_force(state)
        after = photos_in_force(state, "after")
        consent = state.photo_consent in ("clinical", "teaching")
        for view in p.ids("photo_views"):
            if view in taken:
                text = tr("Taken ({file})").format(file=taken[view]["original_name"])
            elif view in state.photo_skips:
                text = tr("Skipped: {why}").format(why=state.photo_skips[view])
            else:
                text = tr("Not taken")
            if view in after:
                text += " · " + tr("after needling too")
            if self.status[view].text() != text:
                self.status[view].setText(text)
            self.attach_buttons[view].setEnabled(consent)
        self.folder_label.setText(tr("Camera folder: {folder}").format(
            folder=self.ctx.settings.get("photos/watch_folder") or tr("not set (Settings › Photos)")))
        if not consent and not self.error.text():
            self.notes.setText(tr("Record the patient's consent to photos on the Screening step first."))
        self.show_comparison()

    def _pick_compare(self, view: str) -> None:
        index = self.compare_view.findData(view)
        if index >= 0 and index != self.compare_view.currentIndex():
            self.compare_view.setCurrentIndex(index)
        else:
            self.show_comparison()

    def show_comparison(self) -> None:
        state = self._state()
        view = str(self.compare_view.currentData() or "")
        if state is None or not view:
            return
        photos = self.ctx.controller.clinic.photos
        if (state.id, view) not in self._previous:  # earlier sessions do not change while this one runs
            self._previous[(state.id, view)] = photos.previous(state.patient_id, view, before=state.id)
        previous = self._previous[(state.id, view)]
        now = photos_in_force(state).get(view)
        key = (view, previous["photo_id"] if previous else "", now["photo_id"] if now else "",
               self.overlay.isChecked(), self.opacity.value())
        if self._shown == key:
            return
        self._shown = key
        self.comparison.side_by_side = self.beside.isChecked()
        self.comparison.opacity = self.opacity.value() / 100
        self.opacity.setEnabled(self.overlay.isChecked())
        self.comparison.show_pair(photos.file(previous) if previous else None,
                                  photos.file(now) if now else None)
        self.compare_note.setText(tr("Last time's photo: none for this view.") if previous is None else "")


_WINDOWS: dict[int, PhotoWindow] = {}


def photo_window(ctx: UiContext, parent: QWidget | None = None) -> PhotoWindow:
    """The one photo window of this context (made on first use), shown and raised."""
    window = _WINDOWS.get(id(ctx))
    if window is None:
        window = _WINDOWS[id(ctx)] = PhotoWindow(ctx, parent)
        window.destroyed.connect(lambda *_: _WINDOWS.pop(id(ctx), None))
    if window.isVisible():
        window.raise_()  # already open behind the main window: bring it forward
    else:
        window.show()
    return window
