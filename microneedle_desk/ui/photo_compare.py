"""One view across a patient's course: every session's photo in a row, two of them compared.

Pick a view; the row shows each signed session's photo of it with the date, needle length and
grade. Two picked (the first and the latest by default) are shown side by side or as a wipe
(the earlier on the left of the slider, the later on its right), zoomed and panned together:
the wheel (or + and -) zooms, dragging pans, and both pictures follow.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from microneedle_desk.i18n import tr
from microneedle_desk.review import photos as reading

if TYPE_CHECKING:
    from microneedle_desk.review.photos import CoursePhoto
    from microneedle_desk.ui.context import UiContext


class PairView(QWidget):
    """Two photos under one zoom and pan: side by side, or a wipe at ``wipe`` (0–1)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(480, 320)
        self.setAccessibleName(tr("Before and after"))
        self.before: QPixmap | None = None
        self.after: QPixmap | None = None
        self.wipe_mode = False
        self.wipe = 0.5
        self.zoom = 1.0
        self.offset = QPointF(0, 0)  # the pan, in the pictures' own scaled pixels
        self._drag: QPointF | None = None

    def set_pair(self, before: QPixmap | None, after: QPixmap | None) -> None:
        self.before, self.after = before, after
        self.update()

    def set_zoom(self, zoom: float) -> None:
        self.zoom = min(8.0, max(1.0, zoom))
        if self.zoom == 1.0:
            self.offset = QPointF(0, 0)
        self.update()

    def wheelEvent(self, event: Any) -> None:
        self.set_zoom(self.zoom * (1.25 if event.angleDelta().y() > 0 else 0.8))

    def mousePressEvent(self, event: Any) -> None:
        self._drag = event.position()

    def mouseMoveEvent(self, event: Any) -> None:
        if self._drag is not None and self.zoom > 1.0:
            self.offset += event.position() - self._drag
            self._drag = event.position()
            self.update()

    def mouseReleaseEvent(self, event: Any) -> None:
        self._drag = None

    def _areas(self) -> tuple[QRectF, QRectF]:
        whole = QRectF(self.rect())
        if self.wipe_mode:
            return whole, whole
        half = QRectF(whole.x(), whole.y(), whole.width() / 2 - 2, whole.height())
        return half, half.translated(whole.width() / 2 + 2, 0)

    def _draw(self, painter: QPainter, pixmap: QPixmap | None, area: QRectF) -> None:
        if pixmap is None or pixmap.isNull():
            painter.setPen(Qt.GlobalColor.white)
            painter.drawText(area, int(Qt.AlignmentFlag.AlignCenter), tr("No photo"))
            return
        fit = min(area.width() / pixmap.width(), area.height() / pixmap.height()) * self.zoom
        size = QSize(round(pixmap.width() * fit), round(pixmap.height() * fit))
        x = area.x() + (area.width() - size.width()) / 2 + self.offset.x()
        y = area.y() + (area.height() - size.height()) / 2 + self.offset.y()
        painter.save()
        painter.setClipRect(area, Qt.ClipOperation.IntersectClip)  # within a wipe's clip, not over it
        painter.drawPixmap(QRectF(x, y, size.width(), size.height()), pixmap, QRectF(pixmap.rect()))
        painter.restore()

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), Qt.GlobalColor.black)
        left, right = self._areas()
        if self.wipe_mode:
            cut = self.width() * self.wipe
            self._draw(painter, self.before, left)
            painter.save()
            painter.setClipRect(QRectF(cut, 0, self.width() - cut, self.height()))
            self._draw(painter, self.after, right)
            painter.restore()
            painter.setPen(Qt.GlobalColor.yellow)
            painter.drawLine(QPointF(cut, 0), QPointF(cut, self.height()))
        else:
            self._draw(painter, self.before, left)
            self._draw(painter, self.after, right)
        painter.end()


def _caption(photo: CoursePhoto) -> str:
    try:
        day = datetime.fromisoformat(photo.started_at).date().isoformat()
    except ValueError:
        day = photo.started_at[:10]
    needle = f"{photo.needle_mm:g} mm" if photo.needle_mm is not None else "—"
    return tr("{date}\n{needle} · grade {grade}").format(date=day, needle=needle, grade=photo.grade or "—")


