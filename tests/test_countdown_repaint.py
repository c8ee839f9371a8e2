"""A countdown's figure changing each second repaints the figure alone: not the box's styled
background beneath it, nor its words."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject

from microneedle_desk.core.session import CountdownView
from microneedle_desk.ui.countdown_panel import CountdownPanel


class _Paints(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.seen.append(watched.objectName() or type(watched).__name__)
        return False


def _view(remaining: float) -> CountdownView:
    return CountdownView("dwell", "Numbing", "running", 1800 - remaining, remaining, 1800, "Numbing.")


def test_the_figure_changing_repaints_the_figure_and_not_the_box_beneath_it(qtbot: Any) -> None:
    panel = CountdownPanel(44)
    qtbot.addWidget(panel)
    panel.resize(700, 220)
    panel.show_views([_view(1000.5)])
    panel.show()
    qtbot.waitExposed(panel)
    box = panel.boxes["dwell"]
    qtbot.waitUntil(lambda: box.digits.text() == "16:41")
    qtbot.wait(50)  # the first frame is drawn
    paints = _Paints()
    for widget in (box, box.title, box.state_word, box.caption, box.message, box.digits):
        widget.installEventFilter(paints)
    panel.show_views([_view(999.5)])
    qtbot.waitUntil(lambda: "Digits" in paints.seen, timeout=3000)
    qtbot.wait(50)
    assert box.digits.text() == "16:40"
    assert paints.seen == ["Digits"], "only the figure is drawn again"
