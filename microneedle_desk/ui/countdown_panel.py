"""The countdown strip: always visible, readable from two metres, state shown by colour."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from microneedle_desk.core.countdown import reading
from microneedle_desk.core.session import CountdownView
from microneedle_desk.i18n import N_, tr

# state -> (background, foreground, word shown beside the digits)
STATE_STYLE = {
    "running": ("#1f5fbf", "#ffffff", N_("RUNNING")),
    "ready": ("#1e7d32", "#ffffff", N_("MINIMUM REACHED")),
    "due": ("#e0a100", "#1a1a1a", N_("TIME UP")),
    "overdue": ("#c62828", "#ffffff", N_("OVER MAXIMUM")),
    "paused": ("#6b6b6b", "#ffffff", N_("PAUSED")),
    "done": ("#d9d9d9", "#333333", N_("DONE")),
}


class CountdownBox(QFrame):
    def __init__(self, key: str, digits_pt: int = 44, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"countdown_{key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel()
        self.state_word = QLabel()
        self.digits = QLabel("--:--")
        self.caption = QLabel()  # says whether the digits are the time left, past the plan, or taken
        self.message = QLabel()
        self.message.setWordWrap(True)
        font = QFont()
        font.setPointSize(digits_pt)
        font.setBold(True)
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])
        self.digits.setFont(font)
        self.digits.setAlignment(Qt.AlignmentFlag.AlignCenter)
        bold = QFont()
        bold.setPointSize(max(11, digits_pt // 3))
        bold.setBold(True)
        self.title.setFont(bold)
        self.state_word.setFont(bold)
        self.caption.setFont(bold)
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.state_word)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.addLayout(top)
        figure = QHBoxLayout()
        figure.addStretch(1)
        figure.addWidget(self.caption, 0, Qt.AlignmentFlag.AlignVCenter)
        figure.addWidget(self.digits)
        figure.addStretch(1)
        layout.addLayout(figure)
        layout.addWidget(self.message)
        self.setAccessibleName(tr("{key} countdown").format(key=key))
        self._colours: tuple[str, str] | None = None  # the colours the style sheet was last set with

    def show_view(self, view: CountdownView, flash: bool = False) -> None:
        bg, fg, word = STATE_STYLE.get(view.state, STATE_STYLE["running"])
        word = tr(word)
        if flash:
            bg, fg = fg, bg
        # Only what changed is set again: re-applying a style sheet re-polishes the box and its
        # labels, and the refresh comes five times a second for as long as a countdown runs.
        if (bg, fg) != self._colours:
            self._colours = (bg, fg)
            self.setStyleSheet(f"QFrame#{self.objectName()} {{ background: {bg}; border-radius: 8px; }}"
                               f" QLabel {{ color: {fg}; background: transparent; }}")
        figure, caption = reading(view.state, view.elapsed, view.remaining)
        for label, text in ((self.title, view.label), (self.state_word, word), (self.digits, figure),
                            (self.caption, caption), (self.message, view.message)):
            if label.text() != text:
                label.setText(text)
        description = f"{view.label}: {word.lower()}, {caption} {figure}. {view.message}"
        if self.accessibleDescription() != description:
            self.setAccessibleDescription(description)


class CountdownPanel(QWidget):
    """One box per countdown that has started; hidden while there is none."""

    def __init__(self, digits_pt: int = 44, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.digits_pt = digits_pt
        self.boxes: dict[str, CountdownBox] = {}
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.flashing: set[str] = set()

    def show_views(self, views: list[CountdownView], flash_on: bool = False) -> None:
        keys = {v.key for v in views}
        for key in list(self.boxes):
            if key not in keys:
                self.boxes.pop(key).deleteLater()
        for view in views:
            box = self.boxes.get(view.key)
            if box is None:
                box = self.boxes[view.key] = CountdownBox(view.key, self.digits_pt, self)
                self._layout.addWidget(box, 1)
            box.show_view(view, flash=flash_on and view.key in self.flashing)
        self.setVisible(bool(views))
