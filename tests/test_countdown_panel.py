"""The countdown strip redraws only what changed: a running countdown refreshed five times a
second must not re-apply its style sheet each time (it re-polishes the box and its labels)."""

from __future__ import annotations

from typing import Any

from microneedle_desk.core.session import CountdownView
from microneedle_desk.ui.countdown_panel import CountdownBox


def view(state: str, remaining: float) -> CountdownView:
    return CountdownView("dwell", "Numbing (dwell)", state, 1800 - remaining, remaining, 1800, "message")


def test_the_style_sheet_is_set_again_only_when_the_countdowns_colours_change(qtbot: Any, monkeypatch: Any) -> None:
    box = CountdownBox("dwell")
    qtbot.addWidget(box)
    sheets: list[str] = []
    original = CountdownBox.setStyleSheet
    monkeypatch.setattr(CountdownBox, "setStyleSheet", lambda self, text: (sheets.append(text), original(self, text)))
    for second in range(50):
        box.show_view(view("running", 1500 - second))
    assert len(sheets) == 1, "a running countdown keeps its colours"
    assert box.digits.text() == "24:11"
    box.show_view(view("ready", 600))
    box.show_view(view("ready", 599))
    assert len(sheets) == 2, "the state changed once, so the colours did"
    box.show_view(view("ready", 598), flash=True)
    assert len(sheets) == 3, "a flash swaps the colours"
