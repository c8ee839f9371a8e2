"""Last session's photo of a view beside this one, to frame it alike: over it at an opacity
(overlay) or the two side by side, with the view to compare chosen from the standard ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter, QPixmap
from PySide6.QtWidgets import QComboBox, QGroupBox, QHBoxLayout, QLabel, QRadioButton, QSlider, QVBoxLayout, QWidget

from microneedle_desk.core.photos import photos_in_force
from microneedle_desk.core.record_types import PhotoRecord
from microneedle_desk.i18n import tr

if TYPE_CHECKING:
    from microneedle_desk.core.protocol import Protocol
    from microneedle_desk.core.session_state import SessionState
    from microneedle_desk.ui.context import UiContext


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


class ComparisonBox(QGroupBox):
    """The view to compare, how to show the two photos, and the two photos."""

    def __init__(self, ctx: UiContext, protocol: Protocol) -> None:
        super().__init__(tr("Framed like last time?"))
        self.ctx = ctx
        self.compare_view = QComboBox()
        self.compare_view.setAccessibleName(tr("View to compare"))
        for view in protocol.photo_views:
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
        lay = QVBoxLayout(self)
        lay.addLayout(controls)
        lay.addWidget(self.comparison, 1)
        lay.addWidget(self.compare_note)
        self._previous: dict[tuple[str, str], PhotoRecord | None] = {}
        self._shown: tuple[Any, ...] = ()

    def _state(self) -> SessionState | None:
        session = self.ctx.controller.session
        return session.state if session is not None else None

    def pick(self, view: str) -> None:
        """Compare ``view`` (a photo of it was just attached)."""
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
