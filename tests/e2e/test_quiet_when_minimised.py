"""Minimised, the app does no repaint work while a countdown runs; its alert still waits on
its own timer for the deadline, and the countdown is refreshed again once the window is back."""

from __future__ import annotations

from typing import Any

from e2e import driver


def test_a_minimised_window_refreshes_nothing_while_the_dwell_alert_stays_set_for_its_deadline(
        qtbot: Any, clinic: Any) -> None:
    controller = clinic.ctx.controller
    driver.open_session_with_dwell(qtbot, clinic)
    assert controller._tick.isActive(), "shown, the countdown is refreshed"
    assert controller._alarm.isActive()

    refreshed: list[int] = []
    controller.changed.connect(lambda: refreshed.append(1))
    clinic.showMinimized()
    qtbot.waitUntil(lambda: not controller._tick.isActive(), timeout=3000)
    refreshed.clear()
    qtbot.wait(1000)
    assert refreshed == [], "nothing is refreshed while minimised"
    assert controller._alarm.isActive(), "the dwell alert still waits for its deadline"
    assert controller._alarm.remainingTime() > 10 * 60 * 1000, "set for the deadline, minutes away"

    clinic.showNormal()
    qtbot.waitUntil(controller._tick.isActive, timeout=3000)
    assert refreshed, "back on screen, the countdown is refreshed at once"
