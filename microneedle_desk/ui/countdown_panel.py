"""The countdown strip: always visible, readable from two metres, state shown by colour."""

from __future__ import annotations

import math

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from microneedle_desk.core.countdown import reading
from microneedle_desk.core.session import CountdownView
from microneedle_desk.i18n import N_, tr
from microneedle_desk.ui.a11y import announce, spoken_duration

# state -> (background, foreground, word shown beside the digits)
STATE_STYLE = {
    "running": ("#1f5fbf", "#ffffff", N_("RUNNING")),
    "ready": ("#1e7d32", "#ffffff", N_("MINIMUM REACHED")),
    "due": ("#e0a100", "#1a1a1a", N_("TIME UP")),
    "overdue": ("#c62828", "#ffffff", N_("OVER MAXIMUM")),
    "paused": ("#6b6b6b", "#ffffff", N_("PAUSED")),
    "done": ("#d9d9d9", "#333333", N_("DONE")),
}


class Digits(QWidget):
    """The big figure, drawn rather than a label: a screen reader reads the box's words
    ("Numbing: 29 minutes 58 seconds left") instead of digits that change every second."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._text = text
        self.colour = QColor("#ffffff")
        # The figure fills its own rectangle with the box's colour, so the figure changing each
        # second repaints this widget alone, not the box's styled background beneath it.
        self.background = QColor(STATE_STYLE["running"][0])
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        if text != self._text:
            longer = len(text) != len(self._text)
            self._text = text
            if longer:  # "59:59" to "1:00:00": only then does the figure need other room
                self.updateGeometry()
            self.update()

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        return QSize(metrics.horizontalAdvance(max(self._text, "00:00", key=len)) + 8, metrics.height())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.background)
        painter.setPen(self.colour)
        painter.setFont(self.font())
        painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self._text)


def spoken(view: CountdownView) -> str:
    """The countdown as a sentence: "Numbing: 29 minutes 58 seconds left"."""
    if view.state == "done":
        return tr("{label}: done, took {time}").format(label=view.label, time=spoken_duration(view.elapsed))
    if view.remaining < 0:
        return tr("{label}: over by {time}").format(label=view.label, time=spoken_duration(math.floor(-view.remaining)))
    left = spoken_duration(math.ceil(view.remaining))
    if view.state == "paused":
        return tr("{label}: paused, {time} left").format(label=view.label, time=left)
    return tr("{label}: {time} left").format(label=view.label, time=left)


def milestone(before: CountdownView | None, now: CountdownView) -> str:
    """What a screen reader is told when a countdown passes a point worth saying: the minimum
    reached, one minute left, the planned time up, over the maximum, done. Empty otherwise."""
    if before is None or before.key != now.key:
        return ""
    if now.state != before.state:
        if now.state == "ready":
            return tr("{label}: minimum time reached. {left}").format(label=now.label, left=spoken(now))
        if now.state == "done":
            return spoken(now)
        if now.state in ("due", "overdue") and now.remaining < 0:
            return spoken(now)
        if now.state == "due":
            return tr("{label}: time is up").format(label=now.label)
    if now.state != "paused" and before.remaining > 60 >= now.remaining > 0:
        return tr("{label}: one minute left").format(label=now.label)
    if now.state != "done" and before.remaining >= 0 > now.remaining:
        return tr("{label}: time is up").format(label=now.label)
    return ""


class CountdownBox(QFrame):
    def __init__(self, key: str, digits_pt: int = 44, parent: QWidget | None = None, compact: bool = False) -> None:
        """``compact``: the title and state beside the figure instead of above it (one row less,
        for the main window on a short screen)."""
        super().__init__(parent)
        self.key = key
        self.setObjectName(f"countdown_{key}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel()
        self.state_word = QLabel()
        self.digits = Digits("--:--")
        self.caption = QLabel()  # says whether the digits are the time left, past the plan, or taken
        self.message = QLabel()
        self.message.setWordWrap(True)
        font = QFont()
        font.setPointSize(digits_pt)
        font.setBold(True)
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setFamilies(["DejaVu Sans Mono", "Menlo", "Consolas", "monospace"])
        self.digits.setFont(font)
        self.set_digits_pt(digits_pt)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        figure = QHBoxLayout()
        if compact:
            words = QVBoxLayout()
            words.addWidget(self.title)
            words.addWidget(self.state_word)
            figure.addLayout(words)
        else:
            top = QHBoxLayout()
            top.addWidget(self.title)
            top.addStretch(1)
            top.addWidget(self.state_word)
            layout.addLayout(top)
        figure.addStretch(1)
        figure.addWidget(self.caption, 0, Qt.AlignmentFlag.AlignVCenter)
        figure.addWidget(self.digits)
        figure.addStretch(1)
        layout.addLayout(figure)
        self.message.setMinimumWidth(1)  # wraps in the box's width, never widens it
        layout.addWidget(self.message)
        self.setAccessibleName(tr("{key} countdown").format(key=key))
        self._colours: tuple[str, str] | None = None  # the colours the style sheet was last set with
        self._last: CountdownView | None = None  # the view shown before, to tell its milestones

    def set_digits_pt(self, digits_pt: int) -> None:
        """The figure's size in points; the words beside it a third of it (at least 11)."""
        font = self.digits.font()
        if font.pointSize() != digits_pt:
            font.setPointSize(digits_pt)
            self.digits.setFont(font)
            self.digits.updateGeometry()
        bold = QFont()
        bold.setPointSize(max(11, digits_pt // 3))
        bold.setBold(True)
        for label in (self.title, self.state_word, self.caption):
            label.setFont(bold)

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
            self.digits.colour, self.digits.background = QColor(fg), QColor(bg)
            self.digits.update()
        figure, caption = reading(view.state, view.elapsed, view.remaining)
        for label, text in ((self.title, view.label), (self.state_word, word), (self.digits, figure),
                            (self.caption, caption), (self.message, view.message)):
            if label.text() != text:
                label.setText(text)
        words = spoken(view)
        if self.digits.accessibleName() != words:
            self.digits.setAccessibleName(words)
        description = f"{words}. {view.message}".strip()
        if self.accessibleDescription() != description:
            self.setAccessibleDescription(description)
        said = milestone(self._last, view)
        self._last = view
        if said:
            announce(self, said)


class CountdownPanel(QWidget):
    """One box per countdown that has started; hidden while there is none."""

    def __init__(self, digits_pt: int = 44, parent: QWidget | None = None, compact: bool = False) -> None:
        super().__init__(parent)
        self.digits_pt = digits_pt
        self.compact = compact
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
                box = self.boxes[view.key] = CountdownBox(view.key, self.digits_pt, self, self.compact)
                self._layout.addWidget(box, 1)
            box.show_view(view, flash=flash_on and view.key in self.flashing)
        self.setVisible(bool(views))

    def set_digits_pt(self, digits_pt: int) -> None:
        if digits_pt != self.digits_pt:
            self.digits_pt = digits_pt
            for box in self.boxes.values():
                box.set_digits_pt(digits_pt)
