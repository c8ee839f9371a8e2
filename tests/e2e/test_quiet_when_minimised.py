"""Minimised, the app does no repaint work while a countdown runs: no beat of the countdowns,
no page rendered; its alert still fires from its own deadline timer, and the window shows
everything again once it is back."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtGui import QGuiApplication

from e2e import driver


def test_a_minimised_window_renders_nothing_while_the_dwell_alert_still_fires_at_its_deadline(
        qtbot: Any, clinic: Any, fake_clock: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    controller = clinic.ctx.controller
    driver.open_session_with_dwell(qtbot, clinic)
    assert controller.ticker.isActive(), "shown, the countdown ticks"
    # 0.3 s before the 15-minute minimum: the next beat sets the alert's timer that close
    driver.pass_time(qtbot, fake_clock, 15 * 60 - 0.3)
    remaining = controller._alarm.remaining_ms()
    assert remaining is not None and 0 < remaining <= 400

    beats: list[int] = []
    controller.ticked.connect(lambda: beats.append(1))
    page = clinic.current_page()
    rendered: list[int] = []
    real_refresh = page.refresh
    monkeypatch.setattr(page, "refresh", lambda state: (rendered.append(1), real_refresh(state)))
    digits = clinic.countdowns.boxes["dwell"].digits
    before = digits.text()
    with qtbot.waitSignal(controller.alert, timeout=3000) as fired:
        clinic.showMinimized()
        qtbot.waitUntil(lambda: not controller.ticker.isActive(), timeout=3000)
        fake_clock.advance(0.3)
    assert fired.args == ["dwell_min_reached"], "the alert fired minimised"
    qtbot.wait(1200)
    assert beats == [] and rendered == [], "minimised, no countdown beat and no page rendered"
    assert digits.text() == before, "the countdown figure was not touched"
    assert not clinic.alert_bar.isHidden(), "the alert is waiting on the window"
    assert QGuiApplication.styleHints().cursorFlashTime() == 0, "no text cursor blinks unseen"

    clinic.showNormal()
    qtbot.waitUntil(controller.ticker.isActive, timeout=3000)
    assert rendered, "back on screen, the step is shown again with the alert's entry"
    assert digits.text() != before, "and the countdown reads the clock again"
    assert QGuiApplication.styleHints().cursorFlashTime() > 0, "the text cursor blinks again"
