"""The alert banner over the steps: the warning in large bold type, wrapped to the window's
width (a push button's own text never wraps, and a long warning widened the window past a
scaled laptop screen); pressing it, or Esc, acknowledges it."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget


class AlertBar(QPushButton):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("alert_bar")
        self._label = QLabel()
        self._label.setObjectName("alert_text")
        self._label.setWordWrap(True)
        self._label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self._label)
        self.setStyleSheet("QPushButton#alert_bar { background: #e0a100; padding: 0; }"
                           " QLabel#alert_text { color: #1a1a1a; font-size: 16pt; font-weight: bold; }")

    def text(self) -> str:
        return self._label.text()

    def setText(self, text: str | None) -> None:
        self._label.setText(text or "")
        self.setAccessibleName(text or "")  # a button reads its name: the warning itself
        self.updateGeometry()

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
