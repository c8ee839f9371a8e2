"""The alert banner: the warning in large bold type, wrapped to the width it lies in (a push
button's own text never wraps, and a long warning widened the window past a scaled laptop
screen); pressing it, or Esc, acknowledges it.

It lies over the top of the step's page (``float_over`` the page's scrolling viewport) instead
of taking a row of the window's layout. Showing a widget that a layout holds lays the whole
window out again, at once, inside the slot that shows it, and moves the page down under the
practitioner's pointer. The viewport has no layout, so showing the banner there moves nothing:
the alert is told, and painted, without waiting for the window's layout."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize, Qt
from PySide6.QtGui import QPainter, QPaintEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from microneedle_desk.ui.focus_style import WIDTH, draw_mark


class AlertBar(QPushButton):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alert_bar")
        self.setAutoDefault(True)  # Enter presses it once Tab reaches it, as it presses the step's buttons
        self._label = QLabel()
        self._label.setObjectName("alert_text")
        self._label.setWordWrap(True)
        self._label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self._label)
        self.setStyleSheet("QPushButton#alert_bar { background: #e0a100; padding: 0;"
                           " border: 2px solid #1a1a1a; }"
                           " QLabel#alert_text { color: #1a1a1a; font-size: 16pt; font-weight: bold; }")

    def float_over(self, area: QWidget) -> None:
        """Lie over the top of ``area`` (a widget without a layout), across its whole width."""
        self.setParent(area)
        area.installEventFilter(self)
        self.place()
        self.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and watched is self.parentWidget():
            self.place()
        return False

    def place(self) -> None:
        area = self.parentWidget()
        if area is not None:
            self.setGeometry(0, 0, area.width(), self.heightForWidth(area.width()))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self.hasFocus():
            # its style sheet draws the border, so the app's focus style is never asked: the
            # same mark in the window's colours (the amber alone would pick the dark theme's),
            # over the border and once more inside it
            painter = QPainter(self)
            for inset in (0, WIDTH):
                draw_mark(painter, self.rect().adjusted(inset, inset, -inset, -inset), self.window().palette())
            painter.end()

    def text(self) -> str:
        return self._label.text()

    def setText(self, text: str | None) -> None:
        self._label.setText(text or "")
        self.setAccessibleName(text or "")  # a button reads its name: the warning itself
        self.place()  # a longer warning wraps to more lines

    def sizeHint(self) -> QSize:
        layout = self.layout()
        return layout.sizeHint() if layout is not None else super().sizeHint()

    def minimumSizeHint(self) -> QSize:
        layout = self.layout()
        return layout.minimumSize() if layout is not None else super().minimumSizeHint()

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        layout = self.layout()
        return layout.heightForWidth(width) if layout is not None else super().heightForWidth(width)