class PhotoCompareWindow(QWidget):
    """A patient's photos of one view across the course."""

    def __init__(self, ctx: UiContext, patient_id: str, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx, self.patient_id = ctx, patient_id
        self.photos: list[CoursePhoto] = []
        self._kept: list[int] = []  # the rows picked, the older pick first
        self.setWindowTitle(tr("Photos across the course"))
        self.view = QComboBox()
        self.view.setAccessibleName(tr("View"))
        for view in ctx.protocol.photo_views:
            self.view.addItem(view.label, view.id)
        self.view.currentIndexChanged.connect(lambda _i: self.load())
        self.row = QListWidget()
        self.row.setAccessibleName(tr("Each session's photo of this view"))
        self.row.setViewMode(QListWidget.ViewMode.IconMode)
        self.row.setFlow(QListWidget.Flow.LeftToRight)
        self.row.setWrapping(False)
        self.row.setIconSize(QSize(140, 105))
        self.row.setFixedHeight(175)
        self.row.setMovement(QListWidget.Movement.Static)
        self.row.setSelectionMode(QAbstractItemView.SelectionMode.MultiSelection)
        self.row.itemSelectionChanged.connect(self._picked)
        self.side = QRadioButton(tr("Side by side"))
        self.side.setChecked(True)
        self.wipe_mode = QRadioButton(tr("Slider wipe"))
        self.side.toggled.connect(lambda _c: self._mode())
        self.wipe = QSlider(Qt.Orientation.Horizontal)
        self.wipe.setRange(0, 100)
        self.wipe.setValue(50)
        self.wipe.setAccessibleName(tr("Wipe position"))
        self.wipe.valueChanged.connect(lambda _v: self._mode())
        self.zoom_in, self.zoom_out = QPushButton("+"), QPushButton("−")
        self.zoom_in.setAccessibleName(tr("Zoom in"))
        self.zoom_out.setAccessibleName(tr("Zoom out"))
        self.pair = PairView()
        self.zoom_in.clicked.connect(lambda: self.pair.set_zoom(self.pair.zoom * 1.25))
        self.zoom_out.clicked.connect(lambda: self.pair.set_zoom(self.pair.zoom * 0.8))
        self.note = QLabel()
        self.note.setWordWrap(True)
        top = QHBoxLayout()
        top.addWidget(QLabel(tr("View:")))
        top.addWidget(self.view)
        top.addStretch(1)
        top.addWidget(self.side)
        top.addWidget(self.wipe_mode)
        top.addWidget(self.wipe, 1)
        top.addWidget(self.zoom_out)
        top.addWidget(self.zoom_in)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.row)
        lay.addWidget(self.note)
        lay.addWidget(self.pair, 1)
        self.resize(1100, 760)
        self.load()

    def load(self) -> None:
        view = str(self.view.currentData() or "")
        self.photos = reading.course(self.ctx.store, self.patient_id, view) if view else []
        self.row.blockSignals(True)
        self.row.clear()
        self._kept = []
        for photo in self.photos:
            thumb = QPixmap(str(reading.file_of(self.ctx.store, photo.record, thumb=True)))
            item = QListWidgetItem(QIcon(thumb), _caption(photo))
            item.setData(Qt.ItemDataRole.UserRole, photo.session_id)
            self.row.addItem(item)
        for index in {0, len(self.photos) - 1} if self.photos else ():
            self.row.item(index).setSelected(True)
        self.row.blockSignals(False)
        self.note.setText(tr("No signed session has a photo of this view yet.") if not self.photos else
                          tr("Only one session has this view so far.") if len(self.photos) == 1 else
                          tr("Pick two photos to compare; the earlier is shown as before."))
        self._picked()

    def picked(self) -> list[CoursePhoto]:
        rows = sorted(self.row.row(item) for item in self.row.selectedItems())
        return [self.photos[r] for r in rows]

    def _picked(self) -> None:
        rows = {self.row.row(item) for item in self.row.selectedItems()}
        if len(rows) > 2:  # a third pick replaces the older of the two
            new = sorted(rows - set(self._kept))
            keep = {*self._kept[-1:], *new[-1:]}
            self.row.blockSignals(True)
            for r in rows - keep:
                self.row.item(r).setSelected(False)
            self.row.blockSignals(False)
            rows = keep
        self._kept = sorted(rows, key=lambda r: (r not in self._kept, r))
        chosen = self.picked()
        pixmaps = [QPixmap(str(reading.file_of(self.ctx.store, p.record))) for p in chosen]
        before = pixmaps[0] if pixmaps else None
        after = pixmaps[1] if len(pixmaps) > 1 else None
        self.pair.set_pair(before, after)
        self._mode()

    def _mode(self) -> None:
        self.pair.wipe_mode = self.wipe_mode.isChecked()
        self.pair.wipe = self.wipe.value() / 100
        self.wipe.setEnabled(self.wipe_mode.isChecked())
        self.pair.update()
