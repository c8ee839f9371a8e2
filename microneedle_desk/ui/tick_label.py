"""A line of text that changes every second (a time so far, a countdown's words) without
costing the window a new layout each time.

A QLabel asks its layout to be worked out again whenever its text is set; this one draws its
text itself and asks only when the text needs more room than it was given, so a tick repaints
this one widget and nothing else. A screen reader reads its accessible name, kept equal to
the text.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget


class TickLabel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._room = QSize(0, 0)  # the size last asked of the layout
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text == self._text:
            return
        self._text = text
        self.setAccessibleName(text)
        if self._needed().width() > self._room.width() or self._needed().height() != self._room.height():
            self.updateGeometry()
        self.update()

    def _needed(self) -> QSize:
        metrics = self.fontMetrics()
        lines = self._text.split("\n") or [""]
        return QSize(max(metrics.horizontalAdvance(line) for line in lines) + 4, metrics.height() * len(lines))

    def sizeHint(self) -> QSize:
        self._room = self._needed()
        return self._room

    def minimumSizeHint(self) -> QSize:
        return QSize(0, self._needed().height())

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setPen(self.palette().color(self.foregroundRole()))
        painter.setFont(self.font())
        painter.drawText(self.rect(), int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), self._text)
